"""Lexical rules of RFC 3261 §25.1 shared by the message, URI and header parsers; pure."""

from __future__ import annotations

import re

from c122.telephony.sip.errors import SipParseError

# token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
TOKEN = r"[A-Za-z0-9\-.!%*_+`'~]+"
TOKEN_RE = re.compile(rf"^{TOKEN}$")
# scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*$")
# gen-value = token / host / quoted-string; via-received also takes a bare IPv6address
_GEN_VALUE_RE = re.compile(rf'^(?:{TOKEN}|\[?[0-9A-Fa-f:.]+\]?|"(?:[^"\\]|\\.)*")$', re.S)
# a word of an unquoted display name: a token, leniently also non-ASCII letters (phones that
# forget to quote a Cyrillic name); ASCII separators such as "," still need quotes
DISPLAY_WORD_RE = re.compile(r"^(?:[A-Za-z0-9\-.!%*_+`'~]|[^\x00-\x7f])+$")
# CTL except HTAB, which LWS allows
_CTL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_LWS_RE = re.compile(r"[ \t]+")


def stray_control(value: str) -> bool:
    """A control character anywhere but as the escaped half of a quoted-pair.

    quoted-pair = "\\" (%x00-09 / %x0B-0C / %x0E-7F) is the only place a header value may
    carry one, e.g. `"BEL:\\<07>"` in a display name (RFC 4475 §3.1.1.2).
    """
    if not _CTL_RE.search(value):
        return False
    in_quote = False
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if in_quote and ch == "\\":
            if i + 1 >= n or value[i + 1] in "\r\n":
                return True
            i += 2
            continue
        if ch == '"':
            in_quote = not in_quote
        elif _CTL_RE.match(ch):
            return True
        i += 1
    return False


def collapse_lws(text: str) -> str:
    return _LWS_RE.sub(" ", text).strip()


def check_generic_params(params: list[str], where: str) -> None:
    """`;name[=gen-value]` pieces after the split: an empty name or a stray character is a 400."""
    for part in params:
        name, sep, value = part.partition("=")
        if not TOKEN_RE.match(name.strip()) or (sep and not _GEN_VALUE_RE.match(value.strip())):
            raise SipParseError(f"bad parameter in {where}: {part.strip()[:32]!r}")


def printable(text: str) -> str:
    """Control characters a quoted-pair let through, made harmless for logs, screens and records."""
    return _CTL_RE.sub("\ufffd", text.replace("\t", " "))


_RAW_CALL_ID_RE = re.compile(rb"(?im)^(?:call-id|i)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$")


def call_id_of(data: bytes) -> str | None:
    """The Call-ID of a raw message, read without parsing the rest (gates before the parser)."""
    end = data.find(b"\r\n\r\n")
    m = _RAW_CALL_ID_RE.search(data, 0, end if end >= 0 else len(data))
    return m.group(1).decode("utf-8", "replace") if m else None
