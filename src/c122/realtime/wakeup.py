"""A wake-up call for whoever is waiting now, with an optional deadline.

The hub wakes one writer per connected client for every event; asyncio.Event plus
asyncio.timeout cost several times more per wake-up than a bare future and a timer. The timer
is shared by every wait with the same deadline: a stream's writer waits for its next event many
times before its next heartbeat is due, always with that heartbeat as the deadline, so it arms one
timer per heartbeat rather than one per event (a timer armed and cancelled for each of a
thousand streams on every publish was a third of the fan-out's own cost).
"""

from __future__ import annotations

import asyncio


class Wakeup:
    __slots__ = ("_timers", "_waiters")

    def __init__(self) -> None:
        self._waiters: list[tuple[asyncio.Future[bool], float]] = []
        self._timers: dict[float, asyncio.TimerHandle] = {}

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def fire(self) -> None:
        """Wakes every current waiter; later waiters wait for the next fire."""
        if not self._waiters:
            return
        waiters, self._waiters = self._waiters, []
        for waiter, _deadline in waiters:
            if not waiter.done():
                waiter.set_result(True)

    async def wait(self, deadline: float) -> bool:
        """True when woken, False when the loop clock reached `deadline` first."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[bool] = loop.create_future()
        if deadline not in self._timers:
            self._timers[deadline] = loop.call_at(deadline, self._expire, deadline)
        entry = (waiter, deadline)
        self._waiters.append(entry)
        try:
            return await waiter
        except asyncio.CancelledError:
            if entry in self._waiters:
                self._waiters.remove(entry)
            raise

    def _expire(self, deadline: float) -> None:
        self._timers.pop(deadline, None)
        due = [entry for entry in self._waiters if entry[1] <= deadline]
        if not due:
            return
        self._waiters = [entry for entry in self._waiters if entry[1] > deadline]
        for waiter, _deadline in due:
            if not waiter.done():
                waiter.set_result(False)
