"""The calls summed per 15-minute interval (call_intervals) on SQLite and PostgreSQL: kept by the call
record writer through saves that change a call (active → answered, another queue, a wrap-up set later)
equal to the sums rebuilt from the records, and every report they cover gives the same figures from
them as from the records; a report they do not cover reads the records."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from c122.domain.calls.record import CallRecord
from c122.domain.reports import FigureFilter, ReportDefinition
from c122.domain.shifts import Shift
from c122.persistence import call_rollup
from c122.persistence.calls import SqlCallRecordRepository
from c122.persistence.database import create_engine
from c122.persistence.reports import ReportCompiler, SqlReportRepository
from c122.persistence.tables.calls import call_intervals
from c122.services.reports.ports import ReportScope

MOSCOW = ZoneInfo("Europe/Moscow")
SHIFTS = [Shift(1, "Дневная смена", "08:00", "20:00"), Shift(2, "Ночная смена", "20:00", "08:00")]
FIRST = date(2026, 9, 9)
# Waits on both sides of the thresholds T = 20 s and S = 5 s; halves are exact in binary, so the sums
# of either path are exact too.
WAITS = (0.0, 4.5, 5.0, 12.0, 20.0, 20.5, 47.5)


def _calls(count: int) -> list[CallRecord]:
    chance = random.Random(19)
    calls = []
    for n in range(count):
        at = datetime(2026, 9, 8, 21, tzinfo=UTC) + timedelta(minutes=chance.randrange(3 * 24 * 60))
        direction = chance.choice(("inbound", "inbound", "inbound", "outbound", "internal"))
        queued = direction == "inbound" and chance.random() < 0.9
        status = chance.choice(("answered", "answered", "missed", "failed"))
        answered = status == "answered"
        calls.append(
            CallRecord(
                id=f"r{n:03d}",
                direction=direction,  # type: ignore[arg-type]
                status=status,  # type: ignore[arg-type]
                caller=f"+7916000{n:04d}",
                called="122",
                started_at=at,
                queue_id=chance.choice((1, 2, 3)) if queued else None,
                group_id=chance.choice((1, 2, None)),
                operator_id=chance.choice((11, 12)) if answered else None,
                queued_at=at if queued else None,
                ended_at=at + timedelta(minutes=3),
                wait_s=chance.choice(WAITS),
                talk_s=float(chance.randrange(0, 600)) if answered else 0.0,
                hold_s=float(chance.randrange(0, 60)) if answered else 0.0,
            )
        )
    return calls


async def _intervals(db: Any) -> list[tuple[Any, ...]]:
    rows = await db.execute(select(call_intervals).order_by(*[call_intervals.c[k] for k in call_rollup.KEY]))
    return [tuple(row) for row in rows]


def _report(dimensions: tuple[str, ...], measures: tuple[str, ...], **more: Any) -> ReportDefinition:
    period = {"date_from": FIRST, "date_to": FIRST + timedelta(days=2)}
    return ReportDefinition(dataset="calls", dimensions=dimensions, measures=measures, **{**period, **more})


COVERED = {
    "total": _report((), ("calls", "offered", "answered")),
    "day_x_queue": _report(
        ("day", "queue"),
        ("answered", "service_level", "abandon_rate", "short_abandons", "answered_within_t"),
    ),
    "day_x_group_averages": _report(
        ("day", "group"), ("wait_avg", "talk_avg", "hold_avg", "wrap_up_avg", "handle_avg", "outbound")
    ),
    "hour": _report(("hour",), ("offered", "service_level")),
    "weekday_x_hour_of_one_queue": _report(
        ("weekday", "hour"), ("offered", "abandoned"), selections={"queue": (2,)}
    ),
    "shift_x_group_at_night_window": _report(
        ("shift", "group"), ("calls", "service_level"), time_from="20:00", time_to="08:15"
    ),
    "week_x_month_busy_only": _report(
        ("week", "month", "queue"),
        ("offered",),
        weekdays=(2, 3),
        having=(FigureFilter("offered", "ge", 3),),
    ),
    "one_day": _report(
        ("group",), ("answered",), date_from=FIRST + timedelta(days=1), date_to=FIRST + timedelta(days=1)
    ),
}


async def test_interval_sums_follow_the_records_and_give_the_records_figures(database_url: str) -> None:
    engine = create_engine(database_url)
    calls = _calls(160)
    try:
        async with engine.begin() as db:
            writer = SqlCallRecordRepository(db)
            for record in calls:
                # Written as the call flow does: first while it runs, then again when it ends.
                await writer.save(replace(record, status="active", queue_id=None, queued_at=None), MOSCOW)
                await writer.save(record, MOSCOW)
            for record in calls[::7]:  # moved to another queue and group after the fact
                await writer.save(replace(record, queue_id=3, group_id=2), MOSCOW)
            # the operators' wrap-ups, stored when they end (several at once, one of a call twice)
            await writer.set_wrap_ups([(record.id, 12.5) for record in calls[::5]])
            await writer.set_wrap_ups([(calls[0].id, 3.0), ("no-such-call", 4.0), (calls[0].id, 12.5)])
            for record in calls[::10]:  # written again without a wrap-up: the stored one stays
                await writer.save(replace(record, wrap_up_s=0.0, talk_s=record.talk_s + 1), MOSCOW)
            kept = await _intervals(db)
            await call_rollup.rebuild(db)
            assert kept == await _intervals(db)
            assert sum(row[4] for row in kept) == len(calls)

        compiler = ReportCompiler(engine.dialect.name, MOSCOW, SHIFTS)
        for scope in (ReportScope(group_ids=None), ReportScope(group_ids=frozenset({2}))):
            for name, definition in COVERED.items():
                assert compiler.covered_by_intervals(definition), name
                async with engine.connect() as db:
                    reports = SqlReportRepository(db)
                    summed = await reports.run(definition, scope, MOSCOW, SHIFTS)
                    counted = await reports.run(definition, scope, MOSCOW, SHIFTS, records=True)
                assert summed.rows, name
                assert summed.rows == counted.rows, name
    finally:
        await engine.dispose()


async def test_batched_saves_keep_the_same_sums_and_records_as_saves_one_by_one(database_url: str) -> None:
    """The call path's writer stores many records per statement (`save_many`): versions of one call in
    one batch (the latest wins, a wrap-up an earlier one brought stays), calls moved between intervals,
    calls written again after a wrap-up. The sums equal the rebuilt ones and the records equal those
    the same versions give when saved one at a time."""
    engine = create_engine(database_url)
    calls = _calls(120)
    running = [replace(r, status="active", queue_id=None, queued_at=None, ended_at=None) for r in calls]
    moved = [replace(r, queue_id=3, group_id=2) for r in calls[::7]]
    wrapped = [replace(r, wrap_up_s=9.5) for r in calls[::5]]
    again = [replace(r, wrap_up_s=0.0, talk_s=r.talk_s + 1) for r in calls[::10]]
    batches = [running[:60], running[60:] + calls[:30], calls[30:] + moved, wrapped + again, again[:3]]
    try:
        async with engine.begin() as db:
            writer = SqlCallRecordRepository(db)
            for batch in batches:
                await writer.save_many(batch, MOSCOW)
            batched = await _intervals(db)
            stored = {r.id: (await writer.get(r.id)) for r in calls}
            await call_rollup.rebuild(db)
            assert batched == await _intervals(db)
            assert sum(row[4] for row in batched) == len(calls)
            await db.rollback()
        async with engine.begin() as db:
            writer = SqlCallRecordRepository(db)
            for batch in batches:
                for record in batch:
                    await writer.save(record, MOSCOW)
            assert batched == await _intervals(db)
            for record in calls:
                one_by_one = await writer.get(record.id)
                assert one_by_one is not None
                assert stored[record.id] == one_by_one, record.id
            kept = stored[calls[10].id]
            assert kept is not None
            assert kept.record.wrap_up_s == 9.5  # written again without one: the wrap-up stays
            await db.rollback()
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "change",
    [
        {"service_level_s": 30.0},
        {"short_abandon_s": 3.0},
        {"measures": ("answered", "wait_median")},
        {"measures": ("unique_applicants",)},
        {"dimensions": ("day", "operator")},
        {"selections": {"line": ("122",)}},
        {"time_from": "08:10", "time_to": "20:00"},
        {"dataset": "cases", "measures": ("cases",)},
    ],
)
def test_what_the_sums_cannot_answer_reads_the_records(change: dict[str, Any]) -> None:
    compiler = ReportCompiler("sqlite", MOSCOW, SHIFTS)
    definition = COVERED["day_x_queue"]
    assert compiler.covered_by_intervals(definition)
    assert not compiler.covered_by_intervals(replace(definition, **change))
    odd_shift = ReportCompiler("sqlite", MOSCOW, [Shift(1, "Смена", "08:10", "20:10")])
    assert not odd_shift.covered_by_intervals(replace(definition, dimensions=("shift",)))
