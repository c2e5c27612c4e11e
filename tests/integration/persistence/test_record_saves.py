"""A call record saved again and again (the call path saves it at each phase) keeps its legs, its
recording's segments, its links to cases and the interval sums true, on SQLite and PostgreSQL, while a
save writes only what changed: no leg or segment deleted and rewritten, no link updated when the
record's copied columns stay, no interval delete when the record stays in its interval."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Alias, Column, event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from tests.support import journal_seed

from c122.domain.calls import CallLegRecord, CallRecord, RecordingSegment
from c122.persistence import call_rollup
from c122.persistence.calls import SqlCallRecordRepository
from c122.persistence.database import create_engine
from c122.persistence.journal_copies import link_calls
from c122.persistence.tables.calls import call_cases, call_intervals, call_legs, call_recording_segments
from c122.persistence.tables.cases import cases

AT = datetime(2026, 9, 12, 8, 30, tzinfo=UTC)


def _leg(leg_id: str, role: str, party: str) -> CallLegRecord:
    return CallLegRecord(leg_id=leg_id, kind="sip", role=role, party=party, started_at=AT)


def _segment(n: int) -> RecordingSegment:
    return RecordingSegment(
        legs=("save-1-b",), started_at=AT + timedelta(seconds=n), ended_at=None, offset_s=float(n),
        duration_s=None, mixed=False,
    )  # fmt: skip


@contextmanager
def _statements(db: AsyncConnection) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split())[:60])

    engine = db.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _legs(db: AsyncConnection) -> list[tuple[Any, ...]]:
    c = call_legs.c
    statement = select(c.leg_id, c.position, c.call_status, c.call_operator_id).where(c.call_id == "save-1")
    return [tuple(row) for row in await db.execute(statement.order_by(c.position))]


async def _link(db: AsyncConnection, case_id: int) -> tuple[Any, ...]:
    c = call_cases.c
    statement = select(c.call_status, c.call_operator_id, c.call_group_id, c.case_source, c.call_started_at)
    return tuple((await db.execute(statement.where(c.call_id == "save-1", c.case_id == case_id))).one())


async def _intervals(db: AsyncConnection) -> set[tuple[Any, ...]]:
    return {tuple(row) for row in await db.execute(select(call_intervals))}


async def test_a_record_saved_at_each_phase_writes_only_what_changed(database_url: str) -> None:
    await journal_seed.seed(database_url, 30)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as db:
            calls = SqlCallRecordRepository(db)
            case_id = int((await db.execute(select(func.min(cases.c.id)))).scalar_one())
            # A case card may link the call before its record is first stored: the link has no copies yet.
            await link_calls(db, [(case_id, "save-1", "phone")])
            assert await _link(db, case_id) == (None, None, None, "phone", None)

            record = CallRecord(
                id="save-1", direction="inbound", status="active", line_number="+78001220122",
                caller="+79161234567", called="+78001220122", started_at=AT, queued_at=AT, group_id=2,
                queue_id=1, legs=(_leg("save-1-a", "caller", "+79161234567"),),
            )  # fmt: skip
            await calls.save(record, UTC)
            assert await _link(db, case_id) == ("active", None, 2, "phone", AT)

            # Saved again: a fixed number of statements, each a batch's (the intervals' rows and the
            # legs kept are upserted, not deleted and inserted again).
            record = replace(record, wait_s=4.0)
            with _statements(db) as seen:
                await calls.save(record, UTC)
            expected = (
                "SELECT call_records.",  # the stored columns the interval sums are moved from
                "INSERT INTO call_records",
                "INSERT INTO call_intervals",
                "DELETE FROM call_legs",  # the legs the record no longer has: none here
                "INSERT INTO call_legs",
                "UPDATE call_cases",  # the links' copies, from the record in memory
            )
            assert all(s.startswith(kind) for s, kind in zip(seen, expected, strict=True)), seen

            # Answered: the links and legs take the new status and operator, a leg is added.
            record = replace(
                record, status="answered", operator_id=12, offered_at=AT, connected_at=AT,
                legs=(*record.legs, _leg("save-1-b", "operator", "12")),
            )  # fmt: skip
            await calls.save(record, UTC)
            assert await _link(db, case_id) == ("answered", 12, 2, "phone", AT)
            assert await _legs(db) == [("save-1-a", 0, "answered", 12), ("save-1-b", 1, "answered", 12)]

            # A leg the record no longer has goes; the one left moves to its place.
            record = replace(record, legs=(record.legs[1],))
            await calls.save(record, UTC)
            assert await _legs(db) == [("save-1-b", 0, "answered", 12)]

            # Recorded: segments added, updated, and one fewer.
            record = replace(record, recording_path="save-1.wav", segments=(_segment(0), _segment(5)))
            await calls.save(record, UTC)
            ended = replace(record.segments[0], ended_at=AT + timedelta(seconds=5), duration_s=5.0)
            record = replace(record, segments=(ended,))
            await calls.save(record, UTC)
            segments = call_recording_segments.c
            stored = (
                await db.execute(
                    select(segments.position, segments.duration_s).where(segments.call_id == "save-1")
                )
            ).all()
            assert [tuple(row) for row in stored] == [(0, 5.0)]

            # Moved to another group: its old interval is left without calls and goes; the sums are
            # those computed afresh from the records.
            record = replace(record, group_id=3, queue_id=2)
            await calls.save(record, UTC)
            assert await _link(db, case_id) == ("answered", 12, 3, "phone", AT)
            kept = await _intervals(db)
            await call_rollup.rebuild(db)
            assert kept == await _intervals(db)
            assert not [row for row in kept if row[4] == 0]  # no interval without calls
    finally:
        await engine.dispose()


async def test_a_save_builds_no_copy_of_a_table_for_the_collector_to_free(database_url: str) -> None:
    """The upserts are built once and reused: building one at each save made the `excluded` alias, a
    copy of every column of its table in reference cycles (about 250 columns a call on the call path),
    which only the cycle collector frees - in passes that stopped the event loop for seconds."""
    await journal_seed.seed(database_url, 30)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as db:
            calls = SqlCallRecordRepository(db)
            record = CallRecord(
                id="save-2", direction="inbound", status="active", line_number="+78001220122",
                caller="+79161234567", called="+78001220122", started_at=AT, queued_at=AT, group_id=2,
                queue_id=1, legs=(_leg("save-2-a", "caller", "+79161234567"),),
                recording_path="save-2.wav", segments=(_segment(0),),
            )  # fmt: skip
            await calls.save(record, UTC)
            gc.collect()
            gc.set_debug(gc.DEBUG_SAVEALL)
            try:
                await calls.save(replace(record, wait_s=4.0, status="answered", operator_id=12), UTC)
                gc.collect()
                copies = [o for o in gc.garbage if isinstance(o, Column | Alias)]
            finally:
                gc.set_debug(0)
                gc.garbage.clear()
            assert copies == []
    finally:
        await engine.dispose()
