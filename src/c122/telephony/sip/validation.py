"""Checks that end a request before any processing (RFC 3261 §8.2.1-§8.2.2, §16.3)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

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
    return check_body(request)


SDP = "application/sdp"
# Bodies understood per method; a method not listed has its body ignored (BYE, REGISTER...).
ACCEPTED_BODIES: dict[str, tuple[str, ...]] = {
    "INVITE": (SDP,),
    "UPDATE": (SDP,),
    "PRACK": (SDP,),
    "INFO": ("application/dtmf-relay", "application/dtmf"),
}
_ANSWERED_WITH_SDP = frozenset({"INVITE", "UPDATE"})


def check_body(request: SipRequest) -> Rejection | None:
    """§8.2.3: a body we cannot read gets 415 naming what we read; §21.4.7: an Accept that
    leaves out the SDP our answer would carry gets 406."""
    accepted = ACCEPTED_BODIES.get(request.method)
    if accepted is None:
        return None
    if request.body:
        encodings = request.header_tokens("Content-Encoding") - {"identity"}
        if encodings:
            return Rejection(415, "Unsupported Content-Encoding", [("Accept-Encoding", "identity")])
        if request.content_type not in accepted:
            return Rejection(415, None, [("Accept", ", ".join(accepted))])
    if request.method in _ANSWERED_WITH_SDP and "Accept" in request.headers:
        wanted = {v.split(";")[0].strip().lower() for v in request.headers.get_all("Accept")}
        if not wanted & {SDP, "application/*", "*/*"}:
            return Rejection(406, None, [("Accept", SDP)])
    return None


def came_back(request: SipRequest, own_host: str, own_ports: Collection[int]) -> bool:
    """Our own address in a Via below the top one: the request went out and returned."""
    return any(
        host_ref(via.host) == own_host and via.port in own_ports and "received" not in via.params
        for via in request.vias[1:]
    )
