"""Reliable provisional responses (RFC 3262), answering side: RSeq, retransmission, PRACK."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from c122.domain.clock import TimerHandle
from c122.domain.clock import Timers as Clock
from c122.telephony.sip.message import SipRequest, SipResponse
from c122.telephony.sip.timers import TimerSettings


def wants_100rel(request: SipRequest) -> bool:
    return "100rel" in request.header_tokens("Require") | request.header_tokens("Supported")


def parse_rack(value: str) -> tuple[int, int, str] | None:
    parts = value.split()
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return int(parts[0]), int(parts[1]), parts[2].upper()


class ReliableProvisionals:
    """One unacknowledged reliable provisional at a time (§3); retransmitted at T1, doubling,
    until PRACK; after 64·T1 without PRACK the INVITE must be rejected (`on_give_up`)."""

    def __init__(
        self,
        clock: Clock,
        timers: TimerSettings,
        send: Callable[[SipResponse], None],
        on_give_up: Callable[[], None],
    ) -> None:
        self.clock = clock
        self.timers = timers
        self._send = send
        self._on_give_up = on_give_up
        self._rseq = random.randint(1, 2**20)
        self._pending: tuple[int, SipResponse] | None = None
        self._acked = asyncio.Event()
        self._acked.set()
        self._retransmit: TimerHandle | None = None
        self._deadline: TimerHandle | None = None

    async def send(self, response: SipResponse, invite_cseq: int) -> None:
        """Send reliably; returns once PRACKed (or raises TimeoutError after 64·T1)."""
        await asyncio.wait_for(self._acked.wait(), self.timers.b)
        self._rseq += 1
        response.headers.add("Require", "100rel")
        response.headers.add("RSeq", str(self._rseq))
        self._pending = (self._rseq, response)
        self._acked = asyncio.Event()
        self._send(response)
        self._schedule(self.timers.t1)
        self._deadline = self.clock.call_later(self.timers.b, self._give_up)
        await asyncio.wait_for(self._acked.wait(), self.timers.b + 1)

    def _schedule(self, delay: float) -> None:
        def fire() -> None:
            if self._pending is not None:
                self._send(self._pending[1])
                self._schedule(delay * 2)

        self._retransmit = self.clock.call_later(delay, fire)

    def _give_up(self) -> None:
        if self._pending is not None:
            self.stop()
            self._on_give_up()

    def prack(self, rack: tuple[int, int, str], invite_cseq: int) -> bool:
        """True when the PRACK acknowledges the outstanding provisional (§3: RAck must match)."""
        if self._pending is None or rack != (self._pending[0], invite_cseq, "INVITE"):
            return False
        self.stop()
        self._acked.set()
        return True

    def stop(self) -> None:
        self._pending = None
        for handle in (self._retransmit, self._deadline):
            if handle is not None:
                handle.cancel()
        self._retransmit = self._deadline = None
