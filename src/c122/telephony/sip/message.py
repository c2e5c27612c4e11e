"""SIP message model, parser and serialiser (RFC 3261 §7, §20, §25); pure, no I/O."""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Iterator
from functools import lru_cache

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.uri import NameAddr, SipUri, Via, split_quoted

DEFAULT_MAX_SIZE = 64 * 1024

COMPACT_FORMS = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
    "o": "Event",
    "r": "Refer-To",
    "b": "Referred-By",
    "x": "Session-Expires",
    "u": "Allow-Events",
    "a": "Accept-Contact",
    "j": "Reject-Contact",
    "d": "Request-Disposition",
    "y": "Identity",
    "n": "Identity-Info",
}

_CANONICAL = {
    name.lower(): name
    for name in [
        "Accept",
        "Accept-Encoding",
        "Accept-Language",
        "Alert-Info",
        "Allow",
        "Allow-Events",
        "Authentication-Info",
        "Authorization",
        "Call-ID",
        "Call-Info",
        "Contact",
        "Content-Disposition",
        "Content-Encoding",
        "Content-Language",
        "Content-Length",
        "Content-Type",
        "CSeq",
        "Date",
        "Error-Info",
        "Event",
        "Expires",
        "From",
        "In-Reply-To",
        "Max-Forwards",
        "Min-Expires",
        "Min-SE",
        "MIME-Version",
        "Organization",
        "P-Asserted-Identity",
        "Priority",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "Proxy-Require",
        "RAck",
        "Reason",
        "Record-Route",
        "Refer-To",
        "Referred-By",
        "Replaces",
        "Reply-To",
        "Require",
        "Retry-After",
        "Route",
        "RSeq",
        "Server",
        "Session-Expires",
        "Subject",
        "Subscription-State",
        "Supported",
        "Timestamp",
        "To",
        "Unsupported",
        "User-Agent",
        "Via",
        "Warning",
        "WWW-Authenticate",
    ]
}

# Headers whose grammar allows several comma-separated values in one header line.
_LIST_HEADERS = frozenset(
    [
        "via",
        "route",
        "record-route",
        "contact",
        "allow",
        "supported",
        "require",
        "proxy-require",
        "unsupported",
        "accept",
        "accept-encoding",
        "accept-language",
        "allow-events",
        "content-encoding",
        "in-reply-to",
    ]
)

METHODS = frozenset(
    [
        "INVITE",
        "ACK",
        "BYE",
        "CANCEL",
        "OPTIONS",
        "REGISTER",
        "INFO",
        "UPDATE",
        "PRACK",
        "REFER",
        "NOTIFY",
        "SUBSCRIBE",
        "MESSAGE",
    ]
)

_TOKEN_RE = re.compile(r"^[A-Za-z0-9\-.!%*_+`'~]+$")
_STATUS_LINE_RE = re.compile(r"^SIP/2\.0 ([1-6]\d\d) ?(.*)$")
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")


@lru_cache(maxsize=1024)
def canonical_name(name: str) -> str:
    low = name.lower()
    if len(low) == 1 and low in COMPACT_FORMS:
        return COMPACT_FORMS[low]
    return _CANONICAL.get(low, name)


class Headers:
    """Ordered header list with case-insensitive, compact-form-aware lookup."""

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[str, str]] | None = None) -> None:
        self._items: list[tuple[str, str, str]] = []
        for name, value in items or ():
            self.add(name, value)

    def add(self, name: str, value: str) -> None:
        if _FORBIDDEN_IN_VALUE.search(value) or _FORBIDDEN_IN_VALUE.search(name):
            raise ValueError(f"control character in header {name!r}")
        name = canonical_name(name)
        self._items.append((name.lower(), name, value))

    def add_parsed(self, name: str, value: str) -> None:
        """For the parser, which has already refused control characters."""
        name = canonical_name(name)
        self._items.append((name.lower(), name, value))

    def prepend(self, name: str, value: str) -> None:
        self.add(name, value)
        self._items.insert(0, self._items.pop())

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def remove(self, name: str) -> None:
        key = canonical_name(name).lower()
        self._items = [item for item in self._items if item[0] != key]

    def get(self, name: str) -> str | None:
        key = canonical_name(name).lower()
        for k, _, value in self._items:
            if k == key:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        """Every value, comma-separated lists split apart for list-valued headers."""
        key = canonical_name(name).lower()
        values = [value for k, _, value in self._items if k == key]
        if key not in _LIST_HEADERS:
            return values
        out: list[str] = []
        for value in values:
            out.extend(v.strip() for v in split_quoted(value, ",") if v.strip())
        return out

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((name, value) for _, name, value in self._items)

    def named(self, name: str) -> Iterator[tuple[str, str]]:
        """(name as written, value) of every line of one header, in order, lists not split."""
        key = canonical_name(name).lower()
        return ((canon, value) for k, canon, value in self._items if k == key)

    def copy(self) -> Headers:
        h = Headers()
        h._items = list(self._items)
        return h


