"""User-defined reports in SQL: a definition (domain/reports.py) compiled into SQLAlchemy Core queries
that run alike on SQLite and PostgreSQL, and the saved reports.

How a definition becomes SQL:
- an inner query reads the dataset's rows of the period, within the reader's groups, each row with its
  dimension values and the inputs of the measures, narrowed by the time-of-day window, weekdays and the
  multi-selects;
- a call record carries its hotline day and minute of the day (`local_day`, `local_minute`, written with
  the record in the hotline's zone): the period is a range of `local_day` (indexed with the group), and
  day, hour, weekday, week, month and shift are integer arithmetic on those two columns;
- a case's local time is its UTC epoch second plus the zone's offset at that moment (a CASE over the
  offset changes of the period, `offset_spans`), then the same arithmetic; both databases do it alike;
- the outer query groups the inner one by its dimension columns and aggregates; each percentile
  (median, 90th) is one more query over the same inner rows, ranking values per cell with window
  functions (nearest rank: the value at rank ⌈p·n/100⌉), merged with the rest by the cell's keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
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
from sqlalchemy.sql.expression import FromClause, Subquery

from c122.domain.report_schedules import ScheduleStatus, status_from_json, status_to_json
from c122.domain.reports import (
    DIMENSIONS,
    DRILLS_TO,
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
from c122.domain.users import Actor, Role
from c122.persistence import call_rollup
from c122.persistence.tables.accounts import user_groups, users
from c122.persistence.tables.calls import call_intervals, call_legs
from c122.persistence.tables.calls import call_records as calls
from c122.persistence.tables.cases import cases
from c122.persistence.tables.contact_center import operator_state_log, queue_log
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
STATE_NAMES = {
    "offline": "не в системе",
    "ready": "на дежурстве",
    "offered": "вызов",
    "on_call": "разговор",
    "wrap_up": "поствызывная обработка",
    "on_break": "перерыв",
    "away": "нет на месте",
    "blocked": "заблокирован",
}
BREAK_REASON_NAMES = {
    "break": "перерыв",
    "lunch": "обед",
    "training": "обучение",
    "not_ready": "не готов",
    "no_answer": "не отвечает на вызовы",
}
EVENT_NAMES = {
    "enter": "постановка в очередь",
    "offer": "предложение оператору",
    "ring_no_answer": "оператор не ответил",
    "reject": "оператор отклонил",
    "offer_withdrawn": "предложение отозвано",
    "connect": "соединение",
    "complete_caller": "завершил заявитель",
    "complete_operator": "завершил оператор",
    "abandon": "заявитель положил трубку",
    "exit_timeout": "истекло время ожидания",
    "exit_empty": "нет операторов",
    "exit_full": "очередь заполнена",
    "exit_removed": "снят старшим",
    "exit_gone": "звонок завершён",
    "transfer": "перевод",
    "move": "перенос в другую очередь",
    "callback_created": "заказан обратный звонок",
    "callback_closed": "обратный звонок закрыт",
}
LEG_ROLE_NAMES = {
    "caller": "заявитель",
    "operator": "оператор",
    "consultant": "консультант",
    "supervisor": "старший",
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
    intervals: bool
    """Read from the calls summed per interval (call_intervals), not from the records."""


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

    def _local(self, epoch: ColumnElement[Any], start: datetime, end: datetime) -> ColumnElement[Any]:
        """Local wall-clock seconds since 1970: the epoch second plus the zone's offset at that second."""
        spans = offset_spans(self._zone, start, end)
        if len(spans) == 1:
            return epoch + spans[0][1]
        whens = [(epoch < spans[i + 1][0], spans[i][1]) for i in range(len(spans) - 1)]
        return epoch + case(*whens, else_=spans[-1][1])

    def _time_dimension(
        self, key: str, day: ColumnElement[int], minute: ColumnElement[int], months: list[date]
    ) -> ColumnElement[Any]:
        """`day`: hotline days since 1970-01-01; `minute`: the minute of that day."""
        if key == "day":
            return day
        if key == "week":  # weeks since the Monday 1970-01-05, counted from 1970-01-01 as -3 days
            return (day + 3) // 7
        if key == "hour":
            return minute // 60
        if key == "weekday":  # 1970-01-01 was a Thursday: 0 is Monday
            return (day + 3) % 7
        if key == "month":
            bounds = [(m - EPOCH).days for m in months]
            if len(bounds) == 1:
                return literal(0, Integer)
            return case(*[(day < bounds[i + 1], i) for i in range(len(bounds) - 1)], else_=len(bounds) - 1)
        assert key == "shift"
        whens = []
        for shift in self._shifts.values():
            start, end = shift.start.hour * 60 + shift.start.minute, shift.end.hour * 60 + shift.end.minute
            inside = (
                or_(minute >= start, minute < end) if end <= start else and_(minute >= start, minute < end)
            )
            whens.append((inside, shift.id))
        return case(*whens, else_=null()) if whens else cast(null(), Integer)

    def covered_by_intervals(self, definition: ReportDefinition) -> bool:
        """Whether the calls summed per 15-minute interval, queue and group (call_rollup.py) give this
        report's every figure: its dimensions, filters and measures need nothing finer, and its
        thresholds are the ones the sums were made with."""
        bounds = [m for s in self._shifts.values() for m in (s.start, s.end)]
        return (
            definition.dataset == "calls"
            and set(definition.dimensions) <= _INTERVAL_DIMENSIONS
            and set(definition.selections) <= _INTERVAL_DIMENSIONS
            and set(definition.measures) <= _INTERVAL_MEASURES
            and definition.service_level_s == call_rollup.SERVICE_LEVEL_S
            and definition.short_abandon_s == call_rollup.SHORT_ABANDON_S
            and all(m % call_rollup.SLOT_MINUTES == 0 for m in definition.window_minutes or ())
            and ("shift" not in {*definition.dimensions, *definition.selections} or _on_slots(bounds))
        )

    def plan(self, definition: ReportDefinition, scope: ReportScope, *, records: bool = False) -> _Plan:
        """`records`: read the records even where the interval sums would do (a drill-down lists them)."""
        start = local_midnight(definition.date_from, self._zone)
        end = local_midnight(definition.date_to + timedelta(days=1), self._zone)
        months = _months(definition.date_from, definition.date_to)
        intervals = not records and self.covered_by_intervals(definition)
        source = {
            "calls": self._intervals if intervals else self._calls,
            "cases": self._cases,
            "states": self._states,
            "queue_log": self._queue_log,
            "segments": self._segments,
        }[definition.dataset](definition, scope, start, end)
        columns, where, day, minute = source.columns, list(source.where), source.day, source.minute
        for key in ("day", "week", "month", "hour", "weekday", "shift"):
            columns[key] = self._time_dimension(key, day, minute, months)
        window = definition.window_minutes
        if window is not None:
            low, high = window
            where.append(
                or_(minute >= low, minute < high) if high < low else and_(minute >= low, minute < high)
            )
        if definition.weekdays:
            where.append(columns["weekday"].in_(sorted(set(definition.weekdays))))
        for key, values in sorted(definition.selections.items()):
            where.append(columns[key].in_(list(values)))
        labelled = [columns[key].label(f"d{i}") for i, key in enumerate(definition.dimensions)]
        inner = (
            select(*labelled, *source.inputs).select_from(source.table).where(*where).subquery("report_rows")
        )
        return _Plan(definition, inner, definition.dimensions, months, self._shifts, intervals)

    def _local_days(
        self, definition: ReportDefinition, epoch: ColumnElement[int], start: datetime, end: datetime
    ) -> tuple[ColumnElement[int], ColumnElement[int], list[ColumnElement[bool]]]:
        """The hotline day and minute of an epoch second, and the condition that its day is in the period."""
        local = self._local(epoch, start, end)
        day, minute = local // DAY, (local % DAY) // 60
        first, last = ((d - EPOCH).days for d in (definition.date_from, definition.date_to))
        return day, minute, [day >= first, day <= last]

    def _calls(
        self, definition: ReportDefinition, scope: ReportScope, start: datetime, end: datetime
    ) -> _Source:
        offered = and_(calls.c.direction == "inbound", calls.c.queued_at.is_not(None))
        day, minute = (
            calls.c.local_day,
            calls.c.local_minute,
        )  # stored with each record, in the hotline's zone
        first, last = ((d - EPOCH).days for d in (definition.date_from, definition.date_to))
        return _Source(
            table=calls,
            columns={
                "operator": calls.c.operator_id,
                "group": calls.c.group_id,
                "queue": calls.c.queue_id,
                "case_type": calls.c.case_type_id,
                "line": calls.c.line_number,
                "direction": calls.c.direction,
                "call_status": calls.c.status,
            },
            inputs=[
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
            ],
            where=[day >= first, day <= last, *_in_scope(calls.c.group_id, scope)],
            day=day,
            minute=minute,
        )

    def _intervals(
        self, definition: ReportDefinition, scope: ReportScope, start: datetime, end: datetime
    ) -> _Source:
        """The calls summed per 15-minute interval: each row stands for its calls, its minute the
        interval's first (so hour, shift and window on 15-minute bounds come out as from the records)."""
        sums = call_intervals
        first, last = ((d - EPOCH).days for d in (definition.date_from, definition.date_to))
        group = func.nullif(sums.c.group_id, 0)
        return _Source(
            table=sums,
            columns={"group": group, "queue": func.nullif(sums.c.queue_id, 0)},
            inputs=[sums.c[name] for name in call_rollup.SUMS],
            where=[sums.c.local_day >= first, sums.c.local_day <= last, *_in_scope(group, scope)],
            day=sums.c.local_day,
            minute=sums.c.slot * call_rollup.SLOT_MINUTES,
        )

    def _cases(
        self, definition: ReportDefinition, scope: ReportScope, start: datetime, end: datetime
    ) -> _Source:
        day, minute, _ = self._local_days(definition, self._epoch(cases.c.created_at), start, end)
        return _Source(
            table=cases,
            columns={
                "operator": cases.c.operator_id,
                "group": cases.c.group_id,
                "case_type": cases.c.type_id,
                "case_status": cases.c.status,
                "channel": cases.c.source,
            },
            inputs=[
                cases.c.applicant_id.label("applicant"),
                case((cases.c.missed.is_(True), 1), else_=0).label("is_missed"),
                cases.c.id.label("row_id"),
            ],
            where=[
                cases.c.created_at >= start,
                cases.c.created_at < end,
                *_in_scope(cases.c.group_id, scope),
            ],
            day=day,
            minute=minute,
        )

    def _states(
        self, definition: ReportDefinition, scope: ReportScope, start: datetime, end: datetime
    ) -> _Source:
        """One row per piece of an interval an operator spent in one state: an interval is cut at every
        hour (so at midnight too) and at every shift's start and end, each piece counted in the hour,
        day and shift it was spent in. Counts of intervals and breaks take the first piece only: an
        interval counts once, where it began. A break's reason is the one given when it began: the
        reason of the row that entered it."""
        log = operator_state_log
        wide_start, wide_end = start - timedelta(days=1), end + timedelta(days=1)
        ended = self._local(self._fine_epoch(log.c.at), wide_start, wide_end)
        rows = (
            select(
                log.c.operator_id,
                log.c.old_status,
                (ended - log.c.duration_s).label("began"),
                ended.label("ended"),
                func.lag(log.c.reason)
                .over(partition_by=log.c.operator_id, order_by=(log.c.at, log.c.id))
                .label("entered_reason"),
            )
            .where(log.c.at >= wide_start, log.c.at < wide_end)
            .subquery("state_rows")
        )
        first = select(
            rows.c.operator_id,
            rows.c.old_status,
            rows.c.entered_reason,
            rows.c.began.label("piece"),
            rows.c.ended,
            literal(1, Integer).label("is_first"),
        ).cte("state_pieces", recursive=True)
        cut = self._next_cut(first.c.piece)
        pieces = first.union_all(
            select(
                first.c.operator_id,
                first.c.old_status,
                first.c.entered_reason,
                cut,
                first.c.ended,
                literal(0, Integer),
            ).where(cut < first.c.ended)
        )
        piece_s = self._least(self._next_cut(pieces.c.piece), pieces.c.ended) - pieces.c.piece
        day = self._whole(pieces.c.piece / DAY)
        minute = self._whole((pieces.c.piece - day * DAY) / 60)
        first_day, last_day = ((d - EPOCH).days for d in (definition.date_from, definition.date_to))
        state = pieces.c.old_status
        grouped = "group" in definition.dimensions or "group" in definition.selections
        table: FromClause = pieces
        where = [day >= first_day, day <= last_day]
        if grouped:  # an operator of two groups counts in each
            table = pieces.outerjoin(user_groups, user_groups.c.user_id == pieces.c.operator_id)
            where += _in_scope(user_groups.c.group_id, scope)
        elif scope.group_ids is not None:
            members = select(user_groups.c.user_id).where(user_groups.c.group_id.in_(sorted(scope.group_ids)))
            where.append(pieces.c.operator_id.in_(members))

        def seconds(*states: str) -> ColumnElement[Any]:
            return case((state.in_(states), piece_s), else_=0.0)

        return _Source(
            table=table,
            columns={
                "operator": pieces.c.operator_id,
                "group": user_groups.c.group_id if grouped else cast(null(), Integer),
                "state": state,
                "break_reason": case((state == "on_break", pieces.c.entered_reason), else_=null()),
            },
            inputs=[
                piece_s.label("state_s"),
                pieces.c.is_first.label("is_interval"),
                case((state != "offline", piece_s), else_=0.0).label("logged_in_s"),
                seconds(*STAFFED_STATES).label("staffed_s"),
                seconds("on_call").label("talk_s"),
                seconds("wrap_up").label("wrap_up_s"),
                seconds("ready").label("ready_s"),
                seconds("on_break").label("break_s"),
                case((and_(state == "on_break", pieces.c.is_first == 1), 1), else_=0).label("is_break"),
                seconds("away", "blocked").label("away_s"),
                pieces.c.operator_id.label("row_id"),
            ],
            where=where,
            day=day,
            minute=minute,
        )

    def _fine_epoch(self, column: Any) -> ColumnElement[float]:
        """UTC seconds since 1970 to the millisecond: a state interval's end less its exact length."""
        if self._dialect == "sqlite":
            return func.round((func.julianday(column) - 2440587.5) * DAY, 3)
        return cast(extract("epoch", column), Float)

    def _whole(self, value: ColumnElement[Any]) -> ColumnElement[int]:
        """The whole part of a positive number (SQLite's CAST truncates, PostgreSQL's rounds)."""
        return cast(value if self._dialect == "sqlite" else func.floor(value), Integer)

    def _least(self, *values: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.min(*values) if self._dialect == "sqlite" else func.least(*values)

    def _next_cut(self, local: ColumnElement[Any]) -> ColumnElement[Any]:
        """The first hour or shift boundary after a local second (whole hours hold midnight)."""
        hour = (self._whole(local / 3600) + 1) * 3600
        bounds = sorted(
            {m.hour * 3600 + m.minute * 60 for s in self._shifts.values() for m in (s.start, s.end)} - _HOURLY
        )
        if not bounds:
            return hour
        midnight = self._whole(local / DAY) * DAY
        shift_cuts = [case((midnight + b > local, midnight + b), else_=midnight + b + DAY) for b in bounds]
        return self._least(hour, *shift_cuts)

    def _queue_log(
        self, definition: ReportDefinition, scope: ReportScope, start: datetime, end: datetime
    ) -> _Source:
        log = queue_log
        day, minute, period = self._local_days(definition, self._epoch(log.c.at), start, end)
        kind = log.c.kind

        def flag(*kinds: str) -> ColumnElement[int]:
            return case((kind.in_(kinds), 1), else_=0)

        return _Source(
            table=log.outerjoin(queues, queues.c.id == log.c.queue_id),
            columns={
                "operator": log.c.operator_id,
                "group": queues.c.group_id,
                "queue": log.c.queue_id,
                "event": kind,
            },
            inputs=[
                flag("enter").label("is_enter"),
                flag("offer").label("is_offer"),
                flag("ring_no_answer", "reject").label("is_offer_missed"),
                flag("connect").label("is_connect"),
                flag("abandon").label("is_abandon"),
                flag("exit_timeout").label("is_timeout"),
                flag("transfer").label("is_transfer"),
                case((kind == "connect", log.c.waited_s), else_=null()).label("connect_wait_s"),
                case((kind.in_(("abandon", "exit_timeout")), log.c.waited_s), else_=null()).label(
                    "lost_wait_s"
                ),
                log.c.call_id.label("row_id"),
            ],
            where=[
                log.c.at >= start,
                log.c.at < end,
                *period,
                kind != "state_change",
                *_in_scope(queues.c.group_id, scope),
            ],
            day=day,
            minute=minute,
        )

    def _segments(
        self, definition: ReportDefinition, scope: ReportScope, start: datetime, end: datetime
    ) -> _Source:
        """A leg of a call, counted on its call's hotline day and minute."""
        legs = call_legs
        first, last = ((d - EPOCH).days for d in (definition.date_from, definition.date_to))
        answered = and_(legs.c.answered_at.is_not(None), legs.c.ended_at.is_not(None))
        return _Source(
            table=legs.join(calls, calls.c.id == legs.c.call_id),
            columns={
                "group": calls.c.group_id,
                "queue": calls.c.queue_id,
                "line": calls.c.line_number,
                "direction": calls.c.direction,
                "leg_role": legs.c.role,
            },
            inputs=[
                case((legs.c.answered_at.is_not(None), 1), else_=0).label("is_answered"),
                case((legs.c.role == "operator", 1), else_=0).label("is_operator"),
                case((legs.c.role == "consultant", 1), else_=0).label("is_consultant"),
                case(
                    (answered, self._epoch(legs.c.ended_at) - self._epoch(legs.c.answered_at)), else_=null()
                ).label("segment_s"),
                legs.c.call_id.label("row_id"),
            ],
            where=[
                calls.c.local_day >= first,
                calls.c.local_day <= last,
                *_in_scope(calls.c.group_id, scope),
            ],
            day=calls.c.local_day,
            minute=calls.c.local_minute,
        )


_HOURLY = frozenset(range(0, DAY, 3600))
_INTERVAL_DIMENSIONS = frozenset({"day", "week", "month", "hour", "weekday", "shift", "group", "queue"})
_INTERVAL_MEASURES = frozenset(
    {
        "calls",
        "offered",
        "answered",
        "abandoned",
        "short_abandons",
        "answered_within_t",
        "service_level",
        "abandon_rate",
        "outbound",
        "wait_avg",
        "talk_avg",
        "hold_avg",
        "wrap_up_avg",
        "handle_avg",
    }
)


def _on_slots(moments: Sequence[time]) -> bool:
    return all((m.hour * 60 + m.minute) % call_rollup.SLOT_MINUTES == 0 and m.second == 0 for m in moments)


STAFFED_STATES = ("ready", "offered", "on_call", "wrap_up")
"""Staffed-available time, the denominator of occupancy (docs/contact-center/statistics.md)."""


def _in_scope(column: ColumnElement[Any], scope: ReportScope) -> list[ColumnElement[bool]]:
    if scope.group_ids is None:
        return []
    return [column.in_(sorted(scope.group_ids)) if scope.group_ids else false()]


@dataclass(frozen=True)
class _Source:
    """A dataset's rows before the common filters: its table, its dimension columns, the inputs of its
    measures, its period and scope conditions, and each row's hotline day and minute."""

    table: FromClause
    columns: dict[str, ColumnElement[Any]]
    inputs: list[ColumnElement[Any]]
    where: list[ColumnElement[bool]]
    day: ColumnElement[int]
    minute: ColumnElement[int]


def _aggregates(plan: _Plan) -> list[ColumnElement[Any]]:
    r = plan.inner.c
    d = plan.definition
    if plan.intervals:
        return _chosen(d, _interval_aggregates(plan))
    if d.dataset == "cases":
        return _chosen(
            d,
            [
                func.count().label("cases"),
                func.count(distinct(r.applicant)).label("unique_applicants"),
                func.coalesce(func.sum(r.is_missed), 0).label("cases_missed"),
            ],
        )

    def total(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    def added(column: Any) -> ColumnElement[Any]:
        return func.coalesce(func.sum(column), 0)

    if d.dataset == "states":
        return _chosen(
            d,
            [
                added(r.state_s).label("state_time"),
                added(r.is_interval).label("state_intervals"),
                added(r.logged_in_s).label("logged_in_time"),
                added(r.staffed_s).label("staffed_time"),
                added(r.talk_s).label("talk_time"),
                added(r.wrap_up_s).label("wrap_up_time"),
                added(r.ready_s).label("ready_time"),
                added(r.break_s).label("break_time"),
                added(r.is_break).label("breaks"),
                added(r.away_s).label("away_time"),
            ],
        )
    if d.dataset == "queue_log":
        return _chosen(
            d,
            [
                func.count().label("events"),
                added(r.is_enter).label("entered"),
                added(r.is_offer).label("offers"),
                added(r.is_offer_missed).label("offers_missed"),
                added(r.is_connect).label("connects"),
                added(r.is_abandon).label("abandons"),
                added(r.is_timeout).label("timeouts"),
                added(r.is_transfer).label("transfers"),
                func.avg(r.connect_wait_s).label("connect_wait_avg"),
                func.avg(r.lost_wait_s).label("abandon_wait_avg"),
            ],
        )
    if d.dataset == "segments":
        return _chosen(
            d,
            [
                func.count().label("segments"),
                func.count(distinct(r.row_id)).label("segment_calls"),
                added(r.is_answered).label("answered_segments"),
                added(r.is_operator).label("operator_segments"),
                added(r.is_consultant).label("consultations"),
                func.avg(r.segment_s).label("segment_talk_avg"),
            ],
        )

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
    return _chosen(d, every)


def _interval_aggregates(plan: _Plan) -> list[ColumnElement[Any]]:
    """The calls measures from the interval sums: counts added, averages as sum over count."""
    r = plan.inner.c

    def added(name: str) -> ColumnElement[Any]:
        return func.coalesce(func.sum(r[name]), 0)

    def mean(total: str, over: str) -> ColumnElement[Any]:
        return func.sum(r[total]) / func.nullif(func.sum(r[over]), 0)

    handle = func.sum(r.talk_sum + r.hold_sum + r.wrap_up_sum) / func.nullif(func.sum(r.answered), 0)
    counts = ("calls", "offered", "answered", "abandoned", "short_abandons", "answered_within_t", "outbound")
    return [
        *[added(name).label(name) for name in counts],
        mean("wait_sum", "offered").label("wait_avg"),
        mean("talk_sum", "answered").label("talk_avg"),
        mean("hold_sum", "answered").label("hold_avg"),
        mean("wrap_up_sum", "answered").label("wrap_up_avg"),
        handle.label("handle_avg"),
    ]


def _chosen(definition: ReportDefinition, every: Sequence[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
    """Only what the report shows, and what its ratios are made of: a distinct count costs a sort."""
    wanted = set(definition.measures)
    for ratio_key, parts in _RATIO_PARTS.items():
        if ratio_key in wanted:
            wanted |= parts
    return [column for column in every if column.name in wanted] or [func.count().label("rows")]


_RATIO_PARTS = {
    "occupancy": {"talk_time", "wrap_up_time", "staffed_time"},
    "break_share": {"break_time", "logged_in_time"},
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
        self,
        definition: ReportDefinition,
        scope: ReportScope,
        zone: ZoneInfo,
        shifts: list[Shift],
        *,
        records: bool = False,
    ) -> ReportResult:
        """`records`: from the call records even where the interval sums cover the report."""
        plan = self._compiler(zone, shifts).plan(definition, scope, records=records)
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
            cell["occupancy"] = ratio(
                cell.get("talk_time", 0) + cell.get("wrap_up_time", 0), cell.get("staffed_time", 0)
            )
            cell["break_share"] = ratio(cell.get("break_time", 0), cell.get("logged_in_time", 0))
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
        plan = self._compiler(zone, shifts).plan(definition, scope, records=True)
        r = plan.inner.c
        conditions = []
        for index, key in enumerate(keys):
            column = r[f"d{index}"]
            raw = _raw(plan, index, key)
            conditions.append(column.is_(None) if raw is None else column == raw)
        ids = select(r.row_id).where(*conditions)
        count = int((await self._db.execute(select(func.count()).select_from(ids.subquery()))).scalar_one())
        if DRILLS_TO[definition.dataset] == "calls":
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

    async def add_saved(
        self, owner_id: int, draft: SavedReportDraft, at: datetime, status: ScheduleStatus | None
    ) -> int:
        result = await self._db.execute(
            insert(saved_reports)
            .values(owner_id=owner_id, created_at=at, **_values(draft, at, status))
            .returning(saved_reports.c.id)
        )
        return int(result.scalar_one())

    async def update_saved(
        self, report_id: int, draft: SavedReportDraft, at: datetime, status: ScheduleStatus | None
    ) -> None:
        await self._db.execute(
            update(saved_reports).where(saved_reports.c.id == report_id).values(**_values(draft, at, status))
        )

    async def due_schedules(self, at: datetime) -> list[SavedReport]:
        next_at = saved_reports.c.schedule_next_at
        query = self._saved_query().where(next_at.is_not(None), next_at <= at).order_by(next_at)
        return [_saved(row) for row in (await self._db.execute(query)).mappings()]

    async def set_schedule_status(self, report_id: int, status: ScheduleStatus) -> None:
        await self._db.execute(
            update(saved_reports)
            .where(saved_reports.c.id == report_id, saved_reports.c.schedule.is_not(None))
            .values(schedule_next_at=status.next_at, schedule_status=status_to_json(status))
        )

    async def owner(self, user_id: int) -> Actor | None:
        row = (
            await self._db.execute(select(users.c.role, users.c.enabled).where(users.c.id == user_id))
        ).first()
        if row is None or not row.enabled:
            return None
        member = await self._db.execute(
            select(user_groups.c.group_id).where(user_groups.c.user_id == user_id)
        )
        return Actor(user_id=user_id, role=Role(row.role), group_ids=frozenset(int(g) for (g,) in member))

    async def delete_saved(self, report_id: int) -> None:
        await self._db.execute(delete(saved_reports).where(saved_reports.c.id == report_id))

    async def existing_groups(self, group_ids: tuple[int, ...]) -> set[int]:
        if not group_ids:
            return set()
        rows = await self._db.execute(select(groups.c.id).where(groups.c.id.in_(list(group_ids))))
        return {int(row[0]) for row in rows}


def _values(draft: SavedReportDraft, at: datetime, status: ScheduleStatus | None) -> dict[str, Any]:
    scheduled = draft.schedule is not None and status is not None
    return {
        "schedule": dict(draft.schedule) if scheduled and draft.schedule is not None else None,
        "schedule_next_at": status.next_at if scheduled and status is not None else None,
        "schedule_status": status_to_json(status) if scheduled and status is not None else None,
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
        schedule=row["schedule"],
        schedule_status=None
        if row["schedule"] is None
        else status_from_json(row["schedule_status"], row["schedule_next_at"]),
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
    names = {
        "direction": DIRECTION_NAMES,
        "call_status": CALL_STATUS_NAMES,
        "channel": CHANNEL_NAMES,
        "state": STATE_NAMES,
        "break_reason": BREAK_REASON_NAMES,
        "event": EVENT_NAMES,
        "leg_role": LEG_ROLE_NAMES,
    }
    return names.get(dimension, {}).get(str(key), str(key))
