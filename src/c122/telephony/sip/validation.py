"""Checks that end a request before any processing (RFC 3261 §8.2.1-§8.2.2, §16.3)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.message import METHODS, SipRequest
from c122.telephony.sip.uri import host_ref


@dataclass(frozen=True, slots=True)
class Rejection:
    status: int
    reason: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


def check_request(
    request: SipRequest,
    *,
    allow: str,
    supported: Collection[str],
    own_host: str,
    own_ports: Collection[int],
) -> Rejection | None:
    if request.method not in METHODS:
        return Rejection(501, None, [("Allow", allow)])
    mf = request.headers.get("Max-Forwards")
    if mf is not None and int(mf) == 0 and request.method != "OPTIONS":
        return Rejection(483)
    if came_back(request, own_host, own_ports):
        return Rejection(482, "Loop Detected")
    if request.method != "CANCEL":
        unsupported = request.header_tokens("Require") - set(supported)
        if unsupported:
            return Rejection(420, None, [("Unsupported", ", ".join(sorted(unsupported)))])
    try:
        request.request_uri  # noqa: B018 - parsed lazily; an odd scheme surfaces here
    except SipParseError as exc:
        return Rejection(416, exc.reason)
    return None


def came_back(request: SipRequest, own_host: str, own_ports: Collection[int]) -> bool:
    """Our own address in a Via below the top one: the request went out and returned."""
    return any(
        host_ref(via.host) == own_host and via.port in own_ports and "received" not in via.params
        for via in request.vias[1:]
    )
