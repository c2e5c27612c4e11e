"""The calls summed per 15-minute interval of a hotline day, queue and group (table call_intervals),
kept by the writer of the call records: each save takes the record's old contribution away and adds
its new one, in the same transaction. Reports whose every dimension, filter and measure the sums cover
read them instead of the records (ReportCompiler, aggregate awareness); `rebuild` fills the table from
the records (the migration that made it, bulk loads).

A call counts as the reports count it (docs/contact-center/statistics.md): offered is inbound with a
moment of queueing; answered and abandoned are offered ones answered or missed; the service-level and
short-abandon counts use the report defaults (T = 20 s, S = 5 s), so a report with other thresholds
reads the records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from c122.persistence.given_values import values_given
from c122.persistence.tables.calls import call_intervals, call_records
from c122.persistence.upsert import dialect_insert

SLOT_MINUTES = 15
SERVICE_LEVEL_S = 20.0
SHORT_ABANDON_S = 5.0
KEY = ("local_day", "slot", "queue_id", "group_id")
SUMS = tuple(c.name for c in call_intervals.c if c.name not in KEY)

_READ = (
    call_records.c.local_day,
    call_records.c.local_minute,
    call_records.c.queue_id,
    call_records.c.group_id,
    call_records.c.direction,
    call_records.c.status,
    call_records.c.queued_at,
    call_records.c.wait_s,
    call_records.c.talk_s,
    call_records.c.hold_s,
    call_records.c.wrap_up_s,
)

Contribution = tuple[tuple[int, int, int, int], dict[str, float]]

# Built once, their lists given at execution (persistence/given_values.py says why).
_READ_MANY = select(call_records.c.id, *_READ).where(call_records.c.id.in_(values_given("ids")))
_DELETE_EMPTIED = delete(call_intervals).where(
    tuple_(*[call_intervals.c[name] for name in KEY]).in_(values_given("keys")),
    call_intervals.c.calls == 0,
)


def contribution(row: Mapping[str, Any] | None) -> Contribution | None:
    """What one call record adds to its interval (None: no record, or no hotline day stored)."""
    if row is None or row["local_day"] is None:
        return None
    offered = row["direction"] == "inbound" and row["queued_at"] is not None
    answered = offered and row["status"] == "answered"
    abandoned = offered and row["status"] == "missed"
    key = (
        int(row["local_day"]),
        int(row["local_minute"]) // SLOT_MINUTES,
        row["queue_id"] or 0,
        row["group_id"] or 0,
    )
    return key, {
        "calls": 1,
        "offered": int(offered),
        "answered": int(answered),
        "abandoned": int(abandoned),
        "short_abandons": int(abandoned and row["wait_s"] < SHORT_ABANDON_S),
        "answered_within_t": int(answered and row["wait_s"] <= SERVICE_LEVEL_S),
        "outbound": int(row["direction"] == "outbound"),
        "wait_sum": row["wait_s"] if offered else 0.0,
        "talk_sum": row["talk_s"] if answered else 0.0,
        "hold_sum": row["hold_s"] if answered else 0.0,
        "wrap_up_sum": row["wrap_up_s"] if answered else 0.0,
    }


def stored(values: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The contribution's columns as the record's upsert stores them from `values`, without reading
    them back: a wrap-up of 0 keeps the one stored before (persistence/calls.py, `save`)."""
    row = {column.name: values[column.name] for column in _READ}
    if not row["wrap_up_s"] > 0 and before is not None:
        row["wrap_up_s"] = before["wrap_up_s"]
    return row


async def read_many(db: AsyncConnection, call_ids: Sequence[str]) -> dict[str, Mapping[str, Any]]:
    """The columns of these records their contributions are made of, in one statement, by id; a record
    not stored yet is absent."""
    rows = (await db.execute(_READ_MANY, {"ids": list(call_ids)})).mappings()
    return {row["id"]: {column.name: row[column.name] for column in _READ} for row in rows}


async def apply_many(
    db: AsyncConnection, changes: Sequence[tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]]
) -> None:
    """Moves several records' contributions, summed per interval first: one upsert for the whole batch,
    however many records it holds, and a delete only when a record left its interval."""
    deltas: dict[tuple[int, int, int, int], dict[str, float]] = {}
    for before, after in changes:
        old, new = contribution(before), contribution(after)
        if old == new:
            continue
        if old is not None:
            _sum_into(deltas, old[0], old[1], -1)
        if new is not None:
            _sum_into(deltas, new[0], new[1], 1)
    # Only an interval that lost calls can be left without any: one whose record stayed in it (most
    # saves: the call moved on, its day, slot, queue and group did not) still counts that record.
    emptied = {key for key, sums in deltas.items() if sums["calls"] < 0}
    changed = [
        {**dict(zip(KEY, key, strict=True)), **sums} for key, sums in deltas.items() if any(sums.values())
    ]
    if changed:
        await db.execute(_add_sums(db.dialect.name), changed)
    if emptied:
        # An interval left without calls goes: the records have no row for it either.
        await db.execute(_DELETE_EMPTIED, {"keys": sorted(emptied)})


def _sum_into(
    deltas: dict[tuple[int, int, int, int], dict[str, float]],
    key: tuple[int, int, int, int],
    sums: Mapping[str, float],
    sign: int,
) -> None:
    total = deltas.setdefault(key, dict.fromkeys(SUMS, 0))
    for name, value in sums.items():
        total[name] += sign * value


async def rebuild(db: AsyncConnection) -> None:
    """The table computed afresh from every call record with a hotline day."""
    await db.execute(delete(call_intervals))
    await db.execute(rebuild_statement())


def rebuild_statement() -> Insert:
    """Every call record with a hotline day, summed into an empty table."""
    r = call_records.c
    offered = and_(r.direction == "inbound", r.queued_at.is_not(None))
    answered = and_(offered, r.status == "answered")
    abandoned = and_(offered, r.status == "missed")

    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.sum(case((condition, 1), else_=0))

    def total(condition: ColumnElement[bool], column: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.sum(case((condition, column), else_=literal(0.0)))

    slot = r.local_minute // SLOT_MINUTES
    queue, group = func.coalesce(r.queue_id, 0), func.coalesce(r.group_id, 0)
    sums = (
        select(
            r.local_day,
            slot,
            queue,
            group,
            func.count(),
            count(offered),
            count(answered),
            count(abandoned),
            count(and_(abandoned, r.wait_s < SHORT_ABANDON_S)),
            count(and_(answered, r.wait_s <= SERVICE_LEVEL_S)),
            count(r.direction == "outbound"),
            total(offered, r.wait_s),
            total(answered, r.talk_s),
            total(answered, r.hold_s),
            total(answered, r.wrap_up_s),
        )
        .where(r.local_day.is_not(None))
        .group_by(r.local_day, slot, queue, group)
    )
    return insert(call_intervals).from_select([*KEY, *SUMS], sums)


@cache
def _add_sums(dialect_name: str) -> Executable:
    """The intervals' sums added to, built once per dialect (persistence/upsert.py says why)."""
    statement = dialect_insert(dialect_name, call_intervals)
    return statement.on_conflict_do_update(
        index_elements=[call_intervals.c[name] for name in KEY],
        set_={name: call_intervals.c[name] + statement.excluded[name] for name in SUMS},
    )
