"""User-defined reports in SQL: a definition (domain/reports.py) compiled into SQLAlchemy Core queries
that run alike on SQLite and PostgreSQL, and the saved reports.

How a definition becomes SQL:
- an inner query reads the dataset's rows of the period (UTC bounds of the local days), within the
  reader's groups, each row with its dimension values and the inputs of the measures, narrowed by the
  time-of-day window, weekdays and the multi-selects;
- local time is the row's UTC epoch second plus the zone's offset at that moment (a CASE over the offset
  changes of the period, `offset_spans`), so day, hour, weekday, week, month and shift are integer
  arithmetic that both databases do the same way;
- the outer query groups the inner one by its dimension columns and aggregates; each percentile
  (median, 90th) is one more query over the same inner rows, ranking values per cell with window
  functions (nearest rank: the value at rank ⌈p·n/100⌉), merged with the rest by the cell's keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    cast,
    delete,
    distinct,
    extract,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Subquery

from c122.domain.reports import (
    DIMENSIONS,
    MAX_GROUPS,
    MEASURES,
    WEEKDAY_NAMES,
    Figure,
    Key,
    ReportDefinition,
    ReportResult,
    ReportRow,
    local_midnight,
    offset_spans,
    ratio,
)
from c122.domain.shifts import Shift
from c122.persistence.tables.accounts import users
from c122.persistence.tables.calls import call_records as calls
from c122.persistence.tables.cases import cases
from c122.persistence.tables.organisation import case_types, groups, queues
from c122.persistence.tables.reports import saved_reports
from c122.services.reports.ports import DrillRow, ReportScope, SavedReport, SavedReportDraft

DAY = 86_400
EPOCH = date(1970, 1, 1)

DIRECTION_NAMES = {"inbound": "входящий", "outbound": "исходящий", "internal": "внутренний"}
CALL_STATUS_NAMES = {
    "answered": "принятый",
    "missed": "пропущенный",
    "failed": "несостоявшийся",
    "active": "идёт",
}
CHANNEL_NAMES = {
    "pstn": "ТфОП-звонок",
    "mobile_app": "мобильное приложение",
    "web": "веб-интерфейс",
    "sms": "SMS",
    "messenger": "мессенджер",
}


def _months(first: date, last: date) -> list[date]:
    months = [first.replace(day=1)]
    while months[-1] < last.replace(day=1):
        current = months[-1]
        months.append(current.replace(year=current.year + current.month // 12, month=current.month % 12 + 1))
    return months


@dataclass(frozen=True)
class _Plan:
    """One definition, compiled for one dialect."""

    definition: ReportDefinition
    inner: Subquery
    dimensions: tuple[str, ...]
    months: list[date]
    shifts: dict[int, Shift]


class ReportCompiler:
    def __init__(self, dialect: str, zone: ZoneInfo, shifts: Sequence[Shift]) -> None:
        self._dialect = dialect
        self._zone = zone
        self._shifts = {s.id: s for s in shifts}

    def _epoch(self, column: Any) -> ColumnElement[int]:
        """Whole UTC seconds since 1970 (SQLite keeps UTC text, PostgreSQL timestamptz)."""
        if self._dialect == "sqlite":
            return cast(func.strftime("%s", column), Integer)
        return cast(func.floor(extract("epoch", column)), BigInteger)

    def _local(self, epoch: ColumnElement[int], start: datetime, end: datetime) -> ColumnElement[int]:
        """Local wall-clock seconds since 1970: the epoch second plus the zone's offset at that second."""
        spans = offset_spans(self._zone, start, end)
        if len(spans) == 1:
            return epoch + spans[0][1]
        whens = [(epoch < spans[i + 1][0], spans[i][1]) for i in range(len(spans) - 1)]
        return epoch + case(*whens, else_=spans[-1][1])

    def _time_dimension(self, key: str, local: ColumnElement[int], months: list[date]) -> ColumnElement[Any]:
        day = local // DAY
        if key == "day":
            return day
        if key == "week":  # weeks since the Monday 1970-01-05, counted from 1970-01-01 as -3 days
            return (day + 3) // 7
        if key == "hour":
            return (local % DAY) // 3600
        if key == "weekday":  # 1970-01-01 was a Thursday: 0 is Monday
            return (day + 3) % 7
        if key == "month":
            bounds = [(m - EPOCH).days * DAY for m in months]
            if len(bounds) == 1:
                return literal(0, Integer)
            return case(*[(local < bounds[i + 1], i) for i in range(len(bounds) - 1)], else_=len(bounds) - 1)
        assert key == "shift"
        minute = (local % DAY) // 60
        whens = []
        for shift in self._shifts.values():
            start, end = shift.start.hour * 60 + shift.start.minute, shift.end.hour * 60 + shift.end.minute
            inside = (
                or_(minute >= start, minute < end) if end <= start else and_(minute >= start, minute < end)
            )
            whens.append((inside, shift.id))
        return case(*whens, else_=null()) if whens else cast(null(), Integer)

    def plan(self, definition: ReportDefinition, scope: ReportScope) -> _Plan:
        start = local_midnight(definition.date_from, self._zone)
        end = local_midnight(definition.date_to + timedelta(days=1), self._zone)
        months = _months(definition.date_from, definition.date_to)
        if definition.dataset == "calls":
            table, moment = calls, calls.c.started_at
            columns: dict[str, ColumnElement[Any]] = {
                "operator": calls.c.operator_id,
                "group": calls.c.group_id,
                "queue": calls.c.queue_id,
                "case_type": calls.c.case_type_id,
                "line": calls.c.line_number,
                "direction": calls.c.direction,
                "call_status": calls.c.status,
            }
            offered = and_(calls.c.direction == "inbound", calls.c.queued_at.is_not(None))
            inputs: list[ColumnElement[Any]] = [
                case((offered, 1), else_=0).label("is_offered"),
                case((and_(offered, calls.c.status == "answered"), 1), else_=0).label("is_answered"),
                case((and_(offered, calls.c.status == "missed"), 1), else_=0).label("is_abandoned"),
                case((calls.c.direction == "outbound", 1), else_=0).label("is_outbound"),
                calls.c.wait_s.label("wait_s"),
                calls.c.talk_s.label("talk_s"),
                calls.c.hold_s.label("hold_s"),
                calls.c.wrap_up_s.label("wrap_up_s"),
                (calls.c.talk_s + calls.c.hold_s + calls.c.wrap_up_s).label("handle_s"),
                case((calls.c.direction == "inbound", calls.c.caller), else_=null()).label("applicant"),
                calls.c.id.label("row_id"),
            ]
        else:
            table, moment = cases, cases.c.created_at
            columns = {
                "operator": cases.c.operator_id,
                "group": cases.c.group_id,
                "case_type": cases.c.type_id,
                "case_status": cases.c.status,
                "channel": cases.c.source,
            }
            inputs = [
                cases.c.applicant_id.label("applicant"),
                case((cases.c.missed.is_(True), 1), else_=0).label("is_missed"),
                cases.c.id.label("row_id"),
            ]
        local = self._local(self._epoch(moment), start, end)
        for key in ("day", "week", "month", "hour", "weekday", "shift"):
            columns[key] = self._time_dimension(key, local, months)
        where: list[ColumnElement[bool]] = [moment >= start, moment < end]
        if scope.group_ids is not None:
            where.append(table.c.group_id.in_(sorted(scope.group_ids)) if scope.group_ids else false())
        window = definition.window_minutes
        if window is not None:
            minute = (local % DAY) // 60
            low, high = window
            where.append(
                or_(minute >= low, minute < high) if high < low else and_(minute >= low, minute < high)
            )
        if definition.weekdays:
            where.append(columns["weekday"].in_(sorted(set(definition.weekdays))))
        for key, values in sorted(definition.selections.items()):
            where.append(columns[key].in_(list(values)))
        labelled = [columns[key].label(f"d{i}") for i, key in enumerate(definition.dimensions)]
        inner = select(*labelled, *inputs).select_from(table).where(*where).subquery("report_rows")
        return _Plan(definition, inner, definition.dimensions, months, self._shifts)


