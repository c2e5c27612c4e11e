"""Storage of the call distribution: its setup (queues, groups, members, skills), its dynamic state,
and its two append-only logs (operator states, queue events)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, Table, delete, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.acd import (
    AcdSnapshot,
    OperatorStateChanged,
    QueueLogKind,
    QueueLogRecord,
)
from c122.domain.organisation import QueueMember
from c122.domain.users import Role
from c122.persistence import acd_codec as codec
from c122.persistence import tables as t
from c122.persistence.accounts import SqlUserRepository
from c122.persistence.given_values import values_given
from c122.persistence.organisation import group_from_row, queue_from_row
from c122.persistence.upsert import upsert
from c122.services.contact_center.ports import AcdSetup

# Rows per statement: well under the bound-parameter limits of SQLite and PostgreSQL.
CHUNK = 500
# The ACD's meta (cursors, history, group blocks, counters) as a row of acd_records, written with the
# changed records in the same upsert; a kind no record has (codec.records_by_kind).
META_KIND = "meta"
META_ID = "1"
# Built once, the keys given at execution (persistence/given_values.py says why).
_DELETE_RECORDS = delete(t.acd_records).where(
    tuple_(t.acd_records.c.kind, t.acd_records.c.record_id).in_(values_given("keys"))
)


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _int_or_none(value: str | None) -> int | None:
    return None if value is None else int(value)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class SqlAcdRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    # --- setup ------------------------------------------------------------------------------------
    async def setup(self) -> AcdSetup:
        queues = [queue_from_row(row) for row in (await self._db.execute(select(t.queues))).all()]
        groups = [group_from_row(row) for row in (await self._db.execute(select(t.groups))).all()]
        members = [
            QueueMember(queue_id=r.queue_id, user_id=r.user_id, level=r.level, position=r.position)
            for r in (await self._db.execute(select(t.queue_members))).all()
        ]
        skills: dict[int, set[str]] = {}
        for user_id, skill in await self._db.execute(select(t.operator_skills)):
            skills.setdefault(user_id, set()).add(skill)
        staff_rows = (
            await self._db.execute(
                select(t.users).where(t.users.c.role.in_([Role.OPERATOR.value, Role.SENIOR.value]))
            )
        ).all()
        staff = await SqlUserRepository(self._db)._rows_to_entities(staff_rows)
        return AcdSetup(
            queues=queues,
            groups=groups,
            members=members,
            skills={user_id: frozenset(s) for user_id, s in skills.items()},
            staff=staff,
        )

    async def channel_queue(self, channel: str) -> int | None:
        row = (
            await self._db.execute(
                select(t.bot.channel_settings.c.queue_id).where(t.bot.channel_settings.c.channel == channel)
            )
        ).first()
        return row.queue_id if row is not None else None

    async def members(self, queue_id: int) -> list[QueueMember]:
        statement = (
            select(t.queue_members)
            .where(t.queue_members.c.queue_id == queue_id)
            .order_by(t.queue_members.c.level, t.queue_members.c.position, t.queue_members.c.user_id)
        )
        return [
            QueueMember(queue_id=r.queue_id, user_id=r.user_id, level=r.level, position=r.position)
            for r in (await self._db.execute(statement)).all()
        ]

    async def set_members(self, queue_id: int, members: Sequence[QueueMember]) -> None:
        await self._db.execute(delete(t.queue_members).where(t.queue_members.c.queue_id == queue_id))
        if members:
            rows = [
                {"queue_id": queue_id, "user_id": m.user_id, "level": m.level, "position": m.position}
                for m in members
            ]
            await self._db.execute(insert(t.queue_members), rows)

    async def skills(self, user_id: int) -> frozenset[str]:
        statement = select(t.operator_skills.c.skill).where(t.operator_skills.c.user_id == user_id)
        return frozenset((await self._db.execute(statement)).scalars())

    async def set_skills(self, user_id: int, skills: frozenset[str]) -> None:
        await self._db.execute(delete(t.operator_skills).where(t.operator_skills.c.user_id == user_id))
        if skills:
            rows = [{"user_id": user_id, "skill": skill} for skill in sorted(skills)]
            await self._db.execute(insert(t.operator_skills), rows)

    # --- dynamic state ----------------------------------------------------------------------------
    async def load_snapshot(self) -> AcdSnapshot | None:
        records: dict[str, list[Mapping[str, Any]]] = {}
        meta: Mapping[str, Any] | None = None
        for kind, record_id, data in await self._db.execute(
            select(t.acd_records.c.kind, t.acd_records.c.record_id, t.acd_records.c.data)
        ):
            if kind == META_KIND:
                meta = data if record_id == META_ID else meta
            else:
                records.setdefault(kind, []).append(data)
        if meta is None:  # stored before the meta row moved into acd_records, or never stored
            meta = (await self._db.execute(select(t.acd_meta.c.data).where(t.acd_meta.c.id == 1))).scalar()
        if meta is None:
            return None
        return codec.decode_snapshot(records, meta)

    async def save_snapshot(self, previous: AcdSnapshot | None, current: AcdSnapshot, at: datetime) -> int:
        """Writes the records that differ from `previous` (records are replaced on change, so identity
        tells); returns how many rows were written or deleted. A changed record is written over its
        row (an upsert), not deleted and inserted again, and the records of every kind go together,
        the meta row (cursors, history, counters) among them as a record of its own kind: one DELETE
        of what is gone and one upsert of what changed per save (per 500 rows). Every ACD commit of a
        call stores a few records of two or three kinds and the meta row; a statement per kind cost
        the main loop a statement each. The first save of a run rewrites everything, and removes the
        meta row of `acd_meta` that older versions kept (so that no stale copy of it remains)."""
        before = codec.records_by_kind(previous) if previous is not None else None
        if before is None:
            await self._db.execute(delete(t.acd_records))
            await self._db.execute(delete(t.acd_meta))
        gone: list[tuple[str, str]] = []
        changed: list[dict[str, Any]] = []
        for kind, now_records in codec.records_by_kind(current).items():
            old = before[kind] if before is not None else {}
            gone.extend((kind, key) for key in old if key not in now_records)
            changed.extend(
                {"kind": kind, "record_id": key, "data": codec.encode(record)}
                for key, record in now_records.items()
                if old.get(key) is not record
            )
        if previous is None or not codec.same_meta(previous, current):
            meta = {**codec.encode_meta(current), "saved_at": at.isoformat()}
            changed.append({"kind": META_KIND, "record_id": META_ID, "data": meta})
        for chunk in _chunks(gone):
            await self._db.execute(_DELETE_RECORDS, {"keys": list(chunk)})
        for chunk in _chunks(changed):
            await self._db.execute(self._upsert(t.acd_records, ("kind", "record_id"), "data"), list(chunk))
        return len(gone) + len(changed)

    def _upsert(self, table: Table, keys: tuple[str, ...], *columns: str) -> Executable:
        """INSERT that overwrites `columns` of the row with the same `keys`."""
        return upsert(self._db.dialect, table, keys, columns)

    # --- logs -------------------------------------------------------------------------------------
    async def append_state_log(self, changes: Sequence[OperatorStateChanged]) -> None:
        rows = [
            {
                "at": _at(c.at),
                "operator_id": int(c.operator_id),
                "old_status": c.old_status,
                "new_status": c.new_status,
                "trigger": c.trigger,
                "reason": c.reason,
                "note": c.note,
                "duration_s": c.duration_s,
                "call_id": c.call_id,
                "queue_id": _int_or_none(c.queue_id),
            }
            for c in changes
        ]
        for chunk in _chunks(rows):
            await self._db.execute(insert(t.operator_state_log), list(chunk))

    async def state_log(self, operator_id: int, limit: int = 1000) -> list[OperatorStateChanged]:
        statement = (
            select(t.operator_state_log)
            .where(t.operator_state_log.c.operator_id == operator_id)
            .order_by(t.operator_state_log.c.id)
            .limit(limit)
        )
        return [
            OperatorStateChanged(
                operator_id=str(r.operator_id),
                old_status=r.old_status,
                new_status=r.new_status,
                trigger=r.trigger,
                reason=r.reason,
                note=r.note,
                at=r.at.timestamp(),
                duration_s=r.duration_s,
                call_id=r.call_id,
                queue_id=None if r.queue_id is None else str(r.queue_id),
            )
            for r in (await self._db.execute(statement)).all()
        ]

    async def append_queue_log(self, records: Sequence[QueueLogRecord]) -> None:
        rows = [
            {
                "at": _at(r.at),
                "kind": r.kind.value,
                "queue_id": _int_or_none(r.queue_id),
                "call_id": r.call_id,
                "operator_id": _int_or_none(r.operator_id),
                "waited_s": r.waited_s,
                "talk_s": r.talk_s,
                "duration_s": r.duration_s,
                "position": r.position,
                "old_status": r.old_status,
                "new_status": r.new_status,
                "detail": r.detail,
                "is_callback": r.is_callback,
                "media": r.media,
                "sla_breached": r.sla_breached,
                "note": r.note,
            }
            for r in records
        ]
        for chunk in _chunks(rows):
            await self._db.execute(insert(t.queue_log), list(chunk))

    async def queue_log(self, start: float | None = None, end: float | None = None) -> list[QueueLogRecord]:
        statement = select(t.queue_log).order_by(t.queue_log.c.id)
        if start is not None:
            statement = statement.where(t.queue_log.c.at >= _at(start))
        if end is not None:
            statement = statement.where(t.queue_log.c.at < _at(end))
        return [
            QueueLogRecord(
                at=r.at.timestamp(),
                kind=QueueLogKind(r.kind),
                queue_id=None if r.queue_id is None else str(r.queue_id),
                call_id=r.call_id,
                operator_id=None if r.operator_id is None else str(r.operator_id),
                waited_s=r.waited_s,
                talk_s=r.talk_s,
                duration_s=r.duration_s,
                position=r.position,
                old_status=r.old_status,
                new_status=r.new_status,
                detail=r.detail,
                is_callback=bool(r.is_callback),
                media=r.media,
                sla_breached=bool(r.sla_breached),
                note=r.note,
            )
            for r in (await self._db.execute(statement)).all()
        ]
