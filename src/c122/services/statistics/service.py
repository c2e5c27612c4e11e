"""The hotline's shifts as the statistics read them: the shift running now, in the hotline's zone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from c122.domain.acd import QueueLogRecord
from c122.domain.acd.kpi import KpiDefinitions
from c122.domain.call_statistics import (
    Breakdown,
    CallFigures,
    Span,
    StatisticsRow,
    period_span,
    state_seconds,
)
from c122.domain.case_tally import CaseArrival, RecentCases
from c122.domain.clock import Clock
from c122.domain.errors import Forbidden, NotFound
from c122.domain.shift_tally import OperatorTally, QueueTally, ShiftTally, WaitState, wait_state, worst
from c122.domain.shifts import Shift, ShiftWindow, current_shift, windows_between
from c122.domain.staffing import IntervalForecast, forecast_day
from c122.domain.users import Actor, Role
from c122.services.access_audit import refusals_audited
from c122.services.cases.events import CASE_CREATED
from c122.services.events import OutboundEvent
from c122.services.ports import UnitOfWorkFactory
from c122.services.statistics.ports import LiveQueue, LiveQueues, StatisticsUnitOfWork

MAX_SHIFTS = 1000  # far above any real timetable; the admin screen pages at 500


@dataclass(frozen=True)
class ShiftNow:
    """The shift running now (None between shifts when the timetable leaves a gap)."""

    time_zone: str
    window: ShiftWindow | None


class ShiftClock:
    def __init__(
        self, uow_factory: UnitOfWorkFactory[StatisticsUnitOfWork], clock: Clock, zone: ZoneInfo
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._zone = zone

    async def shifts(self) -> list[Shift]:
        async with self._uow() as uow:
            return list((await uow.shifts.search("", MAX_SHIFTS, 0)).items)

    async def now(self, actor: Actor) -> ShiftNow:
        """Every signed-in user may read the timetable: it holds nobody's personal data."""
        del actor
        return ShiftNow(time_zone=self._zone.key, window=await self.window())

    async def window(self) -> ShiftWindow | None:
        return current_shift(await self.shifts(), self._clock.now(), self._zone)


@dataclass(frozen=True)
class OperatorShiftFigures:
    window: ShiftWindow | None
    at: float
    tally: OperatorTally
    states_s: dict[str, float]
    service_level_s: float


@dataclass(frozen=True)
class QueueShiftFigures:
    live: LiveQueue | None  # None for the total row
    tally: QueueTally
    service_level: float | None = None
    """By the queue's own T and formula; the total's, each queue's by its own, summed."""
    wait_state: WaitState = "calm"
    """The waiting callers against the queue's own T and W; the total's, the worst queue's."""
    below_target: bool = False
    """The service level is under the queue's own target; the total's: any queue's is."""


@dataclass(frozen=True)
class CenterShiftFigures:
    window: ShiftWindow | None
    definitions: KpiDefinitions
    total: QueueShiftFigures
    queues: list[QueueShiftFigures]


def _key(record: QueueLogRecord) -> tuple[object, ...]:
    return (record.kind, record.call_id, record.operator_id, round(record.at, 3))