def _aggregates(plan: _Plan) -> list[ColumnElement[Any]]:
    r = plan.inner.c
    d = plan.definition
    if d.dataset == "cases":
        return [
            func.count().label("cases"),
            func.count(distinct(r.applicant)).label("unique_applicants"),
            func.coalesce(func.sum(r.is_missed), 0).label("cases_missed"),
        ]

    def total(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def mean(flag: Any, value: Any) -> ColumnElement[Any]:
        return func.avg(case((flag == 1, value), else_=null()))

    every = [
        func.count().label("calls"),
        total(r.is_offered == 1).label("offered"),
        total(r.is_answered == 1).label("answered"),
        total(r.is_abandoned == 1).label("abandoned"),
        total(and_(r.is_abandoned == 1, r.wait_s < d.short_abandon_s)).label("short_abandons"),
        total(and_(r.is_answered == 1, r.wait_s <= d.service_level_s)).label("answered_within_t"),
        total(r.is_outbound == 1).label("outbound"),
        mean(r.is_offered, r.wait_s).label("wait_avg"),
        mean(r.is_answered, r.talk_s).label("talk_avg"),
        mean(r.is_answered, r.hold_s).label("hold_avg"),
        mean(r.is_answered, r.wrap_up_s).label("wrap_up_avg"),
        mean(r.is_answered, r.handle_s).label("handle_avg"),
        func.count(distinct(r.applicant)).label("unique_applicants"),
    ]
    # Only what the report shows, and what its ratios are made of: a distinct count costs a sort.
    wanted = set(d.measures)
    for ratio_key, parts in _RATIO_PARTS.items():
        if ratio_key in wanted:
            wanted |= parts
    chosen: list[ColumnElement[Any]] = [column for column in every if column.name in wanted]
    return chosen or [func.count().label("calls")]


_RATIO_PARTS = {
    "service_level": {"answered_within_t", "offered", "short_abandons"},
    "abandon_rate": {"abandoned", "offered", "short_abandons"},
}


_PERCENTILE_INPUTS = {
    "wait": ("is_offered", "wait_s"),
    "talk": ("is_answered", "talk_s"),
    "handle": ("is_answered", "handle_s"),
}


def _percentile(plan: _Plan, key: str) -> Select[Any]:
    measure = MEASURES[key]
    assert measure.percentile is not None
    flag, value = _PERCENTILE_INPUTS[key.rsplit("_", 1)[0]]
    r = plan.inner.c
    cells = [r[f"d{i}"] for i in range(len(plan.dimensions))]
    ranked = (
        select(
            *cells,
            r[value].label("value"),
            func.row_number().over(partition_by=cells or None, order_by=r[value]).label("rank"),
            func.count().over(partition_by=cells or None).label("n"),
        )
        .where(r[flag] == 1)
        .subquery("ranked")
    )
    wanted = (ranked.c.n * measure.percentile + 99) // 100
    return select(*[ranked.c[f"d{i}"] for i in range(len(cells))], ranked.c.value).where(
        ranked.c.rank == wanted
    )


def _number(value: Any) -> Figure:
    if value is None:
        return None
    return float(value) if not isinstance(value, int) else value


class SqlReportRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    def _compiler(self, zone: ZoneInfo, shifts: list[Shift]) -> ReportCompiler:
        return ReportCompiler(self._db.dialect.name, zone, shifts)

    async def run(
        self, definition: ReportDefinition, scope: ReportScope, zone: ZoneInfo, shifts: list[Shift]
    ) -> ReportResult:
        plan = self._compiler(zone, shifts).plan(definition, scope)
        dims = [plan.inner.c[f"d{i}"] for i in range(len(plan.dimensions))]
        query = select(*dims, *_aggregates(plan)).group_by(*dims).limit(MAX_GROUPS + 1)
        rows = (await self._db.execute(query)).mappings().all()
        truncated = len(rows) > MAX_GROUPS
        cells: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in rows[:MAX_GROUPS]:
            cells[tuple(row[f"d{i}"] for i in range(len(dims)))] = dict(row)
        for key in definition.measures:
            if MEASURES[key].percentile is not None:
                for found in (await self._db.execute(_percentile(plan, key))).all():
                    cell = cells.get(tuple(found[: len(dims)]))
                    if cell is not None:
                        cell[key] = found[-1]
        labels = await self._labels(plan, cells.keys())
        result: list[ReportRow] = []
        for raw, cell in cells.items():
            cell["service_level"] = ratio(
                cell.get("answered_within_t", 0), cell.get("offered", 0) - cell.get("short_abandons", 0)
            )
            cell["abandon_rate"] = ratio(
                cell.get("abandoned", 0) - cell.get("short_abandons", 0),
                cell.get("offered", 0) - cell.get("short_abandons", 0),
            )
            figures = tuple(_number(cell.get(key)) for key in definition.measures)
            if not all(f.keeps(figures[definition.measures.index(f.measure)]) for f in definition.having):
                continue
            keys = tuple(_key(plan, i, value) for i, value in enumerate(raw))
            result.append(
                ReportRow(
                    keys,
                    tuple(
                        labels[i].get(v, _label(plan, i, k))
                        for i, (v, k) in enumerate(zip(raw, keys, strict=True))
                    ),
                    figures,
                )
            )
        result.sort(key=lambda row: tuple((k is None, k if k is not None else 0) for k in row.keys))
        return ReportResult(definition, tuple(result), truncated, zone.key)

    async def _labels(self, plan: _Plan, raws: Any) -> list[dict[Any, str]]:
        """Names of the ids among the keys: operators, groups, queues, case types."""
        tables = {
            "operator": (users.c.id, users.c.full_name),
            "group": (groups.c.id, groups.c.name),
            "queue": (queues.c.id, queues.c.name),
            "case_type": (case_types.c.id, case_types.c.name),
        }
        keys = list(raws)
        found: list[dict[Any, str]] = []
        for index, dimension in enumerate(plan.dimensions):
            names: dict[Any, str] = {}
            if dimension in tables:
                ids = sorted({k[index] for k in keys if k[index] is not None})
                id_column, name_column = tables[dimension]
                for chunk in range(0, len(ids), 500):
                    part = ids[chunk : chunk + 500]
                    rows = await self._db.execute(select(id_column, name_column).where(id_column.in_(part)))
                    names.update({row[0]: row[1] for row in rows})
            found.append(names)
        return found

    async def drill(
        self,
        definition: ReportDefinition,
        scope: ReportScope,
        zone: ZoneInfo,
        shifts: list[Shift],
        keys: tuple[Key, ...],
        limit: int,
    ) -> tuple[list[DrillRow], int]:
        plan = self._compiler(zone, shifts).plan(definition, scope)
        r = plan.inner.c
        conditions = []
        for index, key in enumerate(keys):
            column = r[f"d{index}"]
            raw = _raw(plan, index, key)
            conditions.append(column.is_(None) if raw is None else column == raw)
        ids = select(r.row_id).where(*conditions)
        count = int((await self._db.execute(select(func.count()).select_from(ids.subquery()))).scalar_one())
        if definition.dataset == "calls":
            query = (
                select(
                    calls.c.id,
                    calls.c.started_at,
                    calls.c.caller,
                    calls.c.status,
                    calls.c.wait_s,
                    calls.c.talk_s,
                    users.c.full_name,
                    groups.c.name,
                )
                .select_from(
                    calls.outerjoin(users, users.c.id == calls.c.operator_id).outerjoin(
                        groups, groups.c.id == calls.c.group_id
                    )
                )
                .where(calls.c.id.in_(ids))
                .order_by(calls.c.started_at.desc(), calls.c.id)
                .limit(limit)
            )
            return [
                DrillRow(
                    id=row[0],
                    at=row[1],
                    kind="calls",
                    title=row[2],
                    status=row[3],
                    operator=row[6] or "",
                    group=row[7] or "",
                    figures={"wait_s": row[4], "talk_s": row[5]},
                )
                for row in await self._db.execute(query)
            ], count
        query = (
            select(
                cases.c.id, cases.c.created_at, cases.c.name, cases.c.status, users.c.full_name, groups.c.name
            )
            .select_from(
                cases.outerjoin(users, users.c.id == cases.c.operator_id).outerjoin(
                    groups, groups.c.id == cases.c.group_id
                )
            )
            .where(cases.c.id.in_(ids))
            .order_by(cases.c.created_at.desc(), cases.c.id)
            .limit(limit)
        )
        return [
            DrillRow(
                id=str(row[0]),
                at=row[1],
                kind="cases",
                title=row[2],
                status=row[3],
                operator=row[4] or "",
                group=row[5] or "",
                figures={},
            )
            for row in await self._db.execute(query)
        ], count

    # --- saved reports ----------------------------------------------------------------------------

    def _saved_query(self) -> Select[Any]:
        return select(*saved_reports.c, users.c.full_name.label("owner_name")).select_from(
            saved_reports.join(users, users.c.id == saved_reports.c.owner_id)
        )

    async def saved(self) -> list[SavedReport]:
        rows = await self._db.execute(self._saved_query().order_by(saved_reports.c.name, saved_reports.c.id))
        return [_saved(row) for row in rows.mappings()]

    async def get_saved(self, report_id: int) -> SavedReport | None:
        row = (
            (await self._db.execute(self._saved_query().where(saved_reports.c.id == report_id)))
            .mappings()
            .first()
        )
        return _saved(row) if row is not None else None

    async def add_saved(self, owner_id: int, draft: SavedReportDraft, at: datetime) -> int:
        result = await self._db.execute(
            insert(saved_reports)
            .values(owner_id=owner_id, created_at=at, **_values(draft, at))
            .returning(saved_reports.c.id)
        )
        return int(result.scalar_one())

    async def update_saved(self, report_id: int, draft: SavedReportDraft, at: datetime) -> None:
        await self._db.execute(
            update(saved_reports).where(saved_reports.c.id == report_id).values(**_values(draft, at))
        )

    async def delete_saved(self, report_id: int) -> None:
        await self._db.execute(delete(saved_reports).where(saved_reports.c.id == report_id))

    async def existing_groups(self, group_ids: tuple[int, ...]) -> set[int]:
        if not group_ids:
            return set()
        rows = await self._db.execute(select(groups.c.id).where(groups.c.id.in_(list(group_ids))))
        return {int(row[0]) for row in rows}


def _values(draft: SavedReportDraft, at: datetime) -> dict[str, Any]:
    return {
        "name": draft.name,
        "definition": dict(draft.definition),
        "view": dict(draft.view),
        "shared_roles": list(draft.shared_roles),
        "shared_group_ids": list(draft.shared_group_ids),
        "updated_at": at,
    }


def _saved(row: Mapping[str, Any]) -> SavedReport:
    return SavedReport(
        id=row["id"],
        owner_id=row["owner_id"],
        owner_name=row["owner_name"],
        name=row["name"],
        definition=row["definition"],
        view=row["view"],
        shared_roles=tuple(row["shared_roles"]),
        shared_group_ids=tuple(int(g) for g in row["shared_group_ids"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _key(plan: _Plan, index: int, raw: Any) -> Key:
    """A dimension's value as results show it: days and weeks as ISO dates, months as YYYY-MM."""
    if raw is None:
        return None
    dimension = plan.dimensions[index]
    if dimension == "day":
        return (EPOCH + timedelta(days=int(raw))).isoformat()
    if dimension == "week":
        return (EPOCH + timedelta(days=int(raw) * 7 - 3)).isoformat()
    if dimension == "month":
        return plan.months[int(raw)].strftime("%Y-%m")
    return int(raw) if DIMENSIONS[dimension].values != "text" else str(raw)


def _raw(plan: _Plan, index: int, key: Key) -> Any:
    """The inverse of `_key`: a cell's key as the inner query computes it."""
    if key is None:
        return None
    dimension = plan.dimensions[index]
    if dimension in ("day", "week"):
        days = (date.fromisoformat(str(key)) - EPOCH).days
        return days if dimension == "day" else (days + 3) // 7
    if dimension == "month":
        wanted = str(key)
        return next((i for i, m in enumerate(plan.months) if m.strftime("%Y-%m") == wanted), -1)
    return key


def _label(plan: _Plan, index: int, key: Key) -> str:
    if key is None:
        return "—"
    dimension = plan.dimensions[index]
    if dimension == "day":
        return date.fromisoformat(str(key)).strftime("%d.%m.%Y")
    if dimension == "week":
        return "неделя с " + date.fromisoformat(str(key)).strftime("%d.%m.%Y")
    if dimension == "month":
        year, month = str(key).split("-")
        return f"{month}.{year}"
    if dimension == "hour":
        return f"{int(key):02d}:00"
    if dimension == "weekday":
        return WEEKDAY_NAMES[int(key)]
    if dimension == "shift":
        shift = plan.shifts.get(int(key))
        return shift.name if shift is not None else str(key)
    names = {"direction": DIRECTION_NAMES, "call_status": CALL_STATUS_NAMES, "channel": CHANNEL_NAMES}
    return names.get(dimension, {}).get(str(key), str(key))
