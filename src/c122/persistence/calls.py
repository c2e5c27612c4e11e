"""Storage of call records and their legs over SQLAlchemy Core, and the recordings' files on disk.

`save` is an upsert of the record row followed by an upsert of its legs, in the caller's transaction:
the row lock the upsert takes orders two writers of one call, so the legs stored are always those of
the record stored.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ClauseElement,
    Dialect,
    Executable,
    FromClause,
    Row,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    tuple_,
    union,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from c122.domain.calls import (
    CallFilter,
    CallLegRecord,
    CallQuery,
    CallRecord,
    CaseRef,
    FilterOptions,
    JournalCount,
    JournalCursor,
    JournalPage,
    JournalRow,
    JournalScope,
    RecordingSegment,
)
from c122.domain.calls.journal import OWN_LEG_ROLES
from c122.domain.reports import local_day_minute
from c122.persistence import call_rollup
from c122.persistence import tables as t
from c122.persistence.applicant_search import (
    applicant_name_match,
    name_indexed,
    named_case_ids,
    named_cases,
)
from c122.persistence.given_values import values_given
from c122.persistence.journal_copies import copy_records_onto_links, leg_copies
from c122.persistence.recording_codec import Compressor, sha256_of, video_readable
from c122.persistence.supervision import SqlMonitoringRepository
from c122.persistence.tables.calls import (
    call_cases,
    call_legs,
    call_recording_segments,
    call_records,
    recording_files,
)
from c122.persistence.tables.cases import applicants, cases
from c122.persistence.upsert import dialect_insert, upsert
from c122.services.calls.ports import (
    CompressedRecording,
    ExportBatch,
    ExportCall,
    ExportCase,
    ExportNames,
    RecordingToCompress,
    StoredRecording,
)

COUNT_CAP = 10_000
"""Counting stops here: an exact count of millions of calls would cost more than the page itself."""
COUNT_BUDGET_MS = 500
"""On PostgreSQL a capped count taking longer is cancelled and the planner's estimate answers."""
QUERY_CANCELED = "57014"
DENSE_CASES = 12_000
"""A page tests each walked call for a case of its own when at least this many cases match (case_match):
the list then costs more than the walk. Where the two meet, c² ≈ 150 × the calls walked over (about
12,400 cases at 1,000,000 calls, 39,000 at 10,000,000)."""
LINKED_NAME_LIMIT = 100_000
"""On PostgreSQL a page with an applicant's name is read from the links of the name's cases (`_linked_page`)
while the planner expects at most this many such cases (33,000 at 10,000,000 calls): the planner walks
the links in the calls' order testing each one's case, or reads the name's cases' links and sorts them;
a name shared by more finds its page sooner walking the calls in order."""
NAMED_WALK_CASES = 5_000
"""On PostgreSQL a name the planner expects to have at least this many cases has its page read by walking
the links in the calls' order, each link's case tested against the name's cases hashed once
(`_linked_page`, `walk_named`), not by reading every link of the name's cases and sorting them: the walk
ends after the page, about 51 × links ÷ cases links in (break-even near √(51 × links): 7,100 cases at
10,000,000 calls). Within an operator's scope only: there the planner chose the sort, every link
probed for a leg of the operator (0.35–0.5 s against 0.11 s); elsewhere it walks the links itself,
looking up each passing link's case, which was quicker than hashing the name's 33,000 cases (the
administrator's name: p50 14 ms against 41 ms)."""
PAGE_PLANS = {"plan_cache_mode": "force_custom_plan", "max_parallel_workers_per_gather": "0"}
"""PostgreSQL settings of a journal page's transaction. Each statement is planned for its values every
time: the driver prepares statements, and from the sixth run of one on a connection PostgreSQL may keep
a generic plan, made without the values. And no parallel workers: a page reads its first 51 rows in
order and stops, where each worker of a parallel walk reads ahead on its own part (the administrator's
operator + name: 212 ms with two workers, 13 ms without, at 10,000,000 calls)."""
EXPORT_LEGS_PER_CALL = 4
"""An export reads a batch's legs as a range of the calls' starts while the range holds at most this many
of the legs it reads per call of the batch (about one in a journal of every call)."""

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


def _stale_rows(table: Table, key: str) -> Executable:
    """A DELETE of the rows of some calls (`call_ids`) whose (call_id, `key`) is not among `kept`.
    Built once, the lists given at execution (persistence/given_values.py says why)."""
    return delete(table).where(
        table.c.call_id.in_(values_given("call_ids")),
        tuple_(table.c.call_id, table.c[key]).not_in(values_given("kept")),
    )


_STALE_LEGS = _stale_rows(call_legs, "leg_id")
_STALE_SEGMENTS = _stale_rows(call_recording_segments, "position")


