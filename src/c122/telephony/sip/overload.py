"""Early 503 at the transport while work is waiting too long.

Past its capacity a SIP server that parses and answers everything answers late; callers resend
after T1 (500 ms), the resends add load, and completed set-ups collapse. Kamailio and Asterisk
refuse new work early instead. Here a new INVITE (no To tag, no call in progress under its
Call-ID) is answered 503 with Retry-After from the raw bytes, without parsing the whole message
and without a transaction, while the stack is overloaded.

Overloaded means a queue that stands, not a burst. A burst of set-ups, a pause for garbage
collection or a moment without the CPU on a shared machine fills the socket's receive queue for a
while, and the stack then catches up: every call can still be served. Work arriving faster than
the stack can do it keeps the queue full. So, as CoDel judges a router's queue, a signal means
overload only once it has stayed above its threshold for `standing` seconds (one look at or below
the threshold starts the count again), and overload ends at the first look below half the
threshold (hysteresis: refusing goes on until the backlog has really drained). The signals:
  - the socket's receive queue holds more than `queue_bytes` (datagrams not even read yet),
    looked at for every datagram read and every 10 ms;
  - optionally, the event loop runs more than `max_lag` late (a 10 ms heartbeat).
Requests of calls in progress are still served, so the calls already admitted complete. The
ACK of such a 503 is dropped unparsed.
"""

from __future__ import annotations

import asyncio
import re
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter

from c122.telephony.sip.grammar import call_id_of

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


HEARTBEAT = 0.01  # seconds between two looks at the event loop's lateness
REMEMBER_REFUSED = 32.0  # seconds (64·T1): a resent copy of a refused INVITE is refused again
MAX_REMEMBERED = 100_000


class Standing:
    """One overload signal, judged by how long it stays high rather than by one look at it.

    It turns on once every look for `interval` seconds was above `threshold` (a look at or below
    it starts the count again) and off at the first look below half the threshold. With
    `interval` 0 the first look above the threshold turns it on."""

    def __init__(self, threshold: float, interval: float) -> None:
        self.threshold = threshold
        self.interval = interval
        self.on = False
        self._above_since: float | None = None

    def look(self, now: float, value: float) -> bool:
        if self.on:
            if value < self.threshold / 2:
                self.on = False
                self._above_since = None
            return self.on
        if value <= self.threshold:
            self._above_since = None
            return False
        if self._above_since is None:
            self._above_since = now
        self.on = now - self._above_since >= self.interval
        return self.on


@dataclass(frozen=True, slots=True)
class OverloadSettings:
    queue_bytes: int = 256 * 1024  # receive queue past which new INVITEs are refused; 0: not looked at
    max_lag: float = 0.0  # seconds the event loop may run late; 0: not looked at
    retry_after: int = 10
    server: str = "C122"
    known_call: Callable[[str], bool] | None = None  # Call-IDs of calls in progress
    standing: float = 0.1  # seconds a signal must stay above its threshold to mean overload


class OverloadGuard:
    """Decides per datagram, before parsing, whether a new INVITE is refused (see the module)."""

    def __init__(
        self, sock: socket.socket, settings: OverloadSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._sock = sock
        self._clock = clock
        self.retry_after = settings.retry_after
        self.server = settings.server
        self.known_call = settings.known_call
        self.overloaded = False
        readable = settings.queue_bytes > 0 and queued_bytes(sock) is not None
        self._queue = Standing(settings.queue_bytes, settings.standing) if readable else None
        self._late = Standing(settings.max_lag, settings.standing) if settings.max_lag > 0 else None
        self.enabled = self._queue is not None or self._late is not None
        self._lag = 0.0
        self._due = 0.0
        self._timer: asyncio.TimerHandle | None = None
        # Call-ID → when refused. Without it a resent copy arriving once the load has eased
        # would be admitted and answered 200 after the caller took the 503 and left.
        self._refused: dict[str, float] = {}

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._due = time.monotonic() + HEARTBEAT
        self._timer = loop.call_later(HEARTBEAT, self._beat, loop)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _beat(self, loop: asyncio.AbstractEventLoop) -> None:
        now = time.monotonic()
        self._lag = max(0.0, now - self._due)
        self._due = now + HEARTBEAT
        self._timer = loop.call_later(HEARTBEAT, self._beat, loop)
        self._check()

    def lag(self) -> float:
        """How late the loop runs: the last heartbeat's delay, or how overdue the next one is."""
        return max(self._lag, time.monotonic() - self._due) if self._timer is not None else 0.0

    def _check(self) -> bool:
        """Looks at every signal once; overloaded while any of them is on."""
        now = self._clock()
        on = False
        if self._queue is not None:
            on = self._queue.look(now, queued_bytes(self._sock) or 0)
        if self._late is not None:
            on = self._late.look(now, self.lag()) or on
        self.overloaded = on
        return on

    def refusal(self, data: bytes) -> bytes | None:
        """The 503 to send instead of handling `data`, if it is a new INVITE met in overload
        or a resent copy of one refused before. Called for every datagram read: each is a look
        at the signals."""
        if not self.enabled:
            return None
        overloaded = self._check()
        if not data.startswith(b"INVITE "):
            return None
        head = data.split(b"\r\n\r\n", 1)[0]
        call_id = call_id_of(head)
        if call_id is None or not (overloaded or self._was_refused(call_id)):
            return None
        to = _TO_RE.search(head)
        if to is None or _TO_TAG_RE.search(head):
            return None  # a re-INVITE belongs to a call in progress; a broken one to the parser
        if self.known_call is not None and self.known_call(call_id):
            return None  # a resent INVITE of a call being set up: its transaction answers
        self._remember(call_id)
        REFUSED.inc()
        lines = [b"SIP/2.0 503 Service Unavailable"]
        lines += [m.group(0) for m in _COPIED_RE.finditer(head)]
        lines.append(b"To:" + to.group(1).rstrip() + b";tag=" + OVERLOAD_TAG.encode())
        lines.append(f"Retry-After: {self.retry_after}".encode())
        lines.append(b"Server: " + self.server.encode())
        lines.append(b"Content-Length: 0")
        return b"\r\n".join(lines) + b"\r\n\r\n"

    def _was_refused(self, call_id: str) -> bool:
        at = self._refused.get(call_id)
        return at is not None and time.monotonic() - at < REMEMBER_REFUSED

    def _remember(self, call_id: str) -> None:
        now = time.monotonic()
        self._refused.pop(call_id, None)
        self._refused[call_id] = now
        while self._refused:  # oldest first: drop what has expired, and past the bound
            oldest, at = next(iter(self._refused.items()))
            if now - at < REMEMBER_REFUSED and len(self._refused) <= MAX_REMEMBERED:
                break
            del self._refused[oldest]

    @staticmethod
    def is_ack_of_refusal(data: bytes) -> bool:
        return data.startswith(b"ACK ") and _ACK_OF_503_RE.search(data.split(b"\r\n\r\n", 1)[0]) is not None
