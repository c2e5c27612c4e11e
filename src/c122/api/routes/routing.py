"""Routing rules (TEL-04): ordered rules per line, the number lists they name, the production calendar
and the rule tester. Administrators only; every change is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import routing as s
from c122.api.security import Context, CurrentActor
from c122.domain.routing import (
    ActionKind,
    Conditions,
    DayKind,
    RepeatCalls,
    Rule,
    RuleAction,
    RuleDraft,
    TimeWindow,
)
from c122.services.routing.ports import ListKind, NumberList, NumberListDraft
from c122.services.routing.service import MAX_CALENDAR_BYTES

router = APIRouter(prefix="/api/v1/admin/routing", tags=["routing"], responses=ERROR_RESPONSES)


def rule_out(rule: Rule) -> s.RuleOut:
    d, c, a = rule.draft, rule.draft.conditions, rule.draft.action
    return s.RuleOut(
        id=rule.id,
        line_id=d.line_id,
        position=rule.position,
        name=d.name,
        enabled=d.enabled,
        stage=rule.stage.value,
        conditions=s.ConditionsIo(
            patterns=list(c.patterns),
            lists=list(c.lists),
            repeat=None if c.repeat is None else s.RepeatCallsIo(**vars(c.repeat)),
            weekdays=sorted(c.weekdays),
            hours=None if c.hours is None else s.TimeWindowIo(start=c.hours.start, end=c.hours.end),
            day_kinds=sorted(k.value for k in c.day_kinds),
            ivr_choice=c.ivr_choice,
        ),
        action=s.ActionIo(
            kind=a.kind.value, queue_id=a.queue_id, priority=a.priority, flow=a.flow, prompt=a.prompt
        ),
    )


def _draft(body: s.RuleIn) -> RuleDraft:
    c, a = body.conditions, body.action
    conditions = Conditions(
        patterns=tuple(p.strip() for p in c.patterns if p.strip()),
        lists=tuple(c.lists),
        repeat=None if c.repeat is None else RepeatCalls(c.repeat.count, c.repeat.within_hours),
        weekdays=frozenset(c.weekdays),
        hours=None
        if c.hours is None
        else TimeWindow(c.hours.start.replace(tzinfo=None), c.hours.end.replace(tzinfo=None)),
        day_kinds=frozenset(DayKind(k) for k in c.day_kinds),
        ivr_choice=(c.ivr_choice or "").strip() or None,
    )
    action = RuleAction(
        kind=ActionKind(a.kind),
        queue_id=a.queue_id,
        priority=a.priority,
        flow=(a.flow or "").strip() or None,
        prompt=(a.prompt or "").strip() or None,
    )
    return RuleDraft(body.line_id, body.name, conditions, action, body.enabled)


def _list_out(number_list: NumberList) -> s.NumberListOut:
    d = number_list.draft
    return s.NumberListOut(id=number_list.id, name=d.name, kind=d.kind.value, numbers=list(d.numbers))


def _list_draft(body: s.NumberListIn) -> NumberListDraft:
    numbers = tuple(n.strip() for n in body.numbers if n.strip())
    return NumberListDraft(body.name, ListKind(body.kind), numbers)


@router.get("/rules", response_model=list[s.RuleOut], operation_id="list_routing_rules")
async def list_rules(
    actor: CurrentActor, context: Context, line_id: Annotated[Id | None, Query()] = None
) -> list[s.RuleOut]:
    """The rules of a line (of every line without `line_id`), in order: the first matching one wins."""
    return [rule_out(r) for r in await context.routing.rules(actor, line_id)]


@router.post("/rules", status_code=201, response_model=s.RuleOut, operation_id="create_routing_rule")
async def create_rule(body: s.RuleIn, actor: CurrentActor, context: Context) -> s.RuleOut:
    """Appended to the line's order. 422 names a bad pattern, an unknown queue, flow, prompt or list;
    409 `rule_shadowed` a rule an earlier one would always beat (same conditions, or none)."""
    return rule_out(await context.routing.create_rule(actor, _draft(body)))


@router.put("/rules/{rule_id}", response_model=s.RuleOut, operation_id="update_routing_rule")
async def update_rule(rule_id: Id, body: s.RuleIn, actor: CurrentActor, context: Context) -> s.RuleOut:
    return rule_out(await context.routing.update_rule(actor, rule_id, _draft(body)))


@router.delete("/rules/{rule_id}", status_code=204, operation_id="delete_routing_rule")
async def delete_rule(rule_id: Id, actor: CurrentActor, context: Context) -> Response:
    await context.routing.delete_rule(actor, rule_id)
    return Response(status_code=204)


@router.put("/lines/{line_id}/order", response_model=list[s.RuleOut], operation_id="order_routing_rules")
async def order_rules(
    line_id: Id, body: s.RuleOrderIn, actor: CurrentActor, context: Context
) -> list[s.RuleOut]:
    """The line's rules in a new order (each of them once)."""
    return [rule_out(r) for r in await context.routing.reorder(actor, line_id, body.rule_ids)]