class SqlCallRecordRepository:
    def __init__(self, connection: AsyncConnection, *, count_budget_ms: int = COUNT_BUDGET_MS) -> None:
        self._db = connection
        self._count_budget_ms = count_budget_ms
        self._walk_named = False  # set by _links_first for the page being read

    async def save(self, record: CallRecord, zone: tzinfo) -> None:
        await self.save_many([record], zone)

    async def save_many(self, records: Sequence[CallRecord], zone: tzinfo) -> None:
        """The records (a later version of one call replacing an earlier one) in a fixed number of
        statements whatever their count: the call path writes a batch at once (services/calls/writer.py)."""
        latest = _latest_versions(records)
        if not latest:
            return
        rows = []
        for record in latest.values():
            values = {name: getattr(record, name) for name in _RECORD_FIELDS}
            values["local_day"], values["local_minute"] = local_day_minute(record.started_at, zone)
            rows.append({"id": record.id, **values})
        before = await call_rollup.read_many(self._db, list(latest))
        await self._db.execute(_record_save(self._db.dialect.name), rows)
        await call_rollup.apply_many(
            self._db,
            [(before.get(row["id"]), call_rollup.stored(row, before.get(row["id"]))) for row in rows],
        )
        # Legs, links and segments are written after the record's upsert, which orders two writers of
        # one call (its row lock; on SQLite the write gate): each follows the record it stores, never
        # what was read before that turn (another writer may have saved the call in between).
        await self._save_legs(latest)
        await copy_records_onto_links(self._db, list(latest.values()))
        await self._save_segments(latest)

    async def _save_legs(self, latest: Mapping[str, CallRecord]) -> None:
        """The records' legs upserted in one statement, after one DELETE of the stored legs a record no
        longer has (none on the call path: legs are only added)."""
        kept = [(call_id, leg.leg_id) for call_id, record in latest.items() for leg in record.legs]
        await self._db.execute(_STALE_LEGS, {"call_ids": list(latest), "kept": kept})
        legs = [
            {"call_id": record.id, "position": position, **leg_copies(record), **_leg_values(leg)}
            for record in latest.values()
            for position, leg in enumerate(record.legs)
        ]
        if legs:
            await self._db.execute(_upsert_by_key(self._db.dialect, call_legs, ("call_id", "leg_id")), legs)

    async def _save_segments(self, latest: Mapping[str, CallRecord]) -> None:
        """The recorded records' segments upserted in one statement, after one DELETE of the stored ones
        past a record's last (none on the call path: segments are only added)."""
        # no recording, so no segments stored either: a missed call costs no statement more
        recorded = [record for record in latest.values() if record.recording_path is not None]
        if not recorded:
            return
        segments = call_recording_segments
        kept = [(record.id, position) for record in recorded for position in range(len(record.segments))]
        await self._db.execute(
            _STALE_SEGMENTS, {"call_ids": [record.id for record in recorded], "kept": kept}
        )
        rows = [
            {"call_id": record.id, "position": position, **_segment_values(segment)}
            for record in recorded
            for position, segment in enumerate(record.segments)
        ]
        if rows:
            await self._db.execute(_upsert_by_key(self._db.dialect, segments, ("call_id", "position")), rows)

    async def set_wrap_ups(self, wrap_ups: Sequence[tuple[str, float]]) -> None:
        """Three statements for the batch: the records' contributions read, the wrap-ups written (one
        executemany), the interval sums moved (one upsert)."""
        latest = dict(wrap_ups)
        if not latest:
            return
        before = await call_rollup.read_many(self._db, list(latest))
        if not before:
            return
        statement = (
            update(call_records)
            .where(call_records.c.id == bindparam("w_id"))
            .values(wrap_up_s=bindparam("w_s"))
        )
        await self._db.execute(statement, [{"w_id": call_id, "w_s": latest[call_id]} for call_id in before])
        await call_rollup.apply_many(
            self._db, [(row, {**row, "wrap_up_s": latest[call_id]}) for call_id, row in before.items()]
        )

    async def get(self, call_id: str) -> JournalRow | None:
        row = (await self._db.execute(_journal().where(call_records.c.id == call_id))).first()
        if row is None:
            return None
        legs = await self._legs([call_id])
        names = await self._user_names(_users_of(legs.get(call_id, ())))
        journal_row = _journal_row(
            row, legs.get(call_id, ()), (await self._cases([call_id])).get(call_id, ()), names
        )
        segments = await self._segments(call_id)
        journal_row = replace(
            journal_row, record=replace(journal_row.record, segments=segments), party_names=names
        )
        monitoring = tuple(await SqlMonitoringRepository(self._db).for_call(call_id))
        if not monitoring:
            return journal_row
        seniors = await self._user_names({str(session.supervisor_id) for session in monitoring})
        return replace(
            journal_row,
            monitoring=monitoring,
            supervisor_names={int(user_id): name for user_id, name in seniors.items()},
        )

    async def list_calls(self, query: CallQuery) -> JournalPage:
        wanted = query.filter
        c = call_records.c
        # The page's sort keys alone first, read in index order (PostgreSQL from the index alone when
        # it holds every filtered column) and stopped after one more than the page (that one tells
        # whether another page follows); then those rows, with the names they refer to.
        in_order = self._db.dialect.name == "sqlite"
        if not in_order:
            await self._page_plans()
        self._walk_named = False
        from_links = await self._links_first(query)
        found = _page_keys(
            query, in_order=in_order, from_links=from_links, walk_named=from_links and self._walk_named
        ).subquery()
        page = (
            _journal().join(found, found.c.id == c.id).order_by(found.c.started_at.desc(), found.c.id.desc())
        )
        rows = (await self._db.execute(page)).all()
        more = len(rows) > wanted.limit
        rows = rows[: wanted.limit]
        call_ids = [row.id for row in rows]
        legs = await self._legs(call_ids)
        cases = await self._cases(call_ids)
        names = await self._user_names(_users_of(leg for found in legs.values() for leg in found))
        last = rows[-1] if rows and more else None
        return JournalPage(
            items=[_journal_row(row, legs.get(row.id, ()), cases.get(row.id, ()), names) for row in rows],
            next_cursor=JournalCursor(last.started_at, last.id) if last is not None else None,
        )

    async def count_calls(self, query: CallQuery) -> JournalCount:
        matching = select(call_records.c.id).where(*_conditions(query))
        if self._db.dialect.name != "postgresql":
            return await self._capped_count(matching)
        # A capped count is quick where matches are dense; where they are sparse among millions it walks
        # a long range, so it gets a time budget and the planner's estimate answers past it.
        try:
            async with self._db.begin_nested():
                await self._db.exec_driver_sql(f"SET LOCAL statement_timeout = {int(self._count_budget_ms)}")
                counted = await self._capped_count(matching)
                await self._db.exec_driver_sql("SET LOCAL statement_timeout TO DEFAULT")
                return counted
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != QUERY_CANCELED:
                raise
        return JournalCount(total=await self._estimate(matching), capped=False, estimated=True)

    async def _page_plans(self) -> None:
        """PostgreSQL: how the page's statements are planned, for the rest of this unit of work
        (PAGE_PLANS)."""
        for name, value in PAGE_PLANS.items():
            await self._db.exec_driver_sql(f"SET LOCAL {name} = {value}")

    async def _estimate(self, statement: Select[Any]) -> int:
        """The planner's estimate of the rows `statement` returns (PostgreSQL)."""
        plan = (await self._db.execute(Explain(statement))).scalar_one()
        return int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])

    async def _links_first(self, query: CallQuery) -> bool:
        """Whether the page is read from the links to the matching cases (`links_first`), on PostgreSQL
        for a name only while the planner expects few of its cases (LINKED_NAME_LIMIT)."""
        wanted = query.filter
        if not links_first(wanted):
            return False
        if self._db.dialect.name != "postgresql" or wanted.applicant_name is None:
            return True
        expected = await self._estimate(named_cases(wanted.applicant_name))
        # Only within an operator's scope (no groups): there the planner chose the sort; elsewhere its
        # own walk (each passing link's case looked up) was quicker than hashing the name's cases.
        operator_only = query.scope.user_id is not None and not query.scope.group_ids
        self._walk_named = operator_only and expected >= NAMED_WALK_CASES
        return expected <= LINKED_NAME_LIMIT

    async def _capped_count(self, matching: Select[Any]) -> JournalCount:
        capped = matching.limit(COUNT_CAP + 1).subquery()
        counted = int((await self._db.execute(select(func.count()).select_from(capped))).scalar_one())
        return JournalCount(total=min(counted, COUNT_CAP), capped=counted > COUNT_CAP)

    async def export_names(self) -> ExportNames:
        found = [
            dict(tuple(row) for row in await self._db.execute(select(key, name)))
            for key, name in (
                (t.lines.c.number, t.lines.c.name),
                (t.groups.c.id, t.groups.c.name),
                (t.users.c.id, t.users.c.full_name),
                (t.case_types.c.id, t.case_types.c.name),
            )
        ]
        return ExportNames(*found)

    async def export_batch(self, query: CallQuery, after: JournalCursor | None, limit: int) -> ExportBatch:
        # The record's own columns in the page's order (the same conditions and index walk as the
        # page), plain rows: no joins for names, no domain objects per row.
        c = call_records.c
        statement = (
            select(*(c[name] for name in ExportCall._fields))
            .where(*_conditions(query, walk_in_order=self._db.dialect.name == "sqlite"))
            .order_by(c.started_at.desc(), c.id.desc())
            .limit(limit)
        )
        if after is not None:
            statement = statement.where(tuple_(c.started_at, c.id) < tuple_(after.started_at, after.call_id))
        calls = list(map(ExportCall._make, (await self._db.execute(statement)).all()))
        if not calls:
            return ExportBatch(calls, {}, {})
        ids = self._among([call.id for call in calls])
        # The call's own operator is named from the record: their leg (most calls' only one) is left out.
        operators = {call.id: str(call.operator_id) for call in calls if call.operator_id is not None}
        parties: dict[str, list[str]] = {}
        for call_id, party in await self._export_legs(calls, ids):
            if party != operators.get(call_id):
                parties.setdefault(call_id, []).append(party)
        linked = (
            select(
                call_cases.c.call_id,
                cases.c.name,
                t.case_types.c.name,
                cases.c.status,
                cases.c.source,
                applicants.c.last_name,
                applicants.c.first_name,
                applicants.c.patronymic,
            )
            .join(cases, cases.c.id == call_cases.c.case_id)
            .outerjoin(t.case_types, t.case_types.c.id == cases.c.type_id)
            .outerjoin(applicants, applicants.c.id == cases.c.applicant_id)
            .where(call_cases.c.call_id.in_(ids))
            .order_by(call_cases.c.call_id, cases.c.id)
        )
        found: dict[str, list[ExportCase]] = {}
        for call_id, name, type_name, status, source, *applicant in await self._db.execute(linked):
            full_name = " ".join(part for part in applicant if part)
            found.setdefault(call_id, []).append(ExportCase(name, type_name or "", status, source, full_name))
        return ExportBatch(calls, parties, found)

    async def _export_legs(self, calls: Sequence[ExportCall], ids: Select[Any]) -> list[tuple[str, str]]:
        """The batch's legs an operator talked on (call id, party), each call's in leg order. Read as one
        range of the legs' index on their call's start (the batch's calls are consecutive in that
        order), which holds all that is read: looking up each call's legs cost a read of the disk per
        leg where the calls lie scattered. Where the batch's calls are sparse in that range (an export
        of a rare filter) the range would be long: past a bound, each call's legs are looked up."""
        legs = call_legs.c
        own = (legs.role.in_(sorted(OWN_LEG_ROLES)), legs.kind != "trunk")  # a trunk: an outside number
        bound = EXPORT_LEGS_PER_CALL * len(calls)
        ranged = (
            select(legs.call_id, legs.party)
            .where(
                legs.call_started_at >= calls[-1].started_at,
                legs.call_started_at <= calls[0].started_at,
                *own,
            )
            .order_by(legs.call_started_at, legs.call_id, legs.position)
            .limit(bound + 1)
        )
        found = (await self._db.execute(ranged)).all()
        if len(found) <= bound:
            wanted = {call.id for call in calls}
            return [(call_id, party) for call_id, party in found if call_id in wanted]
        each = select(legs.call_id, legs.party).where(legs.call_id.in_(ids), *own)
        return [tuple(row) for row in await self._db.execute(each.order_by(legs.call_id, legs.position))]

    def _among(self, ids: Sequence[str]) -> Select[Any]:
        """Thousands of ids as one parameter (an array, a JSON list), not one parameter each: compiling
        those cost more than the query."""
        if self._db.dialect.name == "postgresql":
            listed = func.unnest(bindparam("ids", list(ids), type_=postgresql.ARRAY(String)))
            return select(listed.column_valued("id"))
        each = func.json_each(bindparam("ids", json.dumps(list(ids)))).table_valued("value")
        return select(each.c.value)

    async def filter_options(self, scope: JournalScope) -> FilterOptions:
        groups = select(t.groups.c.id, t.groups.c.name).order_by(t.groups.c.name)
        people = (
            select(t.users.c.id, t.users.c.full_name)
            .where(t.users.c.role.in_(("operator", "senior")))
            .order_by(t.users.c.full_name)
        )
        if not scope.everything:
            groups = groups.where(t.groups.c.id.in_(sorted(scope.group_ids or ())))
            members = select(t.user_groups.c.user_id).where(
                t.user_groups.c.group_id.in_(sorted(scope.group_ids or ()))
            )
            people = people.where(or_(t.users.c.id.in_(members), t.users.c.id == scope.user_id))
        lines = select(t.lines.c.number, t.lines.c.name).order_by(t.lines.c.number)
        types = select(t.case_types.c.id, t.case_types.c.name).order_by(t.case_types.c.name)
        found = [[tuple(row) for row in await self._db.execute(q)] for q in (groups, people, lines, types)]
        return FilterOptions(*found)

    async def names(
        self, *, user_ids: Iterable[int] = (), group_id: int | None = None, case_type_id: int | None = None
    ) -> dict[str, str]:
        found: dict[str, str] = {}
        wanted = sorted(set(user_ids))
        if wanted:
            rows = await self._db.execute(
                select(t.users.c.id, t.users.c.full_name).where(t.users.c.id.in_(wanted))
            )
            found.update({f"user:{row.id}": row.full_name for row in rows})
        for key, table, value in (("group", t.groups, group_id), ("case_type", t.case_types, case_type_id)):
            if value is not None:
                name = (await self._db.execute(select(table.c.name).where(table.c.id == value))).scalar()
                if name is not None:
                    found[key] = str(name)
        return found

    async def _cases(self, call_ids: Sequence[str]) -> dict[str, tuple[CaseRef, ...]]:
        if not call_ids:
            return {}
        k = cases.c
        statement = (
            select(
                call_cases.c.call_id,
                k.id,
                k.name,
                k.status,
                k.source,
                t.case_types.c.name.label("type_name"),
                applicants.c.last_name,
                applicants.c.first_name,
                applicants.c.patronymic,
            )
            .join(cases, cases.c.id == call_cases.c.case_id)
            .outerjoin(t.case_types, t.case_types.c.id == k.type_id)
            .outerjoin(applicants, applicants.c.id == k.applicant_id)
            .where(call_cases.c.call_id.in_(call_ids))
            .order_by(call_cases.c.call_id, k.id)
        )
        found: dict[str, list[CaseRef]] = {}
        for row in (await self._db.execute(statement)).all():
            applicant = " ".join(p for p in (row.last_name, row.first_name, row.patronymic) if p)
            found.setdefault(row.call_id, []).append(
                CaseRef(row.id, row.name, row.type_name or "", row.status, row.source, applicant)
            )
        return {call_id: tuple(refs) for call_id, refs in found.items()}

    async def _user_names(self, parties: set[str]) -> dict[str, str]:
        ids = sorted(int(p) for p in parties if p.isdigit() and len(p) < 10)
        if not ids:
            return {}
        rows = await self._db.execute(select(t.users.c.id, t.users.c.full_name).where(t.users.c.id.in_(ids)))
        return {str(row.id): row.full_name for row in rows}

    async def active(self) -> list[CallRecord]:
        rows = (await self._db.execute(_journal().where(call_records.c.status == "active"))).all()
        legs = await self._legs([row.id for row in rows])
        # With their segments: closing them after a restart stores them again whole.
        return [
            replace(
                _journal_row(row, legs.get(row.id, ()), (), {}).record, segments=await self._segments(row.id)
            )
            for row in rows
        ]

    async def uncompressed_recordings(self, ended_before: datetime, limit: int) -> list[RecordingToCompress]:
        statement = (
            select(call_records.c.id, call_records.c.recording_path, call_records.c.group_id)
            .where(
                call_records.c.recording_path.is_not(None),
                call_records.c.status != "active",
                call_records.c.ended_at < ended_before,
                ~exists().where(recording_files.c.call_id == call_records.c.id),
            )
            .order_by(call_records.c.ended_at)
            .limit(limit)
        )
        return [
            RecordingToCompress(row.id, row.recording_path, row.group_id)
            for row in await self._db.execute(statement)
        ]

    async def stored_recording(self, call_id: str) -> StoredRecording | None:
        row = (
            await self._db.execute(select(recording_files).where(recording_files.c.call_id == call_id))
        ).first()
        return None if row is None else _stored_recording(row)

    async def store_recording(self, stored: StoredRecording) -> None:
        await self._db.execute(delete(recording_files).where(recording_files.c.call_id == stored.call_id))
        await self._db.execute(insert(recording_files).values(**asdict(stored)))

    async def expired_recordings(
        self, group_cutoffs: Mapping[int, datetime], default_cutoff: datetime, limit: int
    ) -> list[StoredRecording]:
        files = recording_files.c
        others = or_(files.group_id.is_(None), files.group_id.not_in(list(group_cutoffs)))
        due = or_(
            *(and_(files.group_id == group, files.stored_at < cut) for group, cut in group_cutoffs.items()),
            and_(others, files.stored_at < default_cutoff),
        )
        statement = (
            select(recording_files)
            .where(files.deleted_at.is_(None), due)
            .order_by(files.stored_at)
            .limit(limit)
        )
        return [_stored_recording(row) for row in await self._db.execute(statement)]

    async def group_retention_days(self) -> dict[int, int]:
        days = t.groups.c.recording_retention_days
        statement = select(t.groups.c.id, days).where(days.is_not(None))
        return {row.id: row.recording_retention_days for row in await self._db.execute(statement)}

    async def recording_deleted(self, call_id: str, at: datetime, reason: str) -> None:
        await self._db.execute(
            update(recording_files)
            .where(recording_files.c.call_id == call_id)
            .values(deleted_at=at, deleted_reason=reason)
        )

    async def _segments(self, call_id: str) -> tuple[RecordingSegment, ...]:
        """The conversations in the call's recording, in the file's order (read for one call)."""
        segments = call_recording_segments
        rows = await self._db.execute(
            select(segments).where(segments.c.call_id == call_id).order_by(segments.c.position)
        )
        return tuple(
            RecordingSegment(
                tuple(row.legs.split()),
                row.started_at,
                row.ended_at,
                offset_s=row.offset_s,
                duration_s=row.duration_s,
                mixed=row.mixed,
            )
            for row in rows
        )

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


