"""Cutting a TCP/TLS byte stream into SIP messages (RFC 3261 §18.3); pure, no I/O."""

from __future__ import annotations

import re

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.message import DEFAULT_MAX_SIZE


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