class ShiftStatistics:
    """The current shift's figures from a running tally (`domain/shift_tally.py`).

    The tally is built from the stored queue log the first time the shift is read, then the ACD hands
    each batch of records it stores to `take` (wired in bootstrap), so a read costs what the visible
    queues cost, never a re-scan of the shift. Records stored while the log is being read are held
    back and added after it, less the ones the read already returned. A new shift starts a new tally.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[StatisticsUnitOfWork],
        clock: Clock,
        shift_clock: ShiftClock,
        live: LiveQueues,
        definitions: KpiDefinitions,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._shifts = shift_clock
        self._live = live
        self._definitions = definitions
        self._window: ShiftWindow | None = None
        self._tally: ShiftTally | None = None
        self._held: list[QueueLogRecord] | None = None  # while the stored log is being read
        self._lock = asyncio.Lock()

    def take(self, records: Iterable[QueueLogRecord]) -> None:
        if self._held is not None:
            self._held.extend(records)
        elif self._tally is not None:
            self._tally.add_all(records)

    async def _current(self) -> tuple[ShiftWindow | None, ShiftTally | None]:
        async with self._lock:
            window = await self._shifts.window()
            if window != self._window:
                self._window, self._tally = window, None
                if window is not None:
                    self._tally = await self._load(window)
            return self._window, self._tally

    async def _load(self, window: ShiftWindow) -> ShiftTally:
        start, end = window.starts.timestamp(), window.ends.timestamp()
        tally = ShiftTally(start, end, self._definitions, self._live.definitions)
        self._held = []
        try:
            async with self._uow() as uow:
                stored = await uow.acd.queue_log(start, end)
            tally.add_all(stored)
            seen = {_key(r) for r in stored}
            tally.add_all(r for r in self._held if _key(r) not in seen)
        finally:
            self._held = None
        return tally

    async def operator(self, actor: Actor) -> OperatorShiftFigures:
        """The reader's own figures: an operator's statistics are theirs (OPS-27)."""
        window, tally = await self._current()
        now = self._clock.now().timestamp()
        own = tally.operator(str(actor.user_id)) if tally is not None else OperatorTally()
        states = own.states_at(now, tally.end) if tally is not None else {}
        return OperatorShiftFigures(window, now, own, states, self._definitions.service_level_s)

    async def center(self, actor: Actor) -> CenterShiftFigures:
        """The queues the reader sees (their groups'; an administrator's all), each and in total."""
        window, tally = await self._current()
        live = await self._live.live_queues(actor)
        rows = [self._row(q, tally) for q in live]
        ids = [str(q.queue_id) for q in live]
        total = QueueShiftFigures(
            None,
            tally.total(ids) if tally is not None else QueueTally(),
            tally.service_level(ids) if tally is not None else None,
            worst(row.wait_state for row in rows),
            any(row.below_target for row in rows),
        )
        return CenterShiftFigures(window, self._definitions, total, rows)

    def _row(self, queue: LiveQueue, tally: ShiftTally | None) -> QueueShiftFigures:
        own = queue.definitions or self._definitions
        counts = tally.queues.get(str(queue.queue_id), QueueTally()) if tally else QueueTally()
        level = counts.service_level(own.formula)
        return QueueShiftFigures(
            queue,
            counts,
            level,
            wait_state(queue.waiting, queue.longest_wait_s, own.service_level_s, queue.norm_wait_s),
            level is not None and level < own.service_level_target,
        )


@dataclass(frozen=True)
class CallStatisticsReport:
    """TEL-08 figures over a period, optionally one shift's occurrences only, by queue, group,
    service or operator, with the total of the calls the reader may see."""

    time_zone: str
    since: date
    until: date
    shift: Shift | None
    spans: list[Span]
    by: Breakdown
    rows: list[StatisticsRow]
    total: CallFigures


STATISTICS_ENTITY = "call_statistics"


class CallStatistics:
    """Inbound and outbound statistics (TEL-08): an administrator's of every group, a senior's of
    their own groups (SUP-10). An operator, or a senior asking for another group, is refused (403),
    and the refusal is audited; every read is audited too, as it names operators' figures."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory[StatisticsUnitOfWork], clock: Clock, zone: ZoneInfo
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._zone = zone

    async def report(
        self,
        actor: Actor,
        *,
        since: date,
        until: date,
        by: Breakdown,
        shift_id: int | None = None,
        group_id: int | None = None,
    ) -> CallStatisticsReport:
        period = period_span(since, until, self._zone)
        wanted = f"{since}..{until} by {by.value}" + (f" group {group_id}" if group_id else "")
        async with refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity=STATISTICS_ENTITY, entity_id=group_id or ""
        ):
            group_ids = self._scope(actor, group_id)
            async with self._uow() as uow:
                shift = None
                spans = [period]
                if shift_id is not None:
                    shift = await uow.shifts.get(shift_id)
                    if shift is None:
                        raise NotFound(f"shift {shift_id} does not exist")
                    spans = [
                        Span(w.starts, w.ends)
                        for w in windows_between([shift], period.starts, period.ends, self._zone)
                        if w.day >= since and w.day <= until
                    ]
                rows, total = await uow.call_statistics.call_figures(spans, by, group_ids)
                if by is Breakdown.OPERATOR:
                    ids = [r.key for r in rows if r.key is not None]
                    times = state_seconds(await uow.call_statistics.state_intervals(spans, ids), spans)
                    rows = [replace(r, states_s=times.get(r.key, {}) if r.key else None) for r in rows]
                await uow.audit.record(
                    at=self._clock.now(),
                    actor_id=actor.user_id,
                    action="read",
                    entity=STATISTICS_ENTITY,
                    entity_id=str(group_id or ""),
                    detail={"wanted": wanted, "shift_id": shift_id},
                )
                await uow.commit()
        return CallStatisticsReport(self._zone.key, since, until, shift, spans, by, rows, total)

    @staticmethod
    def _scope(actor: Actor, group_id: int | None) -> frozenset[int] | None:
        if actor.is_admin:
            return None if group_id is None else frozenset({group_id})
        if actor.role is not Role.SENIOR:
            raise Forbidden("the call statistics are for seniors and administrators")
        if group_id is None:
            return actor.group_ids
        if not actor.supervises_group(group_id):
            raise Forbidden(f"group {group_id} is not one of yours")
        return frozenset({group_id})


