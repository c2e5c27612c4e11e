"""SIP message model, parser and serialiser (RFC 3261 §7, §20, §25); pure, no I/O."""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from functools import lru_cache

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.grammar import TOKEN, TOKEN_RE, stray_control
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

_STATUS_LINE_RE = re.compile(r"^SIP/2\.0 ([1-6]\d\d)(?: (.*))?$")
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")


@lru_cache(maxsize=1024)
def canonical_name(name: str) -> str:
    low = name.lower()
    if len(low) == 1 and low in COMPACT_FORMS:
        return COMPACT_FORMS[low]
    return _CANONICAL.get(low, name)


@lru_cache(maxsize=1024)
def _name_and_key(name: str) -> tuple[str, str]:
    """(canonical name, lookup key): every header line and every lookup goes through this, so
    it is worked out once per spelling rather than once per call."""
    canon = canonical_name(name)
    return canon, canon.lower()


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
        canon, key = _name_and_key(name)
        self._items.append((key, canon, value))

    def add_parsed(self, name: str, value: str) -> None:
        """For the parser, which has already refused control characters."""
        canon, key = _name_and_key(name)
        self._items.append((key, canon, value))

    def prepend(self, name: str, value: str) -> None:
        self.add(name, value)
        self._items.insert(0, self._items.pop())

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def remove(self, name: str) -> None:
        key = _name_and_key(name)[1]
        self._items = [item for item in self._items if item[0] != key]

    def get(self, name: str) -> str | None:
        key = _name_and_key(name)[1]
        for k, _, value in self._items:
            if k == key:
                return value
        return None

    def get_all(self, name: str) -> list[str]:
        """Every value, comma-separated lists split apart for list-valued headers."""
        key = _name_and_key(name)[1]
        values = [value for k, _, value in self._items if k == key]
        if key not in _LIST_HEADERS:
            return values
        out: list[str] = []
        for value in values:
            out.extend(v.strip() for v in split_quoted(value, ",") if v.strip())
        return out

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def keys(self) -> list[str]:
        """The lookup key (canonical, lower case) of every line, in order."""
        return [k for k, _, _ in self._items]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((name, value) for _, name, value in self._items)

    def named(self, name: str) -> Iterator[tuple[str, str]]:
        """(name as written, value) of every line of one header, in order, lists not split."""
        key = _name_and_key(name)[1]
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

    def replace_top_via(self, via: Via) -> None:
        """Rewrites the top Via (received= and rport= stamping) keeping the parsed lower Vias, From
        and To: parsing them again was a good part of the cost of every request received."""
        vias = self.vias
        if not vias:
            raise SipParseError("missing Via")
        values = self.headers.get_all("Via")
        self.headers.remove("Via")
        self.headers.add("Via", str(via))
        for value in values[1:]:
            self.headers.add("Via", value)
        self._vias = [via, *vias[1:]]

    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        value = self.headers.get("CSeq")
        if value is None:
            raise SipParseError("missing CSeq")
        m = _CSEQ_RE.match(value.strip())
        if m is None or int(m.group(1)) > MAX_CSEQ:
            raise SipParseError("bad CSeq")
        return int(m.group(1)), m.group(2).upper()

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


# Headers that may appear once only: a second one, even with the same value, is a 400
# (RFC 3261 §7.3.1; RFC 4475 §3.3.8, §3.3.9).
_SINGLE_VALUED = ("Call-ID", "From", "To", "CSeq", "Max-Forwards", "Content-Length", "Content-Type")
_VERSION_RE = re.compile(r"^SIP/\d+\.\d+$", re.I)
_CSEQ_RE = re.compile(r"^(\d{1,10})[ \t]+(" + TOKEN + r")$")
MAX_CSEQ = 2**31 - 1  # §8.1.1.5
MAX_FORWARDS = 255  # §20.22


def parse_message(data: bytes, *, max_size: int = DEFAULT_MAX_SIZE, stream: bool = False) -> SipMessage:
    """Parse one SIP message. On a stream transport Content-Length is mandatory.

    A request that breaks the grammar raises with a `partial` request whenever its headers
    allow an answer (a Via, a CSeq that is not ACK), so the sender gets a 400 and not silence.
    """
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
    headers, problem = _parse_header_lines(lines[1:])
    msg: SipMessage
    partial: SipRequest | None = None
    if start.startswith("SIP/"):
        m = _STATUS_LINE_RE.match(start)
        if m is None or problem is not None:
            raise MessageParseError(problem[0] if problem else "bad status line", None)
        msg = SipResponse(int(m.group(1)), m.group(2) or "", headers)
    else:
        msg, start_problem = _request(start, headers)
        partial = _answerable(msg)
        problem = problem or start_problem
    if problem is not None:
        raise MessageParseError(problem[0], partial, problem[1])
    if too_large:
        _check_mandatory(msg, partial)
        raise MessageParseError(f"message larger than {max_size} bytes", partial, 513)
    msg.body = _frame_body(headers, body, stream, partial)
    _check_mandatory(msg, partial)
    return msg


Problem = tuple[str, int]  # reason, status


