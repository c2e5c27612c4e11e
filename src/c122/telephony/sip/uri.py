"""SIP URIs, name-addr values (From/To/Contact/Route) and Via values (RFC 3261 §19, §20, §25)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.grammar import DISPLAY_WORD_RE, SCHEME_RE, TOKEN, check_generic_params, printable


def split_params(text: str, *, strict: bool = False) -> dict[str, str | None]:
    """`;a=b;c` → {"a": "b", "c": None}; names are lower-cased, quoted values kept whole.

    strict: each piece must be a generic-param (RFC 3261 §25.1), as in Via and name-addr values.
    """
    params: dict[str, str | None] = {}
    parts = split_quoted(text, ";")
    if strict:
        if parts and not parts[0].strip():
            parts = parts[1:]  # the text before the first ";"
        check_generic_params(parts, "header parameters")
    for part in parts:
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        params[name.strip().lower()] = value.strip() if sep else None
    return params


def format_params(params: dict[str, str | None]) -> str:
    return "".join(f";{k}" if v is None else f";{k}={v}" for k, v in params.items())


def split_quoted(text: str, sep: str) -> list[str]:
    """Split on `sep` outside quoted strings and angle brackets (escapes honoured in quotes)."""
    if '"' not in text and "<" not in text:
        return text.split(sep)
    parts: list[str] = []
    start = 0
    in_quote = False
    depth = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if in_quote:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_quote = False
        elif ch == '"':
            in_quote = True
        elif ch == "<":
            depth += 1
        elif ch == ">":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if in_quote:
        raise SipParseError("unterminated quoted string")
    parts.append(text[start:])
    return parts


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1], flags=re.S)
    return text


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_WS_RE = re.compile(r"\s")
_ESCAPED = "%[0-9A-Fa-f]{2}"
_UNRESERVED = r"A-Za-z0-9\-_.!~*'()"
# user = 1*( unreserved / escaped / user-unreserved ), user-unreserved = & = + $ , ; ? /
_USER_RE = re.compile(rf"^(?:[{_UNRESERVED}&=+$,;?/]|{_ESCAPED})+$")
_PASSWORD_RE = re.compile(rf"^(?:[{_UNRESERVED}&=+$,]|{_ESCAPED})*$")
_PARAMCHAR = rf"(?:[{_UNRESERVED}\[\]/:&+$]|{_ESCAPED})+"
_URI_PARAM_RE = re.compile(rf"^{_PARAMCHAR}(?:={_PARAMCHAR})?$")
_HNVCHAR = rf"(?:[{_UNRESERVED}\[\]/?:+$]|{_ESCAPED})"
_URI_HEADER_RE = re.compile(rf"^{_HNVCHAR}+={_HNVCHAR}*$")

_HOST_RE = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-_]+)(?::(\d{1,5}))?$")


def split_hostport(text: str) -> tuple[str, int | None]:
    m = _HOST_RE.match(text.strip())
    if m is None:
        raise SipParseError(f"bad host: {text[:64]!r}")
    port = int(m.group(2)) if m.group(2) else None
    if port is not None and not 0 < port < 65536:
        raise SipParseError(f"bad port: {port}")
    return m.group(1), port


def bare_host(host: str) -> str:
    """IPv6 references lose their brackets for socket use."""
    return host[1:-1] if host.startswith("[") else host


def host_ref(host: str) -> str:
    """IPv6 addresses gain brackets for use in URIs and Via."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@dataclass(frozen=True, slots=True)
class SipUri:
    host: str
    user: str | None = None
    port: int | None = None
    scheme: str = "sip"
    password: str | None = None
    params: dict[str, str | None] = field(default_factory=dict)
    headers: str | None = None

    @classmethod
    def parse(cls, text: str) -> SipUri:
        """SIP-URI / SIPS-URI (RFC 3261 §25.1). Another well-formed scheme raises with 416."""
        text = text.strip()
        scheme, sep, rest = text.partition(":")
        if not sep or not SCHEME_RE.match(scheme) or not rest or _WS_RE.search(rest):
            raise SipParseError(f"bad URI: {text[:64]!r}")
        scheme = scheme.lower()
        if scheme not in ("sip", "sips"):
            raise SipParseError(f"unsupported URI scheme: {scheme[:16]!r}", 416)
        user: str | None = None
        password: str | None = None
        if "@" in rest:  # user and password may hold "?" and ";" but never "@"
            userinfo, _, rest = rest.partition("@")
            user, psep, pw = userinfo.partition(":")
            password = pw if psep else None
            if not _USER_RE.match(user) or (password is not None and not _PASSWORD_RE.match(password)):
                raise SipParseError("bad user part in URI")
        rest, _, headers = rest.partition("?")
        hostport, _, params = rest.partition(";")
        host, port = split_hostport(hostport)
        if params and not all(_URI_PARAM_RE.match(p) for p in params.split(";")):
            raise SipParseError("bad URI parameter")
        if headers and not all(_URI_HEADER_RE.match(h) for h in headers.split("&")):
            raise SipParseError("bad URI header")
        return cls(
            host=host.lower() if not host.startswith("[") else host,
            user=user,
            port=port,
            scheme=scheme,
            password=password,
            params=split_params(params) if params else {},
            headers=headers or None,
        )

    def __str__(self) -> str:
        out = [self.scheme, ":"]
        if self.user is not None:
            out.append(self.user)
            if self.password is not None:
                out.append(":" + self.password)
            out.append("@")
        out.append(host_ref(self.host))
        if self.port is not None:
            out.append(f":{self.port}")
        out.append(format_params(self.params))
        if self.headers:
            out.append("?" + self.headers)
        return "".join(out)

    @property
    def transport(self) -> str:
        t = self.params.get("transport")
        return (t or ("tls" if self.scheme == "sips" else "udp")).lower()

    def with_params(self, **params: str | None) -> SipUri:
        return replace(self, params={**self.params, **params})


