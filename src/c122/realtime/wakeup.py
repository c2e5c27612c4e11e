"""A wake-up call for whoever is waiting now, with an optional deadline.

The hub wakes one writer per connected client for every event; asyncio.Event plus
asyncio.timeout cost several times more per wake-up than a bare future and a timer.
"""

from __future__ import annotations

import asyncio


class Wakeup:
    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[bool]] = []

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def fire(self) -> None:
        """Wakes every current waiter; later waiters wait for the next fire."""
        if not self._waiters:
            return
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(True)

    async def wait(self, deadline: float) -> bool:
        """True when woken, False when the loop clock reached `deadline` first."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        timer = loop.call_at(deadline, _expire, waiter)
        self._waiters.append(waiter)
        try:
            woken = await waiter
        except asyncio.CancelledError:
            self._discard(waiter)
            raise
        finally:
            timer.cancel()
        if not woken:
            self._discard(waiter)
        return woken

    def _discard(self, waiter: asyncio.Future[bool]) -> None:
        if waiter in self._waiters:
            self._waiters.remove(waiter)


def _expire(waiter: asyncio.Future[bool]) -> None:
    if not waiter.done():
        waiter.set_result(False)