def _latest_versions(records: Sequence[CallRecord]) -> dict[str, CallRecord]:
    """One record per call, its latest version; a wrap-up an earlier version brought is kept when the
    latest brings none (as the upsert keeps a stored one)."""
    latest: dict[str, CallRecord] = {}
    for record in records:
        earlier = latest.pop(record.id, None)
        if earlier is not None and not record.wrap_up_s > 0 and earlier.wrap_up_s > 0:
            record = replace(record, wrap_up_s=earlier.wrap_up_s)
        latest[record.id] = record
    return latest


@cache
def _record_save(dialect_name: str) -> Executable:
    """The records' upsert, built once per dialect (persistence/upsert.py says why). A wrap-up stored
    when the operator's ended stays when the call flow writes the record again."""
    statement = dialect_insert(dialect_name, call_records)
    kept = {
        **{name: statement.excluded[name] for name in (*_RECORD_FIELDS, "local_day", "local_minute")},
        "wrap_up_s": case(
            (statement.excluded.wrap_up_s > 0, statement.excluded.wrap_up_s),
            else_=call_records.c.wrap_up_s,
        ),
    }
    return statement.on_conflict_do_update(index_elements=[call_records.c.id], set_=kept)


def _segment_values(segment: RecordingSegment) -> dict[str, Any]:
    return {
        "legs": " ".join(segment.legs),
        "started_at": segment.started_at,
        "ended_at": segment.ended_at,
        "offset_s": segment.offset_s,
        "duration_s": segment.duration_s,
        "mixed": segment.mixed,
    }


