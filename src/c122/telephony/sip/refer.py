"""REFER (RFC 3515) and Replaces (RFC 3891): the values transfers carry."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.uri import NameAddr, SipUri, split_params

SIPFRAG = "message/sipfrag;version=2.0"


@dataclass(frozen=True, slots=True)
class Replaces:
    """Identifies a dialog at the UA that receives it: to-tag is its local tag."""

    call_id: str
    to_tag: str
    from_tag: str
    early_only: bool = False

    @classmethod
    def parse(cls, value: str) -> Replaces:
        call_id, _, rest = value.strip().partition(";")
        params = split_params(rest)
        to_tag, from_tag = params.get("to-tag"), params.get("from-tag")
        if not call_id or not to_tag or not from_tag:
            raise SipParseError("Replaces needs a Call-ID, to-tag and from-tag")
        return cls(call_id.strip(), to_tag, from_tag, "early-only" in params)

    def __str__(self) -> str:
        early = ";early-only" if self.early_only else ""
        return f"{self.call_id};to-tag={self.to_tag};from-tag={self.from_tag}{early}"


@dataclass(frozen=True, slots=True)
class ReferTo:
    target: SipUri  # without the embedded headers
    replaces: Replaces | None

    @classmethod
    def parse(cls, value: str) -> ReferTo:
        addr = NameAddr.parse(value)
        replaces = None
        for part in (addr.uri.headers or "").split("&"):
            name, _, raw = part.partition("=")
            if name.lower() == "replaces":
                replaces = Replaces.parse(unquote(raw))
        target = SipUri(
            host=addr.uri.host,
            user=addr.uri.user,
            port=addr.uri.port,
            scheme=addr.uri.scheme,
            params=addr.uri.params,
        )
        return cls(target, replaces)

    def __str__(self) -> str:
        if self.replaces is None:
            return f"<{self.target}>"
        return f"<{self.target}?Replaces={quote(str(self.replaces), safe='')}>"


def sipfrag(status: int, reason: str) -> bytes:
    return f"SIP/2.0 {status} {reason}\r\n".encode()


def parse_sipfrag(body: bytes) -> int | None:
    """Status code of a `message/sipfrag` NOTIFY body."""
    line = body.split(b"\r\n", 1)[0].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    parts = line.split(" ", 2)
    if len(parts) >= 2 and parts[0] == "SIP/2.0" and parts[1].isdigit() and len(parts[1]) == 3:
        return int(parts[1])
    return None