@router.post("/test", response_model=s.RuleTestOut, operation_id="test_routing_rules")
async def test_rules(body: s.RuleTestIn, actor: CurrentActor, context: Context) -> s.RuleTestOut:
    """The rule tester: which rule a call from `caller` at `at` (with the menu's choice, if given) meets,
    and which others matched too but lost."""
    tested = await context.routing.test_call(actor, body.line_id, body.caller, body.at, body.ivr_choice)
    verdict, facts = tested.verdict, tested.facts
    return s.RuleTestOut(
        winner=rule_out(verdict.winner) if verdict.winner is not None else None,
        also_matched=[rule_out(r) for r in verdict.also_matched],
        caller=facts.caller,
        local_time=facts.at,
        day_kinds=sorted(k.value for k in facts.day_kinds),
        lists=sorted(facts.lists),
    )


@router.get("/lists", response_model=list[s.NumberListOut], operation_id="list_routing_lists")
async def list_lists(actor: CurrentActor, context: Context) -> list[s.NumberListOut]:
    return [_list_out(n) for n in await context.routing.lists(actor)]


@router.post("/lists", status_code=201, response_model=s.NumberListOut, operation_id="create_routing_list")
async def create_list(body: s.NumberListIn, actor: CurrentActor, context: Context) -> s.NumberListOut:
    """422 names each number that is not a phone number; 409 a name in use."""
    return _list_out(await context.routing.create_list(actor, _list_draft(body)))


@router.put("/lists/{list_id}", response_model=s.NumberListOut, operation_id="update_routing_list")
async def update_list(
    list_id: Id, body: s.NumberListIn, actor: CurrentActor, context: Context
) -> s.NumberListOut:
    return _list_out(await context.routing.update_list(actor, list_id, _list_draft(body)))


@router.delete("/lists/{list_id}", status_code=204, operation_id="delete_routing_list")
async def delete_list(list_id: Id, actor: CurrentActor, context: Context) -> Response:
    """409 `in_use` naming the rules that use the list."""
    await context.routing.delete_list(actor, list_id)
    return Response(status_code=204)


@router.get("/calendar", response_model=s.CalendarOut, operation_id="get_production_calendar")
async def get_calendar(
    actor: CurrentActor, context: Context, year: Annotated[int, Query(ge=1990, le=2100)]
) -> s.CalendarOut:
    """The year's marked days: holidays and days off, shortened days, working weekends."""
    marks = await context.routing.calendar(actor, year)
    days = [s.CalendarDayOut(date=day, mark=marks[day].value) for day in sorted(marks)]
    return s.CalendarOut(year=year, years=await context.routing.calendar_years(actor), days=days)


@router.post("/calendar", response_model=s.CalendarImportOut, operation_id="import_production_calendar")
async def import_calendar(
    actor: CurrentActor,
    context: Context,
    file: Annotated[UploadFile, File(description="xmlcalendar.ru XML or CSV «date,type»")],
) -> s.CalendarImportOut:
    """The file's years replace what was stored for them. 400 `invalid_calendar` with the reason."""
    data = await file.read(MAX_CALENDAR_BYTES + 1)
    imported = await context.routing.import_calendar(actor, data, file.filename or "")
    return s.CalendarImportOut(years=list(imported.years), days=imported.days)