def _leg_values(leg: CallLegRecord) -> dict[str, Any]:
    return {name: getattr(leg, name) for name in _LEG_FIELDS}


def _journal(records: FromClause = call_records) -> Select[Any]:
    """Records (from `records`: the table, or some rows of it joined to it) with the names of what they
    refer to; a deleted line, queue or account leaves None."""
    c = call_records.c
    return (
        select(
            call_records,
            t.lines.c.name.label("line_name"),
            t.queues.c.name.label("queue_name"),
            t.groups.c.name.label("group_name"),
            t.users.c.full_name.label("operator_name"),
            t.case_types.c.name.label("case_type_name"),
        )
        .select_from(records)
        .outerjoin(t.lines, t.lines.c.number == c.line_number)
        .outerjoin(t.queues, t.queues.c.id == c.queue_id)
        .outerjoin(t.groups, t.groups.c.id == c.group_id)
        .outerjoin(t.users, t.users.c.id == c.operator_id)
        .outerjoin(t.case_types, t.case_types.c.id == c.case_type_id)
    )


class Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON)` of a query on PostgreSQL: its plan with the planner's row estimates."""

    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


def _users_of(legs: Iterable[CallLegRecord]) -> set[str]:
    """The parties that are our users, by their legs (never by a number's shape)."""
    return {str(leg.user_id) for leg in legs if leg.user_id is not None}


def _journal_row(
    row: Row[Any], legs: tuple[CallLegRecord, ...], cases: tuple[CaseRef, ...], names: dict[str, str]
) -> JournalRow:
    record = CallRecord(id=row.id, legs=legs, **{name: getattr(row, name) for name in _RECORD_FIELDS})
    talked = [leg.party for leg in legs if leg.role in OWN_LEG_ROLES and leg.user_id is not None]
    if record.operator_id is not None:
        talked.insert(0, str(record.operator_id))
    participants = tuple(names[p] for p in dict.fromkeys(talked) if p in names)
    return JournalRow(
        cases=cases,
        participants=participants,
        record=record,
        line_name=row.line_name,
        queue_name=row.queue_name,
        group_name=row.group_name,
        operator_name=row.operator_name,
        case_type_name=row.case_type_name,
    )


def _page_keys(
    query: CallQuery, *, in_order: bool, from_links: bool = False, walk_named: bool = False
) -> Select[Any]:
    """The ids and start times of one page (and one more row: whether another page follows), newest
    first. Within a scope (a senior's groups, an operator's own calls: an OR no single index reads in
    order) each branch of the scope is paged on its own, from its own index in order, and the branches'
    pages merged: the page is among the first rows of the branches together. `from_links`: the page is
    read from the links to the matching cases instead (`_linked_page`; `walk_named`: see there)."""
    wanted = query.filter
    c = call_records.c
    newest_first = (c.started_at.desc(), c.id.desc())
    rows = wanted.limit + 1 + (0 if wanted.after is not None else wanted.offset)
    # The matching cases' calls, found once for all the branches (SQLite reads each branch's walk apart).
    case_calls = _case_calls(wanted) if in_order and not from_links else None
    scope = query.scope
    if from_links:
        keys = _linked_page(query, walk_named=walk_named)
    elif scope.everything:
        filters = _filters(query, in_order=in_order, case_calls=case_calls)
        keys = select(c.id, c.started_at).where(*filters).order_by(*newest_first)
    else:
        filters = _filters(query, in_order=in_order, case_calls=case_calls)
        pages = [
            select(c.id, c.started_at).where(branch, *filters).order_by(*newest_first).limit(rows).subquery()
            for branch in _scope_branches(scope, legs=False) or [false()]
        ]
        if scope.user_id is not None:
            branch = _took_part_page(scope.user_id, query, in_order=in_order, case_calls=case_calls)
            pages.append(branch.limit(rows).subquery())
        merged = union(*(select(page.c.id, page.c.started_at) for page in pages)).subquery()
        keys = select(merged.c.id, merged.c.started_at).order_by(
            merged.c.started_at.desc(), merged.c.id.desc()
        )
    if wanted.after is None:
        keys = keys.offset(wanted.offset)
    return keys.limit(wanted.limit + 1)


def _scope_branches(scope: JournalScope, *, legs: bool = True) -> list[Any] | None:
    """The scope as conditions whose union is its calls, each readable from one index; None for every
    call, a single false one for a scope of nothing (a senior without groups). `legs`: with the calls
    the user took part in (the page reads those apart: _took_part_page)."""
    if scope.everything:
        return None
    c = call_records.c
    branches: list[Any] = [c.group_id == group_id for group_id in sorted(scope.group_ids or ())]
    if scope.user_id is not None:
        branches.append(c.operator_id == scope.user_id)
        if legs:
            branches.append(_took_part(scope.user_id))
    return branches or ([false()] if legs else [])


def _own_legs(legs: FromClause, user_id: int) -> list[Any]:
    """The user's legs as operator or consultant (an outside number through a trunk is nobody's)."""
    return [
        legs.c.party == str(user_id),
        legs.c.role.in_(sorted(OWN_LEG_ROLES)),
        legs.c.kind != "trunk",
    ]


def _took_part(user_id: int) -> Any:
    """Calls the user talked on as operator or consultant: found from their legs (by the index on the
    party), not by testing every call for one."""
    return call_records.c.id.in_(select(call_legs.c.call_id).where(*_own_legs(call_legs, user_id)))


def _took_part_page(
    user_id: int, query: CallQuery, *, in_order: bool, case_calls: PageCases | None = None
) -> Select[Any]:
    """The calls the user took part in, newest first. Read from their legs in the calls' order (the
    index on the party and the call's start the legs carry) and stopped after the page: fetching every
    call of an operator's legs and sorting them took 0.5–0.9 s at 1,000,000 calls. The call's filters
    are tested on the leg's copies of its columns (migration 0061), in that index: looking each leg's
    call up cost a read per leg (an operator's 312,000 legs at 10,000,000 calls, 1–12 s where few
    matched). A call with several of the user's legs is one row (`DISTINCT`: its legs are next to each
    other in that order, so nothing is sorted). The case filters, where the page is not read from the
    cases' links (`links_first`: a name the index does not find), are tested on the leg's call id.

    An applicant's number finds its few calls from the indexes on the caller and the called: there
    the calls are found first and tested against the user's legs (walking every leg of the user to
    test each call for the number took seconds)."""
    c, legs = call_records.c, call_legs.c
    wanted = query.filter
    if wanted.applicant_phone is not None:
        filters = _filters(query, in_order=in_order, case_calls=case_calls)
        theirs = select(legs.call_id).where(legs.call_id == c.id, *_own_legs(call_legs, user_id)).exists()
        return select(c.id, c.started_at).where(theirs, *filters).order_by(c.started_at.desc(), c.id.desc())
    filters = _call_filters(wanted, _copied(call_legs))
    case_conditions = _case_conditions(wanted)
    if case_conditions:
        filters.append(
            case_match(case_conditions, walk_in_order=in_order, call_id=legs.call_id, case_calls=case_calls)
        )
    if wanted.after is not None:
        after = wanted.after
        filters.append(tuple_(legs.call_started_at, legs.call_id) < tuple_(after.started_at, after.call_id))
    return (
        select(legs.call_id.label("id"), legs.call_started_at.label("started_at"))
        .distinct()
        .where(*_own_legs(call_legs, user_id), *filters)
        .order_by(legs.call_started_at.desc(), legs.call_id.desc())
    )


def links_first(wanted: CallFilter) -> bool:
    """Whether a page is read from the links to the matching cases (`_linked_page`): a case filter (the
    source, or a name the trigram index finds) without an applicant's number (whose few calls are
    found first)."""
    if wanted.applicant_phone is not None:
        return False
    if wanted.applicant_name is not None:
        return name_indexed(wanted.applicant_name)
    return wanted.source is not None


def _linked_page(query: CallQuery, *, walk_named: bool = False) -> Select[Any]:
    """The calls of the matching cases newest first, read from their links to the cases, which carry
    the call's start and filtered columns and the case's source (migration 0061): a source's links
    from the index on the source in the calls' order, the filters tested in it (stopped after the
    page); a name's cases (a few tens of thousands at 10,000,000 calls) found by the trigram index and
    tested on the links in the calls' order (`ix_call_cases_call_started_at_call_id`, migration 0062:
    stopped after the page) or by reading their links and sorting them, as the planner chooses;
    `walk_named` (PostgreSQL, a common name: NAMED_WALK_CASES) leaves it only the walk, the name's cases
    hashed once and tested on each link before the scope (`IS TRUE` keeps the planner from making the
    test a join). The scope is tested on the link too: the call's
    group and operator, and a leg of the user (looked up in the legs' index on the party and the call).
    Walking the calls in order and testing each for a matching case looked up a case per call (a
    name's 33,000 calls at 10,000,000: 0.6–1 s a page);
    a call in two matching cases is one row (`DISTINCT`)."""
    wanted, scope = query.filter, query.scope
    links = call_cases.c
    conditions = [links.call_started_at.is_not(None), *_call_filters(wanted, _copied(call_cases))]
    if wanted.source is not None:
        conditions.append(links.case_source == wanted.source)
    if wanted.applicant_name is not None:
        named = named_case_ids(wanted.applicant_name, links.case_id)
        conditions.append(named.is_(true()) if walk_named else named)
    if not scope.everything:
        visible: list[Any] = [links.call_group_id.in_(sorted(scope.group_ids))] if scope.group_ids else []
        if scope.user_id is not None:
            legs = call_legs.c
            # A probe of the legs' index per link, written as a scalar subquery: PostgreSQL turns an
            # `EXISTS` under `OR` into a hashed set of every leg of the user (312,000 for an operator at
            # 10,000,000 calls: 437 ms against 8 ms for an operator's source).
            own_leg = (
                select(literal(1))
                .where(
                    *_own_legs(call_legs, scope.user_id),
                    legs.call_started_at == links.call_started_at,
                    legs.call_id == links.call_id,
                )
                .limit(1)
                .scalar_subquery()
                == 1
            )
            visible += [links.call_operator_id == scope.user_id, own_leg]
        conditions.append(or_(*visible) if visible else false())
    if wanted.after is not None:
        after = wanted.after
        conditions.append(
            tuple_(links.call_started_at, links.call_id) < tuple_(after.started_at, after.call_id)
        )
    return (
        select(links.call_id.label("id"), links.call_started_at.label("started_at"))
        .distinct()
        .where(*conditions)
        .order_by(links.call_started_at.desc(), links.call_id.desc())
    )


def _record_column(name: str) -> Any:
    return call_records.c[name]


def _copied(table: FromClause) -> Callable[[str], Any]:
    """Where `table` (the legs, the links to cases) holds its call's column `name`: `call_<name>`."""
    return lambda name: table.c[f"call_{name}"]


def _call_filters(wanted: CallFilter, column: Callable[[str], Any] = _record_column) -> list[Any]:
    """The filters on the call's own columns (its period, line, operator, group, direction, status, call
    type) as conditions on `column(name)`: the record's, or a copy of them (`_copied`)."""
    conditions: list[Any] = []
    if wanted.since is not None:
        conditions.append(column("started_at") >= wanted.since)
    if wanted.until is not None:
        conditions.append(column("started_at") < wanted.until)
    for name in ("line_number", "operator_id", "group_id", "direction", "status", "case_type_id"):
        value = getattr(wanted, name)
        if value is not None:
            conditions.append(column(name) == value)
    return conditions


def _filters(
    query: CallQuery,
    *,
    in_order: bool,
    call_id: Any = call_records.c.id,
    case_calls: PageCases | None = None,
) -> list[Any]:
    """The query's filters without its scope (the case filters from `case_calls`: `case_match`); the
    keyset too (a page after `after`)."""
    wanted = query.filter
    filters = _conditions(
        replace(query, scope=JournalScope()), walk_in_order=in_order, call_id=call_id, case_calls=case_calls
    )
    if wanted.after is not None:
        c = call_records.c
        filters.append(tuple_(c.started_at, c.id) < tuple_(wanted.after.started_at, wanted.after.call_id))
    return filters


def _conditions(
    query: CallQuery,
    *,
    walk_in_order: bool = False,
    call_id: Any = call_records.c.id,
    case_calls: PageCases | None = None,
) -> list[Any]:
    """The query's scope and filters as conditions on call_records; the case filters on `call_id` (the
    record's id, or a leg's call id). `walk_in_order`, `case_calls` (a page's walk): see `case_match`."""
    wanted, scope = query.filter, query.scope
    c = call_records.c
    conditions: list[Any] = []
    branches = _scope_branches(scope)
    if branches is not None:
        conditions.append(or_(*branches))
    conditions += _call_filters(wanted)
    if wanted.applicant_phone is not None:
        conditions.append(or_(c.caller == wanted.applicant_phone, c.called == wanted.applicant_phone))
    case_conditions = _case_conditions(wanted)
    if case_conditions:
        conditions.append(
            case_match(case_conditions, walk_in_order=walk_in_order, call_id=call_id, case_calls=case_calls)
        )
    return conditions


def _case_conditions(wanted: CallFilter) -> list[Any]:
    """The filters on the calls' cases, as conditions on `cases`."""
    found: list[Any] = []
    if wanted.source is not None:
        found.append(cases.c.source == wanted.source)
    if wanted.applicant_name is not None:
        # On SQLite the name's cases are tested on the link's case id: `_linked` then reads no case row.
        found.append(applicant_name_match(wanted.applicant_name, call_cases.c.case_id))
    return found


def _linked(case_conditions: Sequence[Any]) -> Select[Any]:
    """The ids of the calls linked to a case meeting `case_conditions`. An outer join (every link has
    its case: the same rows), which SQLite leaves out where no condition reads the case's row (a name
    on SQLite: the trigram index's case ids against the links', 6.5 → 2 ms for 3,344 cases)."""
    return (
        select(call_cases.c.call_id)
        .outerjoin(cases, cases.c.id == call_cases.c.case_id)
        .where(*case_conditions)
    )


@dataclass(frozen=True)
class PageCases:
    """A page's matching cases, each made once for the whole statement (`MATERIALIZED`) however many
    branches of a scope test them (`case_match`): their calls, and (for conditions an index answers
    alone, the source) how many cases match, counted up to `DENSE_CASES`."""

    calls: FromClause
    counted: Any | None


def _case_calls(wanted: CallFilter) -> PageCases | None:
    case_conditions = _case_conditions(wanted)
    if not case_conditions:
        return None
    calls = _linked(case_conditions).cte("case_calls").prefix_with("MATERIALIZED")
    if wanted.applicant_name is not None:
        # A name's cases would be looked up one by one to be counted: its list is made as it stands.
        return PageCases(calls, None)
    some = select(literal(1)).select_from(cases).where(*case_conditions).limit(DENSE_CASES).subquery()
    counted = (
        select(func.count().label("cases")).select_from(some).cte("case_count").prefix_with("MATERIALIZED")
    )
    return PageCases(calls, select(counted.c.cases).scalar_subquery())


def case_match(
    case_conditions: Sequence[Any],
    *,
    walk_in_order: bool = False,
    call_id: Any = call_records.c.id,
    case_calls: PageCases | None = None,
) -> Any:
    """Calls linked to a case meeting `case_conditions`. The matching cases are found first (by the
    index on their source, or by the trigram index of the applicant's name: applicant_search.py) and
    their calls taken by id: a correlated test per scanned call walked the whole period for a rare source.

    `walk_in_order` (a page on SQLite): the call's id is tested against that list rather than looked up
    from it (`id || ''` keeps SQLite off the primary key), so the page is read from the sort key's
    index and stops after its last row, instead of fetching every listed call and sorting them all.
    Where no case matches, the walk would go through the whole index for nothing: an `EXISTS` ahead of
    the test (computed once) turns each row's test into a look at its answer (no match: 117 → 34 ms at
    1,000,000 calls).

    `case_calls` (a page's walk: `_case_calls`, the same table in each branch of a scope): the list is
    made once for the statement (`MATERIALIZED`), not once per branch. And a page wants few rows: the
    list costs its matching cases (a probe of the links per case: 33,000 cases of one source, 13 ms of
    CPU at 1,000,000 calls), a correlated test per call its walked calls (about 1 µs each, against
    0.15 µs for a look in the list). Where at least `DENSE_CASES` cases match, the page's rows are
    found within a short walk, so each walked call is tested for a matching case of its own (14 →
    2.5 ms for the source and a status); fewer, the list. The cases are counted up to that number once
    per statement, from the source's index alone (a name's cases would be looked up one by one: a name
    keeps the list), and `CASE` makes only the form it chose."""
    linked = _linked(case_conditions)
    if not walk_in_order:
        return call_id.in_(linked)
    if case_calls is None:
        return and_(linked.exists(), call_id.concat("").in_(linked))
    listed = select(case_calls.calls.c.call_id)
    in_list = and_(listed.exists(), call_id.concat("").in_(listed))
    if case_calls.counted is None:
        return in_list
    own = _linked(case_conditions).where(call_cases.c.call_id == call_id).exists()
    return case((case_calls.counted >= DENSE_CASES, own), else_=in_list)


def _stored_recording(row: Row[Any]) -> StoredRecording:
    return StoredRecording(
        call_id=row.call_id,
        path=row.path,
        codec=row.codec,
        bytes=row.bytes,
        wav_bytes=row.wav_bytes,
        sha256=row.sha256,
        group_id=row.group_id,
        stored_at=row.stored_at,
        deleted_at=row.deleted_at,
        deleted_reason=row.deleted_reason,
    )


class FileRecordings:
    """Recordings on this machine's disk. A relative path is taken under `root` (and may not climb out
    of it); an absolute one, as the media engine wrote it."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._compressor = Compressor()

    def locate(self, recording_path: str) -> str | None:
        given = Path(recording_path)
        path = (given if given.is_absolute() else self._root / given).resolve()
        if not given.is_absolute() and not path.is_relative_to(self._root):
            return None
        return str(path) if path.is_file() else None

    def compress(self, wav_path: str) -> CompressedRecording:
        return self._compressor.compress(Path(wav_path))

    def close(self) -> None:
        self._compressor.close()

    def digest(self, path: str) -> str | None:
        try:
            return sha256_of(Path(path))
        except FileNotFoundError:
            return None

    def remove(self, path: str) -> None:
        Path(path).unlink(missing_ok=True)

    def videos_beside(self, path: str) -> list[str]:
        given = Path(path)
        audio = given if given.is_absolute() else self._root / given
        return sorted(str(p) for p in audio.parent.glob(f"{glob.escape(audio.stem)}.*.webm"))

    def video_readable(self, path: str) -> bool:
        return video_readable(Path(path))


def _upsert_by_key(dialect: Dialect, table: Table, keys: tuple[str, ...]) -> Executable:
    """An upsert of whole rows: every column but the key overwritten."""
    return upsert(dialect, table, keys, tuple(c.name for c in table.c if c.name not in keys))
