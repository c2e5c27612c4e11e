"""Inbound and outbound call statistics summed by the database (TEL-08, SUP-10).

Each measure of `domain/call_statistics.py` is a SUM over call records of a CASE naming when a call
counts; the thresholds are the columns of the queue the call waited in, so every call is judged by
its own queue's settings. Outbound calls carry no queue: they count for the operator who placed
them (the record's operator, else the account whose login placed the call) and for that operator's
groups. SQLAlchemy Core throughout, the same statement on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.call_statistics import Breakdown, CallFigures, Span, StateInterval, StatisticsRow
from c122.domain.case_tally import CaseArrival
from c122.domain.organisation import Queue
from c122.persistence import tables as t
from c122.persistence.tables.calls import call_records
from c122.persistence.tables.cases import cases as case_table

c = call_records.c
q = t.queues.c
_DEFAULT = Queue(id=0, group_id=0, name="")  # the settings of a call whose queue was deleted


def _setting(column: Any, default: object) -> ColumnElement[Any]:
    return func.coalesce(column, literal(default))


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _total(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0.0)), 0.0)


def _inbound_measures() -> list[ColumnElement[Any]]:
    short_s = _setting(q.short_abandon_s, _DEFAULT.short_abandon_s)
    threshold_s = _setting(q.service_level_s, _DEFAULT.service_level_s)
    norm_s = _setting(q.sla_wait_s, _DEFAULT.sla_wait_s)
    formula = _setting(q.service_level_formula, _DEFAULT.service_level_formula)
    answered = c.status == "answered"
    abandoned = c.status == "missed"
    within_t = and_(answered, c.wait_s <= threshold_s)
    short = and_(abandoned, c.wait_s < short_s)
    numerator = or_(within_t, and_(formula == "abandons_within_t_met", abandoned, c.wait_s <= threshold_s))
    denominator = or_(
        and_(formula == "answered_only", answered),
        and_(formula == "short_abandons_ignored", ~short),
        formula.not_in(("answered_only", "short_abandons_ignored")),
    )
    return [
        func.count().label("received"),
        _count(answered).label("answered"),
        _count(within_t).label("answered_within_t"),
        _count(abandoned).label("abandoned"),
        _count(short).label("short_abandoned"),
        _count(c.status == "failed").label("failed"),
        _count(and_(~answered, c.wait_s > norm_s)).label("over_norm"),
        _count(numerator).label("sl_numerator"),
        _count(denominator).label("sl_denominator"),
        _total(answered, c.wait_s).label("wait_answered_s"),
        _total(answered, c.talk_s).label("talk_answered_s"),
        _total(answered, c.talk_s + c.hold_s + c.wrap_up_s).label("handle_answered_s"),
    ]


def _outbound_measures() -> list[ColumnElement[Any]]:
    answered = c.status == "answered"
    return [
        func.count().label("outbound_placed"),
        _count(answered).label("outbound_answered"),
        _total(answered, c.talk_s).label("outbound_talk_s"),
    ]


def _within(spans: Sequence[Span]) -> ColumnElement[bool]:
    if not spans:
        return false()
    return or_(*(and_(c.started_at >= s.starts, c.started_at < s.ends) for s in spans))


_placer = t.users.alias("placer")
_OUTBOUND_OPERATOR = func.coalesce(c.operator_id, _placer.c.id)


def _figures(row: Any) -> CallFigures:
    figures = CallFigures()
    mapping = row._mapping
    for item in fields(CallFigures):
        if item.name in mapping:
            kind = int if item.type in ("int", int) else float
            setattr(figures, item.name, kind(mapping[item.name] or 0))
    return figures


class SqlCallStatistics:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def call_figures(
        self, spans: Sequence[Span], by: Breakdown, group_ids: frozenset[int] | None
    ) -> tuple[list[StatisticsRow], CallFigures]:
        """Rows by `by` and the total, over calls started inside `spans`, of the groups given (None:
        every group). The total counts each call once even when its operator is in two groups."""
        inbound = self._inbound(spans, group_ids)
        outbound = self._outbound(spans, group_ids)
        rows: dict[int | None, CallFigures] = {}
        statements = [self._inbound_rows(inbound, by)]
        if by is not Breakdown.QUEUE:  # outbound calls wait in no queue
            statements.append(self._outbound_rows(outbound, by, group_ids))
        for statement in statements:
            for row in (await self._connection.execute(statement)).all():
                rows.setdefault(row.key, CallFigures()).add(_figures(row))
        total = CallFigures()
        for statement in (
            inbound.add_columns(*_inbound_measures()),
            outbound.add_columns(*_outbound_measures()),
        ):
            total.add(_figures((await self._connection.execute(statement)).one()))
        names = await self._names(by, [key for key in rows if key is not None])
        ordered = sorted(rows.items(), key=lambda item: (item[0] is None, names.get(item[0] or 0, "")))
        return [StatisticsRow(key, names.get(key, "") if key else "", f) for key, f in ordered], total

    @staticmethod
    def _inbound(spans: Sequence[Span], group_ids: frozenset[int] | None) -> Any:
        conditions = [
            c.direction == "inbound",
            c.queued_at.is_not(None),
            c.status != "active",
            _within(spans),
        ]
        if group_ids is not None:
            conditions.append(c.group_id.in_(sorted(group_ids)))
        return select().select_from(call_records.outerjoin(t.queues, q.id == c.queue_id)).where(*conditions)

    @staticmethod
    def _outbound(spans: Sequence[Span], group_ids: frozenset[int] | None) -> Any:
        conditions = [c.direction == "outbound", c.status != "active", _within(spans)]
        if group_ids is not None:
            membership = t.user_groups.alias("membership")  # not the breakdown's own join
            member = select(membership.c.user_id).where(
                membership.c.user_id == _OUTBOUND_OPERATOR,
                membership.c.group_id.in_(sorted(group_ids)),
            )
            conditions.append(member.exists())
        return (
            select()
            .select_from(call_records.outerjoin(_placer, _placer.c.login == c.caller))
            .where(*conditions)
        )

    @staticmethod
    def _inbound_rows(inbound: Any, by: Breakdown) -> Any:
        key: Any
        if by is Breakdown.SERVICE:
            inbound = inbound.outerjoin(t.groups, t.groups.c.id == c.group_id)
            key = t.groups.c.service_id
        else:
            key = {
                Breakdown.QUEUE: c.queue_id,
                Breakdown.GROUP: c.group_id,
                Breakdown.OPERATOR: c.operator_id,
            }[by]
        return inbound.add_columns(key.label("key"), *_inbound_measures()).group_by(key)

    @staticmethod
    def _outbound_rows(outbound: Any, by: Breakdown, group_ids: frozenset[int] | None) -> Any:
        if by is Breakdown.OPERATOR:
            return outbound.add_columns(_OUTBOUND_OPERATOR.label("key"), *_outbound_measures()).group_by(
                _OUTBOUND_OPERATOR
            )
        ug = t.user_groups.c
        joined = outbound.join(t.user_groups, ug.user_id == _OUTBOUND_OPERATOR)
        if group_ids is not None:
            joined = joined.where(ug.group_id.in_(sorted(group_ids)))
        key: Any = ug.group_id
        if by is Breakdown.SERVICE:
            joined = joined.join(t.groups, t.groups.c.id == ug.group_id)
            key = t.groups.c.service_id
            # An operator in two groups of one service counts once for the service: by the first.
            mine, theirs = t.user_groups.alias("mine"), t.groups.alias("theirs")
            first = (
                select(func.min(mine.c.group_id))
                .select_from(mine.join(theirs, theirs.c.id == mine.c.group_id))
                .where(mine.c.user_id == _OUTBOUND_OPERATOR, theirs.c.service_id == key)
            )
            if group_ids is not None:
                first = first.where(mine.c.group_id.in_(sorted(group_ids)))
            joined = joined.where(ug.group_id == first.scalar_subquery())
        return joined.add_columns(key.label("key"), *_outbound_measures()).group_by(key)

    async def state_intervals(
        self, spans: Sequence[Span], operator_ids: Sequence[int]
    ) -> list[StateInterval]:
        """The operators' state intervals that may overlap `spans`: those ending inside them or up to
        a day after (an interval is stored when it ends, with its length)."""
        if not spans or not operator_ids:
            return []
        log = t.operator_state_log.c
        starts = min(s.starts for s in spans)
        ends = max(s.ends for s in spans) + timedelta(days=1)
        found = await self._connection.execute(
            select(log.operator_id, log.old_status, log.at, log.duration_s).where(
                log.at > starts, log.at < ends, log.operator_id.in_(sorted(set(operator_ids)))
            )
        )
        return [
            StateInterval(r.operator_id, r.old_status, r.at - timedelta(seconds=r.duration_s), r.at)
            for r in found.all()
        ]

    async def cases_since(self, since: datetime) -> list[CaseArrival]:
        cases = case_table.c
        found = await self._connection.execute(
            select(cases.id, cases.created_at, cases.group_id, cases.type_id)
            .where(cases.created_at >= since)
            .order_by(cases.created_at, cases.id)
        )
        return [CaseArrival(r.id, r.created_at.timestamp(), r.group_id, r.type_id) for r in found.all()]

    async def case_type_names(self) -> dict[int, str]:
        found = await self._connection.execute(select(t.case_types.c.id, t.case_types.c.name))
        return {row[0]: row[1] for row in found.all()}

    async def _names(self, by: Breakdown, keys: list[int]) -> dict[int, str]:
        if not keys:
            return {}
        table, column = {
            Breakdown.QUEUE: (t.queues, t.queues.c.name),
            Breakdown.GROUP: (t.groups, t.groups.c.name),
            Breakdown.SERVICE: (t.services, t.services.c.name),
            Breakdown.OPERATOR: (t.users, t.users.c.full_name),
        }[by]
        found = await self._connection.execute(select(table.c.id, column).where(table.c.id.in_(keys)))
        return {row[0]: row[1] for row in found.all()}
