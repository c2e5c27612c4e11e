"""The routing rules as the call path reads them: held in memory, not read from the database per call.

At 100 calls a second, reading a line's rules, the calendar and the number lists for every call (twice:
on arrival and after the menu) queued the calls behind the database. They change only when an
administrator changes them, so one read holds them all: every rule, every number list and the
calendar's days around today. A change made here drops the held copy at once (`drop`); a change made on
another node of the hotline is read within `ttl_s`. While the database is down, the copy held last
stands in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from c122.domain.errors import DatabaseUnavailable
from c122.domain.routing import DayMark, Rule
from c122.services.ports import UnitOfWorkFactory
from c122.services.routing.ports import RoutingUnitOfWork

CALENDAR_DAYS_HELD = 2  # days either side of today: a call started just before midnight still finds its day


@dataclass(frozen=True)
class RoutingSnapshot:
    """Every line's rules in order, each list's numbers, and the calendar's marks from `first` to `last`."""

    rules: Mapping[int, tuple[Rule, ...]]
    lists: Mapping[int, frozenset[str]]
    first: date
    last: date
    marks: Mapping[date, DayMark]

    def rules_of(self, line_id: int) -> tuple[Rule, ...]:
        return self.rules.get(line_id, ())

    def lists_holding(self, number: str) -> frozenset[int]:
        return frozenset(list_id for list_id, numbers in self.lists.items() if number in numbers)

    def holds_day(self, day: date) -> bool:
        return self.first <= day <= self.last


class HeldRouting:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[RoutingUnitOfWork],
        today: Callable[[], date],
        *,
        ttl_s: float = 5.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow_factory
        self._today = today
        self._ttl_s = ttl_s
        self._now = now
        self._held: RoutingSnapshot | None = None
        self._read_at = float("-inf")
        self._reading = asyncio.Lock()  # a burst of calls waits for one read, not one read each
        self._generation = 0  # bumped by every change: a read begun before it is not held as fresh

    async def snapshot(self) -> RoutingSnapshot:
        """The rules as held; read afresh when dropped, older than `ttl_s` or not holding today.
        DatabaseUnavailable only when nothing was ever read."""
        if self._fresh():
            assert self._held is not None
            return self._held
        async with self._reading:
            if self._fresh():
                assert self._held is not None
                return self._held
            generation = self._generation
            try:
                snapshot = await self._read()
            except DatabaseUnavailable:
                if self._held is None:
                    raise
                return self._held
            self._held = snapshot
            self._read_at = self._now() if generation == self._generation else float("-inf")
            return snapshot

    def drop(self) -> None:
        """Rules, lists or the calendar changed: the next call reads them afresh (the copy held until
        then stays as the outage fallback)."""
        self._generation += 1
        self._read_at = float("-inf")

    def _fresh(self) -> bool:
        held = self._held
        return (
            held is not None and self._now() - self._read_at < self._ttl_s and held.holds_day(self._today())
        )

    async def _read(self) -> RoutingSnapshot:
        today = self._today()
        first, last = today - timedelta(days=CALENDAR_DAYS_HELD), today + timedelta(days=CALENDAR_DAYS_HELD)
        async with self._uow() as uow:
            rules = await uow.routing.rules()
            lists = await uow.routing.lists()
            marks = await uow.routing.calendar(first, last)
        by_line: dict[int, list[Rule]] = {}
        for rule in rules:
            by_line.setdefault(rule.draft.line_id, []).append(rule)
        return RoutingSnapshot(
            rules={line_id: tuple(each) for line_id, each in by_line.items()},
            lists={each.id: frozenset(each.draft.numbers) for each in lists},
            first=first,
            last=last,
            marks=marks,
        )