@dataclass(frozen=True)
class CaseTypeCount:
    type_id: int
    name: str
    count: int


class RecentCaseTypes:
    """Cases by type created in the last 24 hours, of the reader's groups (OPS-28, fig. 62).

    The first read loads the last day's cases once; from then on each `case.created` event adds its
    case (`take`, wired to the event bus in bootstrap) and a read slides the window (`RecentCases`).
    Events arriving while the day is being loaded are held and added after it, each case once."""

    def __init__(self, uow_factory: UnitOfWorkFactory[StatisticsUnitOfWork], clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._recent: RecentCases | None = None
        self._held: list[CaseArrival] | None = None
        self._names: dict[int, str] = {}
        self._lock = asyncio.Lock()

    def on_event(self, event: OutboundEvent) -> None:
        """The event bus's `case.created`: the card summary names its id, time, group and type."""
        if event.type != CASE_CREATED:
            return
        case = event.data["case"]
        arrival = CaseArrival(
            int(case["id"]),
            datetime.fromisoformat(case["created_at"]).timestamp(),
            case["group_id"],
            int(case["type_id"]),
        )
        self.take(arrival, str(case.get("type_name") or ""))

    def take(self, arrival: CaseArrival, type_name: str) -> None:
        self._names[arrival.type_id] = type_name
        if self._held is not None:
            self._held.append(arrival)
        elif self._recent is not None:
            self._recent.add(arrival)

    async def counts(self, actor: Actor) -> list[CaseTypeCount]:
        now = self._clock.now()
        async with self._lock:
            if self._recent is None:
                self._held = []
                try:
                    recent = RecentCases()
                    async with self._uow() as uow:
                        for arrival in await uow.call_statistics.cases_since(
                            now - timedelta(seconds=recent.window_s)
                        ):
                            recent.add(arrival)
                        self._names.update(await uow.call_statistics.case_type_names())
                    for arrival in self._held:
                        recent.add(arrival)
                    self._recent = recent
                finally:
                    self._held = None
            self._recent.slide(now.timestamp())
            totals = self._recent.by_type(None if actor.is_admin else actor.group_ids)
        return sorted(
            (CaseTypeCount(type_id, self._names.get(type_id, ""), n) for type_id, n in totals.items()),
            key=lambda c: (-c.count, c.name),
        )


HISTORY_WEEKS = 4
DEFAULT_HANDLE_S = 180.0  # until the queue has completed calls of its own


@dataclass(frozen=True)
class StaffingPlan:
    queue_id: int
    time_zone: str
    day: date
    target: float
    threshold_s: float
    handle_s: float
    patience_s: float | None
    intervals: list[IntervalForecast]


class StaffingPlanner:
    """Operators needed per 30-minute interval of a day, by Erlang C and (when callers gave up in the
    history) by Erlang A, from the same weekday of the weeks before (the mean of HISTORY_WEEKS of them;
    no trend yet)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory[StatisticsUnitOfWork], live: LiveQueues, zone: ZoneInfo
    ) -> None:
        self._uow = uow_factory
        self._live = live
        self._zone = zone

    async def plan(
        self, actor: Actor, queue_id: int, day: date, target: float | None, threshold_s: float | None
    ) -> StaffingPlan:
        """`target` and `threshold_s` default to the queue's own service-level target and T."""
        queue = next((q for q in await self._live.live_queues(actor) if q.queue_id == queue_id), None)
        if queue is None:
            raise NotFound(f"queue {queue_id} does not exist or belongs to another group")
        own = queue.definitions or KpiDefinitions()
        target = own.service_level_target if target is None else target
        threshold_s = own.service_level_s if threshold_s is None else threshold_s
        midnight = datetime.combine(day, time(), self._zone).timestamp()
        history = [
            datetime.combine(day - timedelta(weeks=w), time(), self._zone).timestamp()
            for w in range(1, HISTORY_WEEKS + 1)
        ]
        async with self._uow() as uow:
            records = await uow.acd.queue_log(min(history), max(history) + 86400)
        forecast = forecast_day(
            records,
            str(queue_id),
            midnight,
            history,
            target=target,
            threshold_s=threshold_s,
            default_handle_s=DEFAULT_HANDLE_S,
        )
        return StaffingPlan(
            queue_id,
            self._zone.key,
            day,
            target,
            threshold_s,
            forecast.handle_s,
            forecast.patience_s,
            forecast.intervals,
        )