class SipMessage(ABC):
    __slots__ = ("_from", "_to", "_vias", "body", "headers")

    def __init__(self, headers: Headers | None = None, body: bytes = b"") -> None:
        self.headers = headers if headers is not None else Headers()
        self.body = body
        self._vias: list[Via] | None = None
        self._from: NameAddr | None = None
        self._to: NameAddr | None = None

    def invalidate(self) -> None:
        """Forget the parsed Via, From and To after their header lines were rewritten."""
        self._vias = None
        self._from = None
        self._to = None

    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        value = self.headers.get("CSeq")
        if value is None:
            raise SipParseError("missing CSeq")
        num, _, method = value.strip().partition(" ")
        if not num.isdigit() or not method.strip() or len(num) > 10:
            raise SipParseError("bad CSeq")
        return int(num), method.strip().upper()

    @property
    def vias(self) -> list[Via]:
        if self._vias is None:
            self._vias = [Via.parse(v) for v in self.headers.get_all("Via")]
        return self._vias

    @property
    def top_via(self) -> Via:
        vias = self.vias
        if not vias:
            raise SipParseError("missing Via")
        return vias[0]

    @property
    def from_(self) -> NameAddr:
        if self._from is None:
            value = self.headers.get("From")
            if value is None:
                raise SipParseError("missing From")
            self._from = NameAddr.parse(value)
        return self._from

    @property
    def to(self) -> NameAddr:
        if self._to is None:
            value = self.headers.get("To")
            if value is None:
                raise SipParseError("missing To")
            self._to = NameAddr.parse(value)
        return self._to

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def header_tokens(self, name: str) -> set[str]:
        return {v.strip().lower() for v in self.headers.get_all(name) if v.strip()}

    @abstractmethod
    def _start_line(self) -> str: ...

    def serialize(self) -> bytes:
        lines = [self._start_line()]
        for name, value in self.headers:
            if name != "Content-Length":
                lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


class SipRequest(SipMessage):
    __slots__ = ("_uri", "method", "uri")

    def __init__(self, method: str, uri: str, headers: Headers | None = None, body: bytes = b"") -> None:
        super().__init__(headers, body)
        self.method = method
        self.uri = uri
        self._uri: SipUri | None = None

    @property
    def request_uri(self) -> SipUri:
        if self._uri is None:
            self._uri = SipUri.parse(self.uri)
        return self._uri

    def _start_line(self) -> str:
        return f"{self.method} {self.uri} SIP/2.0"

    def __repr__(self) -> str:
        return f"<SipRequest {self.method} {self.uri} call-id={self.call_id}>"


class SipResponse(SipMessage):
    __slots__ = ("reason", "status")

    def __init__(self, status: int, reason: str, headers: Headers | None = None, body: bytes = b"") -> None:
        super().__init__(headers, body)
        self.status = status
        self.reason = reason

    def _start_line(self) -> str:
        return f"SIP/2.0 {self.status} {self.reason}"

    def __repr__(self) -> str:
        return f"<SipResponse {self.status} {self.reason} call-id={self.call_id}>"


class MessageParseError(SipParseError):
    """A parse failure that still carries the request's headers, so a 400 can be sent."""

    def __init__(self, reason: str, partial: SipRequest | None, status: int = 400) -> None:
        super().__init__(reason, status)
        self.partial = partial


def parse_message(data: bytes, *, max_size: int = DEFAULT_MAX_SIZE, stream: bool = False) -> SipMessage:
    """Parse one SIP message. On a stream transport Content-Length is mandatory."""
    too_large = len(data) > max_size
    if too_large:
        data = data[:max_size]  # parse the headers only, to be able to answer 513
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
        if not sep:
            raise MessageParseError("no end of headers", None)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise MessageParseError("invalid UTF-8 in headers", None) from None
    lines = text.lstrip("\r\n").split("\n")
    start = lines[0].rstrip("\r")
    headers = _parse_header_lines(lines[1:])
    msg: SipMessage
    if start.startswith("SIP/"):
        m = _STATUS_LINE_RE.match(start)
        if m is None:
            raise MessageParseError("bad status line", None)
        msg = SipResponse(int(m.group(1)), m.group(2), headers)
        partial = None
    else:
        parts = start.split(" ")
        if len(parts) != 3 or parts[2] != "SIP/2.0":
            raise MessageParseError("bad request line", None)
        if not _TOKEN_RE.match(parts[0]):
            raise MessageParseError("bad method", None)
        msg = SipRequest(parts[0], parts[1], headers)
        partial = msg
    if too_large:
        _check_mandatory(msg, partial)
        raise MessageParseError(f"message larger than {max_size} bytes", partial, 513)
    msg.body = _frame_body(headers, body, stream, partial)
    _check_mandatory(msg, partial)
    return msg


