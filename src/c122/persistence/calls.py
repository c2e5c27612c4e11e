"""Storage of call records and their legs over SQLAlchemy Core, and the recordings' files on disk.

`save` is an upsert of the record row followed by a rewrite of its legs, in the caller's transaction:
the row lock the upsert takes orders two writers of one call, so the legs stored are always those of
the record stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Row, Select, delete, exists, false, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.calls import CallLegRecord, CallQuery, CallRecord, JournalPage, JournalRow
from c122.domain.calls.journal import OWN_LEG_ROLES
from c122.persistence import tables as t
from c122.persistence.tables.calls import call_legs, call_records

COUNT_CAP = 10_000
"""Counting stops here: an exact count of millions of calls would cost more than the page itself."""

_RECORD_FIELDS = (
    "direction",
    "status",
    "line_number",
    "caller",
    "called",
    "ivr_choice",
    "case_type_id",
    "queue_id",
    "group_id",
    "operator_id",
    "started_at",
    "queued_at",
    "offered_at",
    "connected_at",
    "ended_at",
    "wait_s",
    "talk_s",
    "hold_s",
    "wrap_up_s",
    "sla_breached",
    "recording_path",
    "end_cause",
)
_LEG_FIELDS = (
    "leg_id",
    "kind",
    "role",
    "party",
    "started_at",
    "answered_at",
    "ended_at",
    "cause",
    "jitter_ms",
    "loss_percent",
)


class SqlCallRecordRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def save(self, record: CallRecord) -> None:
        values = {name: getattr(record, name) for name in _RECORD_FIELDS}
        insert_ = postgresql.insert if self._db.dialect.name == "postgresql" else sqlite.insert
        upsert = (
            insert_(call_records)
            .values(id=record.id, **values)
            .on_conflict_do_update(index_elements=[call_records.c.id], set_=values)
        )
        await self._db.execute(upsert)
        await self._db.execute(delete(call_legs).where(call_legs.c.call_id == record.id))
        if record.legs:
            await self._db.execute(
                insert(call_legs),
                [
                    {"call_id": record.id, "position": position, **_leg_values(leg)}
                    for position, leg in enumerate(record.legs)
                ],
            )

    async def get(self, call_id: str) -> JournalRow | None:
        row = (await self._db.execute(_journal().where(call_records.c.id == call_id))).first()
        if row is None:
            return None
        legs = await self._legs([call_id])
        return _journal_row(row, legs.get(call_id, ()))

    async def list_calls(self, query: CallQuery) -> JournalPage:
        conditions = _conditions(query)
        matching = select(call_records.c.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
        counted = int((await self._db.execute(select(func.count()).select_from(matching))).scalar_one())
        page = (
            _journal()
            .where(*conditions)
            .order_by(call_records.c.started_at.desc(), call_records.c.id.desc())
            .limit(query.filter.limit)
            .offset(query.filter.offset)
        )
        rows = (await self._db.execute(page)).all()
        legs = await self._legs([row.id for row in rows])
        return JournalPage(
            items=[_journal_row(row, legs.get(row.id, ())) for row in rows],
            total=min(counted, COUNT_CAP),
            capped=counted > COUNT_CAP,
        )

    async def active(self) -> list[CallRecord]:
        rows = (await self._db.execute(_journal().where(call_records.c.status == "active"))).all()
        legs = await self._legs([row.id for row in rows])
        return [_journal_row(row, legs.get(row.id, ())).record for row in rows]

    async def _legs(self, call_ids: Sequence[str]) -> dict[str, tuple[CallLegRecord, ...]]:
        if not call_ids:
            return {}
        statement = (
            select(call_legs)
            .where(call_legs.c.call_id.in_(call_ids))
            .order_by(call_legs.c.call_id, call_legs.c.position)
        )
        found: dict[str, list[CallLegRecord]] = {}
        for row in (await self._db.execute(statement)).all():
            found.setdefault(row.call_id, []).append(
                CallLegRecord(**{name: getattr(row, name) for name in _LEG_FIELDS})
            )
        return {call_id: tuple(legs) for call_id, legs in found.items()}


def _leg_values(leg: CallLegRecord) -> dict[str, Any]:
    return {name: getattr(leg, name) for name in _LEG_FIELDS}


def _journal() -> Select[Any]:
    """Records with the names of what they refer to; a deleted line, queue or account leaves None."""
    return (
        select(
            call_records,
            t.lines.c.name.label("line_name"),
            t.queues.c.name.label("queue_name"),
            t.groups.c.name.label("group_name"),
            t.users.c.full_name.label("operator_name"),
            t.case_types.c.name.label("case_type_name"),
        )
        .outerjoin(t.lines, t.lines.c.number == call_records.c.line_number)
        .outerjoin(t.queues, t.queues.c.id == call_records.c.queue_id)
        .outerjoin(t.groups, t.groups.c.id == call_records.c.group_id)
        .outerjoin(t.users, t.users.c.id == call_records.c.operator_id)
        .outerjoin(t.case_types, t.case_types.c.id == call_records.c.case_type_id)
    )


def _journal_row(row: Row[Any], legs: tuple[CallLegRecord, ...]) -> JournalRow:
    record = CallRecord(id=row.id, legs=legs, **{name: getattr(row, name) for name in _RECORD_FIELDS})
    return JournalRow(
        record=record,
        line_name=row.line_name,
        queue_name=row.queue_name,
        group_name=row.group_name,
        operator_name=row.operator_name,
        case_type_name=row.case_type_name,
    )


def _conditions(query: CallQuery) -> list[Any]:
    wanted, scope = query.filter, query.scope
    c = call_records.c
    conditions: list[Any] = []
    if not scope.everything:
        visible: list[Any] = []
        if scope.group_ids:
            visible.append(c.group_id.in_(sorted(scope.group_ids)))
        if scope.user_id is not None:
            party = str(scope.user_id)
            visible.append(c.operator_id == scope.user_id)
            visible.append(
                exists().where(
                    call_legs.c.call_id == c.id,
                    call_legs.c.party == party,
                    call_legs.c.role.in_(sorted(OWN_LEG_ROLES)),
                )
            )
        conditions.append(or_(*visible) if visible else false())
    if wanted.since is not None:
        conditions.append(c.started_at >= wanted.since)
    if wanted.until is not None:
        conditions.append(c.started_at < wanted.until)
    for column, value in (
        (c.line_number, wanted.line_number),
        (c.operator_id, wanted.operator_id),
        (c.group_id, wanted.group_id),
        (c.direction, wanted.direction),
        (c.status, wanted.status),
    ):
        if value is not None:
            conditions.append(column == value)
    return conditions


class FileRecordings:
    """Recordings on this machine's disk. A relative path is taken under `root` (and may not climb out
    of it); an absolute one, as the media engine wrote it."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def locate(self, recording_path: str) -> str | None:
        given = Path(recording_path)
        path = (given if given.is_absolute() else self._root / given).resolve()
        if not given.is_absolute() and not path.is_relative_to(self._root):
            return None
        return str(path) if path.is_file() else None