def _request(start: str, headers: Headers) -> tuple[SipRequest, Problem | None]:
    """Request-Line = Method SP Request-URI SP SIP-Version, single spaces, no trailing ones."""
    parts = start.split(" ")
    if len(parts) != 3 or not all(parts):
        return _unreadable(parts[0], headers), ("bad request line", 400)
    method, uri, version = parts
    if not TOKEN_RE.match(method):
        return _unreadable(method, headers), ("bad method", 400)
    request = SipRequest(method, uri, headers)
    if version.upper() != "SIP/2.0":
        if _VERSION_RE.match(version):
            return request, ("Version Not Supported", 505)
        return request, ("bad SIP version", 400)
    return request, None


def _unreadable(first: str, headers: Headers) -> SipRequest:
    """A request whose start line is broken, named by its CSeq method so it can be answered."""
    cseq = _CSEQ_RE.match(headers.get("CSeq") or "")
    method = cseq.group(2) if cseq else first
    return SipRequest(method if TOKEN_RE.match(method) else "UNKNOWN", "sip:invalid", headers)


def _answerable(request: SipRequest) -> SipRequest | None:
    """ACKs are never answered; without a Via there is nowhere a response could say it went."""
    if request.method == "ACK" or request.headers.get("Via") is None:
        return None
    cseq = _CSEQ_RE.match(request.headers.get("CSeq") or "")
    return None if cseq is not None and cseq.group(2) == "ACK" else request


def _parse_header_lines(lines: list[str]) -> tuple[Headers, Problem | None]:
    """message-header = field-name HCOLON field-value CRLF, folded lines joined by one space.

    Every line is read even after a bad one, so the answer can still copy Via, From, To,
    Call-ID and CSeq."""
    headers = Headers()
    problem: Problem | None = None
    current: list[str] | None = None
    pending: list[tuple[str, list[str]]] = []
    for raw in lines:
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line:
            continue
        if line[0] in " \t":
            if current is None:
                problem = problem or ("continuation line without header", 400)
                continue
            current.append(line.strip(" \t"))
            continue
        name, sep, value = line.partition(":")
        name = name.rstrip(" \t")
        if not sep or not TOKEN_RE.match(name):
            problem = problem or (f"malformed header line: {line[:40]!r}", 400)
            current = None
            continue
        current = [value.strip(" \t")]
        pending.append((name, current))
    for name, parts in pending:
        value = " ".join(p for p in parts if p)
        if stray_control(value):
            problem = problem or (f"control character in {name}", 400)
            continue
        headers.add_parsed(name, value)
    return headers, problem


def _frame_body(headers: Headers, body: bytes, stream: bool, partial: SipRequest | None) -> bytes:
    lengths = {v.strip() for v in headers.get_all("Content-Length")}
    if not lengths:
        if stream:
            raise MessageParseError("missing Content-Length on a stream transport", partial)
        return body
    if len(lengths) > 1:
        raise MessageParseError("conflicting Content-Length values", partial)
    (cl,) = lengths
    if not cl.isdigit() or len(cl) > 9:
        raise MessageParseError("bad Content-Length", partial)
    length = int(cl)
    if length > len(body):
        raise MessageParseError("Content-Length larger than the body", partial)
    return body[:length]


def _check_mandatory(msg: SipMessage, partial: SipRequest | None) -> None:
    present = Counter(msg.headers.keys())  # one pass over the lines, not one per header named
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        if not present[name.lower()]:
            raise MessageParseError(f"missing {name}", partial if name != "Via" else None)
    for name in _SINGLE_VALUED:
        if present[name.lower()] > 1:
            raise MessageParseError(f"more than one {name}", partial)
    try:
        msg.top_via  # noqa: B018 - parses the Via so routing cannot fail later
        _, method = msg.cseq
        try:
            msg.from_  # noqa: B018
            msg.to  # noqa: B018
        except SipParseError as exc:  # only the Request-URI's scheme earns a 416
            raise SipParseError(f"From/To: {exc.reason}") from None
        if isinstance(msg, SipRequest):
            _check_request_line(msg, method)
        if msg.body and msg.headers.get("Content-Type") is None:
            raise SipParseError("body without Content-Type")  # §7.4.1
    except SipParseError as exc:
        raise MessageParseError(exc.reason, partial, exc.status) from None


def _check_request_line(msg: SipRequest, cseq_method: str) -> None:
    if cseq_method != msg.method.upper():
        raise SipParseError("CSeq method does not match the request")
    if msg.request_uri.headers:
        raise SipParseError("headers in the Request-URI")  # §19.1.1
    mf = (msg.headers.get("Max-Forwards") or "0").strip()
    if not mf.isdigit() or len(mf) > 5 or int(mf) > MAX_FORWARDS:
        raise SipParseError("bad Max-Forwards")


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
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
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
    505: "Version Not Supported",
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
            headers.add_parsed(canon, value)  # already checked when parsed or built
    if 100 < status < 300:
        for value in request.headers.get_all("Record-Route"):
            headers.add("Record-Route", value)
    # reasons come from callers too; never let them inject header lines
    reason = (reason or REASONS.get(status, "Unknown")).replace("\r", " ").replace("\n", " ")
    return SipResponse(status, reason, headers)