def _parse_header_lines(lines: list[str]) -> Headers:
    headers = Headers()
    current: list[str] | None = None
    pending: list[tuple[str, list[str]]] = []
    for raw in lines:
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line:
            continue
        if line[0] in " \t":
            if current is None:
                raise MessageParseError("continuation line without header", None)
            current.append(line.strip())
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name or not _TOKEN_RE.match(name):
            raise MessageParseError(f"malformed header line: {line[:40]!r}", None)
        current = [value.strip()]
        pending.append((name, current))
    for name, parts in pending:
        value = " ".join(p for p in parts if p)
        if "\r" in value or "\x00" in value:
            raise MessageParseError(f"control character in {name}", None)
        headers.add_parsed(name, value)
    return headers


def _frame_body(headers: Headers, body: bytes, stream: bool, partial: SipRequest | None) -> bytes:
    cl = headers.get("Content-Length")
    if cl is None:
        if stream:
            raise MessageParseError("missing Content-Length on a stream transport", partial)
        return body
    cl = cl.strip()
    if not cl.isdigit() or len(cl) > 9:
        raise MessageParseError("bad Content-Length", partial)
    length = int(cl)
    if length > len(body):
        raise MessageParseError("Content-Length larger than the body", partial)
    return body[:length]


def _check_mandatory(msg: SipMessage, partial: SipRequest | None) -> None:
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        if msg.headers.get(name) is None:
            raise MessageParseError(f"missing {name}", partial if name != "Via" else None)
    try:
        msg.top_via  # noqa: B018 - parses the Via so routing cannot fail later
    except SipParseError as exc:
        raise MessageParseError(exc.reason, None) from None
    try:
        _, method = msg.cseq
        msg.from_  # noqa: B018
        msg.to  # noqa: B018
        if isinstance(msg, SipRequest):
            if method != msg.method.upper():
                raise SipParseError("CSeq method does not match the request")
            msg.request_uri  # noqa: B018
            mf = msg.headers.get("Max-Forwards")
            if mf is not None and (not mf.strip().isdigit() or len(mf.strip()) > 3):
                raise SipParseError("bad Max-Forwards")
    except SipParseError as exc:
        raise MessageParseError(exc.reason, partial, exc.status) from None


class StreamFramer:
    """Cuts a TCP/TLS byte stream into messages using Content-Length (RFC 3261 §18.3)."""

    def __init__(self, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self._buf = bytearray()
        self._max = max_size
        self.pings = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Complete messages so far; keep-alive CRLFs are skipped. Raises on unframeable input."""
        self._buf += data
        out: list[bytes] = []
        while True:
            while self._buf[:2] == b"\r\n":
                if self._buf[:4] == b"\r\n\r\n":
                    self.pings += 1  # RFC 5626 §4.4.1 keep-alive ping, answered with one CRLF
                    del self._buf[:4]
                    continue
                del self._buf[:2]
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > self._max:
                    raise SipParseError("header section too large", 513)
                return out
            head = bytes(self._buf[:end])
            m = re.search(rb"(?im)^(?:content-length|l)[ \t]*:[ \t]*(\d{1,9})[ \t]*$", head)
            if m is None:
                raise SipParseError("missing Content-Length on a stream transport")
            total = end + 4 + int(m.group(1))
            if total > self._max:
                raise SipParseError(f"message larger than {self._max} bytes", 513)
            if len(self._buf) < total:
                return out
            out.append(bytes(self._buf[:total]))
            del self._buf[:total]


# reason phrase of the 408 a client transaction makes up when nothing answered (§8.1.3.1)
NO_RESPONSE = "No Response"

REASONS = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    420: "Bad Extension",
    422: "Session Interval Too Small",
    423: "Interval Too Brief",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    489: "Bad Event",
    491: "Request Pending",
    500: "Server Internal Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    513: "Message Too Large",
    603: "Decline",
}


def make_response(
    request: SipRequest, status: int, reason: str | None = None, *, to_tag: str | None = None
) -> SipResponse:
    """A response with the headers RFC 3261 §8.2.6.2 copies from the request."""
    headers = Headers()
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        for canon, value in request.headers.named(name):
            if name == "To" and status > 100 and ";tag=" not in value.lower():
                # §8.2.6.2: every response but 100 carries a To tag
                value = f"{value};tag={to_tag or secrets.token_hex(6)}"
            headers.add(canon, value)
    if 100 < status < 300:
        for value in request.headers.get_all("Record-Route"):
            headers.add("Record-Route", value)
    # reasons come from callers too; never let them inject header lines
    reason = (reason or REASONS.get(status, "Unknown")).replace("\r", " ").replace("\n", " ")
    return SipResponse(status, reason, headers)
