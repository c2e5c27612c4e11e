"""Early 503 at the transport while the UDP receive queue is deep.

Past its capacity a SIP server that parses and answers everything answers late; callers resend
after T1 (500 ms), the resends add load, and completed set-ups collapse. Kamailio and Asterisk
refuse new work early instead. Here a new INVITE (no To tag) that arrives while the socket's
receive queue holds more than `high_bytes` is answered 503 with Retry-After from the raw bytes,
without parsing the whole message and without a transaction; requests of calls in progress are
still served, so the calls already admitted complete. The ACK of such a 503 is dropped unparsed.
"""

from __future__ import annotations

import re
import socket
import struct

from prometheus_client import Counter

SO_MEMINFO = 55  # Linux: SK_MEMINFO_RMEM_ALLOC first, the bytes queued for reading
REFUSED = Counter("c122_sip_overload_refused_total", "New INVITEs refused early with 503 under overload")
# the To tag of every early 503, so that its ACK is recognised without parsing
OVERLOAD_TAG = "c122ovl"

_TO_TAG_RE = re.compile(rb"(?im)^(?:to|t)[ \t]*:[^\r\n]*;[ \t]*tag[ \t]*=")
_ACK_OF_503_RE = re.compile(rb"(?im)^(?:to|t)[ \t]*:[^\r\n]*;[ \t]*tag[ \t]*=[ \t]*" + OVERLOAD_TAG.encode())
_COPIED_RE = re.compile(rb"(?im)^(via|v|from|f|call-id|i|cseq)[ \t]*:[^\r\n]*(?:\r?\n[ \t][^\r\n]*)*")
_TO_RE = re.compile(rb"(?im)^(?:to|t)[ \t]*:([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)")


def queued_bytes(sock: socket.socket) -> int | None:
    """Bytes waiting in the socket's receive queue, or None where the kernel does not say."""
    try:
        return int(struct.unpack_from("I", sock.getsockopt(socket.SOL_SOCKET, SO_MEMINFO, 36))[0])
    except (OSError, struct.error):
        return None


class OverloadGuard:
    """Decides per datagram, before parsing, whether a new INVITE is refused."""

    def __init__(self, sock: socket.socket, high_bytes: int, retry_after: int, server: str) -> None:
        self._sock = sock
        self.high = high_bytes
        self.low = high_bytes // 2  # hysteresis: refuse until the queue is half drained
        self.retry_after = retry_after
        self.server = server
        self.overloaded = False
        self.enabled = high_bytes > 0 and queued_bytes(sock) is not None

    def _check_queue(self) -> bool:
        queued = queued_bytes(self._sock) or 0
        if self.overloaded:
            self.overloaded = queued > self.low
        else:
            self.overloaded = queued > self.high
        return self.overloaded

    def refusal(self, data: bytes) -> bytes | None:
        """The 503 to send instead of handling `data`, if it is a new INVITE met in overload."""
        if not self.enabled or not data.startswith(b"INVITE ") or not self._check_queue():
            return None
        head = data.split(b"\r\n\r\n", 1)[0]
        to = _TO_RE.search(head)
        if to is None or _TO_TAG_RE.search(head):
            return None  # a re-INVITE belongs to a call in progress; a broken one to the parser
        REFUSED.inc()
        lines = [b"SIP/2.0 503 Service Unavailable"]
        lines += [m.group(0) for m in _COPIED_RE.finditer(head)]
        lines.append(b"To:" + to.group(1).rstrip() + b";tag=" + OVERLOAD_TAG.encode())
        lines.append(f"Retry-After: {self.retry_after}".encode())
        lines.append(b"Server: " + self.server.encode())
        lines.append(b"Content-Length: 0")
        return b"\r\n".join(lines) + b"\r\n\r\n"

    @staticmethod
    def is_ack_of_refusal(data: bytes) -> bool:
        return data.startswith(b"ACK ") and _ACK_OF_503_RE.search(data.split(b"\r\n\r\n", 1)[0]) is not None
