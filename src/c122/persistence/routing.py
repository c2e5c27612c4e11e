"""Routing rules, number lists and the production calendar in SQL (tables/routing.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, extract, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.routing import (
    ActionKind,
    Conditions,
    DayKind,
    DayMark,
    RepeatCalls,
    Rule,
    RuleAction,
    RuleDraft,
    RuleReference,
    TimeWindow,
)
from c122.persistence.tables.calls import call_records
from c122.persistence.tables.routing import calendar_days, routing_lists, routing_rules
from c122.services.routing.ports import ListKind, NumberList, NumberListDraft
from c122.services.routing.service import rule_detail


def _rule(row: Row[Any]) -> Rule:
    c, a = row.conditions, row.action
    repeat = c.get("repeat")
    hours = c.get("hours")
    conditions = Conditions(
        patterns=tuple(c.get("patterns", ())),
        lists=tuple(int(i) for i in c.get("lists", ())),
        repeat=None if repeat is None else RepeatCalls(int(repeat["count"]), int(repeat["within_hours"])),
        weekdays=frozenset(int(d) for d in c.get("weekdays", ())),
        hours=None
        if hours is None
        else TimeWindow(time.fromisoformat(hours[0]), time.fromisoformat(hours[1])),
        day_kinds=frozenset(DayKind(k) for k in c.get("day_kinds", ())),
        ivr_choice=c.get("ivr_choice"),
    )
    action = RuleAction(
        kind=ActionKind(a["kind"]),
        queue_id=a.get("queue_id"),
        priority=a.get("priority"),
        flow=a.get("flow"),
        prompt=a.get("prompt"),
    )
    draft = RuleDraft(row.line_id, row.name, conditions, action, bool(row.enabled))
    return Rule(row.id, row.position, draft)


def _rule_values(draft: RuleDraft, at: datetime) -> dict[str, Any]:
    detail = rule_detail(draft)
    return {
        "line_id": draft.line_id,
        "name": draft.name,
        "enabled": draft.enabled,
        "conditions": detail["conditions"],
        "action": detail["action"],
        "queue_id": draft.action.queue_id,
        "flow": draft.action.flow,
        "updated_at": at,
    }


def _list(row: Row[Any]) -> NumberList:
    return NumberList(row.id, NumberListDraft(row.name, ListKind(row.kind), tuple(row.numbers)))


def _list_values(draft: NumberListDraft, at: datetime) -> dict[str, Any]:
    return {"name": draft.name, "kind": draft.kind.value, "numbers": list(draft.numbers), "updated_at": at}


class SqlRoutingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def rules(self, line_id: int | None = None) -> list[Rule]:
        query = select(routing_rules).order_by(routing_rules.c.line_id, routing_rules.c.position)
        if line_id is not None:
            query = query.where(routing_rules.c.line_id == line_id)
        return [_rule(row) for row in (await self._db.execute(query)).all()]

    async def rule(self, rule_id: int) -> Rule | None:
        row = (await self._db.execute(select(routing_rules).where(routing_rules.c.id == rule_id))).first()
        return _rule(row) if row is not None else None

    async def add_rule(self, draft: RuleDraft, position: int, at: datetime) -> int:
        values = {**_rule_values(draft, at), "position": position}
        result = await self._db.execute(insert(routing_rules).values(**values).returning(routing_rules.c.id))
        return int(result.scalar_one())

    async def update_rule(self, rule_id: int, draft: RuleDraft, at: datetime) -> None:
        await self._db.execute(
            update(routing_rules).where(routing_rules.c.id == rule_id).values(**_rule_values(draft, at))
        )

    async def delete_rule(self, rule_id: int) -> None:
        await self._db.execute(delete(routing_rules).where(routing_rules.c.id == rule_id))

    async def set_positions(self, positions: Mapping[int, int]) -> None:
        for rule_id, position in positions.items():
            await self._db.execute(
                update(routing_rules).where(routing_rules.c.id == rule_id).values(position=position)
            )

    async def rules_sending_to_queue(self, queue_id: int) -> list[RuleReference]:
        return await self._references(routing_rules.c.queue_id == queue_id)

    async def rules_starting_flow(self, flow: str) -> list[RuleReference]:
        return await self._references(routing_rules.c.flow == flow)

    async def _references(self, where: Any) -> list[RuleReference]:
        query = select(routing_rules.c.id, routing_rules.c.name, routing_rules.c.line_id).where(where)
        rows = (await self._db.execute(query.order_by(routing_rules.c.id))).all()
        return [RuleReference(row.id, row.name, row.line_id) for row in rows]

    async def lists(self) -> list[NumberList]:
        rows = (await self._db.execute(select(routing_lists).order_by(routing_lists.c.name))).all()
        return [_list(row) for row in rows]

    async def number_list(self, list_id: int) -> NumberList | None:
        row = (await self._db.execute(select(routing_lists).where(routing_lists.c.id == list_id))).first()
        return _list(row) if row is not None else None

    async def list_named(self, name: str) -> NumberList | None:
        row = (await self._db.execute(select(routing_lists).where(routing_lists.c.name == name))).first()
        return _list(row) if row is not None else None

    async def add_list(self, draft: NumberListDraft, at: datetime) -> int:
        query = insert(routing_lists).values(**_list_values(draft, at)).returning(routing_lists.c.id)
        return int((await self._db.execute(query)).scalar_one())

    async def update_list(self, list_id: int, draft: NumberListDraft, at: datetime) -> None:
        await self._db.execute(
            update(routing_lists).where(routing_lists.c.id == list_id).values(**_list_values(draft, at))
        )

    async def delete_list(self, list_id: int) -> None:
        await self._db.execute(delete(routing_lists).where(routing_lists.c.id == list_id))

    async def lists_holding(self, number: str) -> frozenset[int]:
        # Lists are short and few; JSON containment differs between the databases, so it is read here.
        rows = (await self._db.execute(select(routing_lists.c.id, routing_lists.c.numbers))).all()
        return frozenset(row.id for row in rows if number in row.numbers)

    async def calendar(self, start: date, end: date) -> dict[date, DayMark]:
        query = select(calendar_days).where(calendar_days.c.day >= start, calendar_days.c.day <= end)
        return {row.day: DayMark(row.mark) for row in (await self._db.execute(query)).all()}

    async def calendar_years(self) -> list[int]:
        year = extract("year", calendar_days.c.day)
        rows = (await self._db.execute(select(year).distinct().order_by(year))).all()
        return [int(row[0]) for row in rows]

    async def replace_calendar(self, years: Sequence[int], marks: Mapping[date, DayMark]) -> None:
        for year in years:
            await self._db.execute(
                delete(calendar_days).where(
                    calendar_days.c.day >= date(year, 1, 1), calendar_days.c.day <= date(year, 12, 31)
                )
            )
        rows = [{"day": day, "mark": mark.value} for day, mark in sorted(marks.items()) if day.year in years]
        if rows:
            await self._db.execute(insert(calendar_days), rows)

    async def calls_from(self, caller: str, since: datetime, until: datetime) -> int:
        query = select(func.count()).where(
            call_records.c.caller == caller,
            call_records.c.direction == "inbound",
            call_records.c.started_at >= since,
            call_records.c.started_at < until,
        )
        return int((await self._db.execute(query)).scalar_one())