@dataclass(frozen=True, slots=True)
class NameAddr:
    """`"Display" <uri>;param=value` as used in From, To, Contact, Route, Record-Route."""

    uri: SipUri
    display: str | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        """name-addr / addr-spec with header parameters (RFC 3261 §20.10, §25.1)."""
        text = text.strip()
        lt = _find_unquoted(text, "<")
        if lt >= 0:
            gt = text.find(">", lt)
            if gt < 0:
                raise SipParseError("missing '>' in address")
            display = _display_name(text[:lt])
            uri = SipUri.parse(_bracketed(text[lt + 1 : gt]))
            params = split_params(text[gt + 1 :], strict=True)
        else:
            # addr-spec without brackets: parameters belong to the header, not the URI, so a
            # URI with ",", "?" or ";" of its own must be in brackets (§20.10)
            uri_text, _, param_text = text.partition(";")
            if "?" in uri_text or "," in uri_text or '"' in uri_text:
                raise SipParseError("URI with '?' or ',' outside '<>'")
            display = None
            uri = SipUri.parse(uri_text)
            params = split_params(param_text, strict=True) if param_text else {}
        return cls(uri=uri, display=display, params=params)

    @property
    def tag(self) -> str | None:
        return self.params.get("tag")

    def with_tag(self, tag: str) -> NameAddr:
        return replace(self, params={**self.params, "tag": tag})

    def __str__(self) -> str:
        display = f"{quote(self.display)} " if self.display else ""
        return f"{display}<{self.uri}>{format_params(self.params)}"


def _display_name(text: str) -> str | None:
    """display-name = *(token LWS) / quoted-string; escaped control characters made printable."""
    text = text.strip()
    if not text:
        return None
    if text[0] == '"':
        if len(text) < 2 or text[-1] != '"' or _find_unquoted(text[1:], '"') >= 0:
            raise SipParseError("bad quoted display name")
        return printable(unquote(text)) or None
    if not all(DISPLAY_WORD_RE.match(word) for word in text.split()):
        raise SipParseError("display name needs quotes")
    return " ".join(text.split())


def _bracketed(text: str) -> str:
    """LAQUOT addr-spec RAQUOT: no white space inside the brackets (RFC 4475 §3.1.2.14)."""
    if text != text.strip():
        raise SipParseError("white space inside '<>'")
    return text


def _find_unquoted(text: str, ch: str) -> int:
    in_quote = False
    i = 0
    while i < len(text):
        c = text[i]
        if in_quote:
            if c == "\\":
                i += 1
            elif c == '"':
                in_quote = False
        elif c == '"':
            in_quote = True
        elif c == ch:
            return i
        i += 1
    return -1


_VIA_RE = re.compile(
    rf"^\s*({TOKEN})\s*/\s*({TOKEN})\s*/\s*({TOKEN})\s+"
    r"(\[[0-9A-Fa-f:.]+\](?:\s*:\s*\d+)?|[^\s;:\[]+(?:\s*:\s*\d+)?)\s*(;.*)?$",
    re.S,
)


@dataclass(frozen=True, slots=True)
class Via:
    transport: str
    host: str
    port: int | None = None
    params: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Via:
        """via-parm: sent-protocol LWS sent-by *( SEMI via-params ); SLASH, COLON and SEMI
        allow white space around them (RFC 3261 §25.1)."""
        m = _VIA_RE.match(text)
        if m is None:
            raise SipParseError(f"bad Via: {text.strip()[:40]!r}")
        name, version, transport, sent_by, params = m.groups()
        if name.upper() != "SIP" or version != "2.0":
            raise SipParseError(f"bad Via protocol: {name[:8]}/{version[:8]}")
        host, port = split_hostport(re.sub(r"\s+", "", sent_by))
        return cls(transport.upper(), host, port, split_params(params, strict=True) if params else {})

    @property
    def branch(self) -> str | None:
        return self.params.get("branch")

    def with_params(self, **params: str | None) -> Via:
        return replace(self, params={**self.params, **params})

    def __str__(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"SIP/2.0/{self.transport} {host_ref(self.host)}{port}{format_params(self.params)}"
