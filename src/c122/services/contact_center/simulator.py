"""A simulated call source: stands in for telephony until it joins, so the desktop can be tried with
calls arriving (`c122 demo --simulate`) and the tests can drive the ACD.

It issues the same commands a real call does (enqueue, hang up), and acts for the callers: a caller
hangs up after talking for a while, or gives up waiting after their patience runs out. Its pacing
uses the event loop's time; the ACD itself keeps using the service clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

from c122.domain.acd import (
    CallAbandoned,
    CallCompleted,
    CallConnected,
    CallExited,
    CompletedBy,
    Outcome,
    UnknownCall,
)
from c122.domain.errors import DomainError
from c122.services.contact_center import ContactCenter

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallerBehaviour:
    """How simulated callers act, in seconds; each call draws its own values within the bounds."""

    talk_s: tuple[float, float] = (20.0, 90.0)
    patience_s: tuple[float, float] = (30.0, 240.0)
    priority_share: float = 0.1  # share of callers with priority 1 (e.g. a repeat emergency)


class SimulatedCallSource:
    def __init__(
        self,
        center: ContactCenter,
        *,
        behaviour: CallerBehaviour | None = None,
        rng: random.Random | None = None,
        prefix: str = "sim",
    ) -> None:
        self._center = center
        self._behaviour = behaviour or CallerBehaviour()
        self._rng = rng or random.Random()
        self._ids = itertools.count(1)
        self._prefix = prefix
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.act_for_callers = True
        center.add_listener(self._on_outcome)

    async def place_call(
        self, queue_id: int, *, caller: str | None = None, priority: int | None = None
    ) -> str:
        """One caller joins a queue; returns the call id."""
        call_id = f"{self._prefix}-{next(self._ids)}"
        number = caller or f"+7900{self._rng.randrange(10**7):07d}"
        if priority is None:
            priority = 1 if self._rng.random() < self._behaviour.priority_share else 0
        if self.act_for_callers:
            self._later(call_id, self._draw(self._behaviour.patience_s), CompletedBy.CALLER)
        try:
            await self._center.enqueue(call_id, queue_id, number, priority=priority)
        except BaseException:
            self._cancel(call_id)
            raise
        return call_id

    async def caller_hangs_up(self, call_id: str) -> Outcome:
        self._cancel(call_id)
        return await self._center.hang_up(call_id, CompletedBy.CALLER)

    async def run(
        self, queue_ids: Sequence[int], calls_per_minute: float, *, max_calls: int | None = None
    ) -> None:
        """Places calls into random queues at the given mean rate (Poisson arrivals) until cancelled."""
        placed = 0
        while max_calls is None or placed < max_calls:
            await asyncio.sleep(self._rng.expovariate(calls_per_minute / 60.0))
            try:
                await self.place_call(self._rng.choice(list(queue_ids)))
            except DomainError as exc:
                _log.info("simulated call refused: %s", exc.message)
            placed += 1

    def close(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        for task in self._tasks:
            task.cancel()

    # --- acting for the callers -------------------------------------------------------------------
    def _on_outcome(self, outcome: Outcome) -> None:
        for event in outcome.events:
            call_id = getattr(event, "call_id", None)
            if not isinstance(call_id, str) or not call_id.startswith(f"{self._prefix}-"):
                continue
            if isinstance(event, CallConnected):
                self._cancel(event.call_id)  # patience no longer matters: talk instead
                if self.act_for_callers:
                    self._later(event.call_id, self._draw(self._behaviour.talk_s), CompletedBy.CALLER)
            elif isinstance(event, CallCompleted | CallAbandoned | CallExited):
                self._cancel(event.call_id)

    def _later(self, call_id: str, delay: float, by: CompletedBy) -> None:
        self._cancel(call_id)
        loop = asyncio.get_running_loop()
        self._timers[call_id] = loop.call_later(delay, self._hang_up_soon, call_id, by)

    def _hang_up_soon(self, call_id: str, by: CompletedBy) -> None:
        self._timers.pop(call_id, None)
        task = asyncio.get_running_loop().create_task(self._hang_up(call_id, by))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hang_up(self, call_id: str, by: CompletedBy) -> None:
        # Already gone is fine: removed by a senior, sent to overflow, or ended by the operator.
        with contextlib.suppress(UnknownCall):
            await self._center.hang_up(call_id, by)

    def _cancel(self, call_id: str) -> None:
        handle = self._timers.pop(call_id, None)
        if handle is not None:
            handle.cancel()

    def _draw(self, bounds: tuple[float, float]) -> float:
        return self._rng.uniform(*bounds)
