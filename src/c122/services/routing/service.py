"""Routing rules (TEL-04) kept by administrators, and the decision they make for each inbound call.

Every change is checked (patterns, the queue, flow, prompt and lists a rule names must exist, no rule
may be hidden behind an earlier identical one), stored and audited. The call flow asks `rule_for_call`
when a call arrives and again when the menu hands it to a queue (docs/admin/routing.md); a database
that cannot answer then leaves the call to the line's own flow.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from c122.domain.clock import Clock
from c122.domain.errors import (
    BadRequest,
    Conflict,
    DatabaseUnavailable,
    FieldProblem,
    Forbidden,
    InvalidFields,
    NotFound,
)
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.domain.routing import (
    ActionKind,
    CalendarFileInvalid,
    CallFacts,
    DayMark,
    Rule,
    RuleDraft,
    Stage,
    Verdict,
    checked_rule,
    day_kinds,
    decide,
    parse_calendar,
    shadowing_rule,
    try_call,
)
from c122.domain.users import Actor
from c122.services.ports import UnitOfWorkFactory
from c122.services.routing.held import HeldRouting, RoutingSnapshot
from c122.services.routing.ports import NumberList, NumberListDraft, RoutingUnitOfWork

log = logging.getLogger(__name__)
MAX_CALENDAR_BYTES = 512 * 1024
HOLD_RULES_S = 5.0  # a change made on another node of the hotline reaches this one's calls within this
MAX_LIST_NUMBERS = 10_000
MAX_LIST_NAME = 100


class RuleShadowed(Conflict):
    code = "rule_shadowed"


@dataclass(frozen=True)
class TestedCall:
    """The rule tester's answer: the winner, the rules that matched too but lost, and the call's facts."""

    verdict: Verdict
    facts: CallFacts


@dataclass(frozen=True)
class CalendarImport:
    years: tuple[int, ...]
    days: int


class RoutingRules:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[RoutingUnitOfWork],
        clock: Clock,
        zone: ZoneInfo,
        shipped_calendars: Sequence[bytes] = (),
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._zone = zone  # the region's local time: hours, weekdays and the calendar are read in it
        self._shipped = tuple(shipped_calendars)
        self._held = HeldRouting(
            uow_factory, lambda: clock.now().astimezone(zone).date(), ttl_s=HOLD_RULES_S, now=monotonic
        )

    # -- rules ----------------------------------------------------------------------------------------

    async def rules(self, actor: Actor, line_id: int | None = None) -> list[Rule]:
        _admin(actor)
        async with self._uow() as uow:
            return await uow.routing.rules(line_id)

    async def create_rule(self, actor: Actor, draft: RuleDraft) -> Rule:
        _admin(actor)
        draft = checked_rule(draft)
        async with self._uow() as uow:
            await _check_references(uow, draft)
            existing = await uow.routing.rules(draft.line_id)
            position = max((r.position for r in existing), default=0) + 1
            _refuse_shadowed(Rule(0, position, draft), existing)
            rule_id = await uow.routing.add_rule(draft, position, self._clock.now())
            await self._audit(uow, actor, "create", rule_id, draft)
            await uow.commit()
            self._held.drop()
            return Rule(rule_id, position, draft)

    async def update_rule(self, actor: Actor, rule_id: int, draft: RuleDraft) -> Rule:
        _admin(actor)
        draft = checked_rule(draft)
        async with self._uow() as uow:
            current = await _found(uow, rule_id)
            if draft.line_id != current.draft.line_id:
                raise BadRequest("a rule stays on its line; create it on the other line instead")
            await _check_references(uow, draft)
            rule = Rule(rule_id, current.position, draft)
            updated = [rule if r.id == rule_id else r for r in await uow.routing.rules(draft.line_id)]
            for each in updated:  # the rule itself, and the later rules it might now hide
                _refuse_shadowed(each, updated)
            await uow.routing.update_rule(rule_id, draft, self._clock.now())
            await self._audit(uow, actor, "update", rule_id, draft)
            await uow.commit()
            self._held.drop()
            return rule

    async def delete_rule(self, actor: Actor, rule_id: int) -> None:
        _admin(actor)
        async with self._uow() as uow:
            current = await _found(uow, rule_id)
            await uow.routing.delete_rule(rule_id)
            await self._audit(uow, actor, "delete", rule_id, current.draft)
            await uow.commit()
            self._held.drop()

    async def reorder(self, actor: Actor, line_id: int, rule_ids: Sequence[int]) -> list[Rule]:
        """The line's rules in this order (every one of them, each once)."""
        _admin(actor)
        async with self._uow() as uow:
            existing = await uow.routing.rules(line_id)
            if sorted(rule_ids) != sorted(r.id for r in existing):
                raise BadRequest(
                    f"name each of line {line_id}'s rules once: {sorted(r.id for r in existing)}"
                )
            by_id = {r.id: r for r in existing}
            reordered = [
                Rule(rule_id, index, by_id[rule_id].draft) for index, rule_id in enumerate(rule_ids, 1)
            ]
            for rule in reordered:
                _refuse_shadowed(rule, reordered)
            await uow.routing.set_positions({r.id: r.position for r in reordered})
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id or None,
                action="reorder",
                entity="routing_rule",
                entity_id=f"line:{line_id}",
                detail={"order": list(rule_ids)},
            )
            await uow.commit()
            self._held.drop()
            return reordered

    # -- number lists ---------------------------------------------------------------------------------

    async def lists(self, actor: Actor) -> list[NumberList]:
        _admin(actor)
        async with self._uow() as uow:
            return await uow.routing.lists()

    async def create_list(self, actor: Actor, draft: NumberListDraft) -> NumberList:
        _admin(actor)
        draft = _checked_list(draft)
        async with self._uow() as uow:
            if await uow.routing.list_named(draft.name) is not None:
                raise Conflict(f"a list named «{draft.name}» exists", code="duplicate")
            list_id = await uow.routing.add_list(draft, self._clock.now())
            await self._audit_list(uow, actor, "create", list_id, draft)
            await uow.commit()
            self._held.drop()
        return NumberList(list_id, draft)

    async def update_list(self, actor: Actor, list_id: int, draft: NumberListDraft) -> NumberList:
        _admin(actor)
        draft = _checked_list(draft)
        async with self._uow() as uow:
            if await uow.routing.number_list(list_id) is None:
                raise NotFound(f"number list {list_id} does not exist", code="unknown_list")
            other = await uow.routing.list_named(draft.name)
            if other is not None and other.id != list_id:
                raise Conflict(f"a list named «{draft.name}» exists", code="duplicate")
            await uow.routing.update_list(list_id, draft, self._clock.now())
            await self._audit_list(uow, actor, "update", list_id, draft)
            await uow.commit()
            self._held.drop()
        return NumberList(list_id, draft)

    async def delete_list(self, actor: Actor, list_id: int) -> None:
        _admin(actor)
        async with self._uow() as uow:
            current = await uow.routing.number_list(list_id)
            if current is None:
                raise NotFound(f"number list {list_id} does not exist", code="unknown_list")
            users = [r for r in await uow.routing.rules() if list_id in r.draft.conditions.lists]
            if users:
                names = ", ".join(f"«{r.draft.name}»" for r in users)
                raise Conflict(f"the list is used by rule(s) {names}; change them first", code="in_use")
            await uow.routing.delete_list(list_id)
            await self._audit_list(uow, actor, "delete", list_id, current.draft)
            await uow.commit()
            self._held.drop()

    # -- the production calendar ----------------------------------------------------------------------

    async def calendar(self, actor: Actor, year: int) -> dict[date, DayMark]:
        _admin(actor)
        async with self._uow() as uow:
            return await uow.routing.calendar(date(year, 1, 1), date(year, 12, 31))

    async def calendar_years(self, actor: Actor) -> list[int]:
        _admin(actor)
        async with self._uow() as uow:
            return await uow.routing.calendar_years()

    async def import_calendar(self, actor: Actor, data: bytes, filename: str = "") -> CalendarImport:
        """The file's years replace what was stored for them (XML of xmlcalendar.ru or CSV)."""
        _admin(actor)
        if len(data) > MAX_CALENDAR_BYTES:
            raise BadRequest(
                f"a calendar file is at most {MAX_CALENDAR_BYTES // 1024} KB", code="invalid_calendar"
            )
        try:
            marks = parse_calendar(data)
        except CalendarFileInvalid as exc:
            raise BadRequest(f"not a production calendar: {exc}", code="invalid_calendar") from None
        years = tuple(sorted({day.year for day in marks}))
        async with self._uow() as uow:
            await uow.routing.replace_calendar(years, marks)
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id or None,
                action="import",
                entity="production_calendar",
                entity_id=",".join(map(str, years)),
                detail={"file": filename[:200], "days": len(marks)},
            )
            await uow.commit()
            self._held.drop()
        return CalendarImport(years, len(marks))

    async def start(self) -> None:
        """The shipped calendars (this year and the next) are stored for years the database lacks, so
        holiday rules work from the first start; an administrator's import is never overwritten."""
        try:
            async with self._uow() as uow:
                known = set(await uow.routing.calendar_years())
                for data in self._shipped:
                    marks = parse_calendar(data)
                    years = sorted({day.year for day in marks} - known)
                    if years:
                        await uow.routing.replace_calendar(
                            years, {d: m for d, m in marks.items() if d.year in years}
                        )
                        log.info("production calendar: shipped year(s) %s stored", years)
                await uow.commit()
        except DatabaseUnavailable:
            log.warning("production calendar: the database cannot be read; the shipped years wait")

    # -- deciding ---------------------------------------------------------------------------------------

    async def rule_for_call(
        self, line_id: int, caller: str, stage: Stage, started_at: datetime, ivr_choice: str | None = None
    ) -> Rule | None:
        """The rule that decides the call that started at `started_at` (its hours, day and earlier calls
        are read as of then) at `stage`; None: the line's flow decides. The rules, lists and calendar
        are the ones held in memory (held.py); only a repeat-caller rule reads the call records. A
        database that cannot answer leaves the call to the line's flow."""
        try:
            held = await self._held.snapshot()
            rules = [r for r in held.rules_of(line_id) if r.stage is stage and r.draft.enabled]
            if not rules:
                return None
            facts = await self._held_facts(held, rules, caller, started_at, ivr_choice)
        except DatabaseUnavailable:
            log.warning("routing rules of line %s not read (database down): the line's flow decides", line_id)
            return None
        winner = decide(rules, facts, stage).winner
        if winner is not None:
            log.info(
                "call from %s on line %s: routing rule «%s» (%s)", caller, line_id, winner.draft.name, stage
            )
        return winner

    async def _held_facts(
        self,
        held: RoutingSnapshot,
        rules: Sequence[Rule],
        caller: str,
        at: datetime,
        ivr_choice: str | None,
    ) -> CallFacts:
        """The call's facts from the held calendar and lists; the database only for what it must count
        (earlier calls of a repeat-caller rule) or a day the held calendar lacks."""
        today = at.astimezone(self._zone).date()
        if _needs_records(rules) or not held.holds_day(today):
            async with self._uow() as uow:
                return await self._facts(uow, rules, caller, at, ivr_choice)
        needs_lists = any(r.draft.conditions.lists for r in rules)
        return CallFacts(
            caller=caller,
            at=at.astimezone(self._zone),
            day_kinds=day_kinds(today, held.marks),
            lists=held.lists_holding(caller) if needs_lists else frozenset(),
            ivr_choice=ivr_choice,
        )

    async def test_call(
        self, actor: Actor, line_id: int, caller: str, at: datetime, ivr_choice: str | None
    ) -> TestedCall:
        """The rule tester: what a call from `caller` at `at` (local time when naive) meets."""
        _admin(actor)
        try:
            number = normalize_phone(caller)
        except InvalidPhone as exc:
            raise InvalidFields([FieldProblem("caller", "invalid_phone", str(exc))]) from None
        if not 1990 <= at.year <= 2100:
            raise InvalidFields([FieldProblem("at", "out_of_range", "test a moment between 1990 and 2100")])
        when = at.replace(tzinfo=self._zone) if at.tzinfo is None else at
        async with self._uow() as uow:
            if await uow.lines.get(line_id) is None:
                raise NotFound(f"line {line_id} does not exist", code="unknown_line")
            rules = await uow.routing.rules(line_id)
            facts = await self._facts(uow, rules, number, when, ivr_choice)
        return TestedCall(try_call(rules, facts), facts)

    async def _facts(
        self, uow: RoutingUnitOfWork, rules: Sequence[Rule], caller: str, at: datetime, ivr_choice: str | None
    ) -> CallFacts:
        local = at.astimezone(self._zone)
        today = local.date()
        windows = {
            r.draft.conditions.repeat.within_hours for r in rules if r.draft.conditions.repeat is not None
        }
        calls_within = {
            hours: await uow.routing.calls_from(caller, at - timedelta(hours=hours), at) for hours in windows
        }
        needs_lists = any(r.draft.conditions.lists for r in rules)
        return CallFacts(
            caller=caller,
            at=local,
            day_kinds=day_kinds(today, await uow.routing.calendar(today, today)),
            lists=await uow.routing.lists_holding(caller) if needs_lists else frozenset(),
            calls_within=calls_within,
            ivr_choice=ivr_choice,
        )

    # -- audit ------------------------------------------------------------------------------------------

    async def _audit(
        self, uow: RoutingUnitOfWork, actor: Actor, action: str, rule_id: int, draft: RuleDraft
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            action=action,
            entity="routing_rule",
            entity_id=str(rule_id),
            detail=rule_detail(draft),
        )

    async def _audit_list(
        self, uow: RoutingUnitOfWork, actor: Actor, action: str, list_id: int, draft: NumberListDraft
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            action=action,
            entity="routing_list",
            entity_id=str(list_id),
            detail={"name": draft.name, "kind": draft.kind.value, "numbers": len(draft.numbers)},
        )


def rule_detail(draft: RuleDraft) -> dict[str, Any]:
    """A rule as the audit trail and the storage keep it."""
    c, a = draft.conditions, draft.action
    return {
        "line_id": draft.line_id,
        "name": draft.name,
        "enabled": draft.enabled,
        "conditions": {
            "patterns": list(c.patterns),
            "lists": list(c.lists),
            "repeat": None
            if c.repeat is None
            else {"count": c.repeat.count, "within_hours": c.repeat.within_hours},
            "weekdays": sorted(c.weekdays),
            "hours": None
            if c.hours is None
            else [c.hours.start.strftime("%H:%M"), c.hours.end.strftime("%H:%M")],
            "day_kinds": sorted(k.value for k in c.day_kinds),
            "ivr_choice": c.ivr_choice,
        },
        "action": {
            "kind": a.kind.value,
            "queue_id": a.queue_id,
            "priority": a.priority,
            "flow": a.flow,
            "prompt": a.prompt,
        },
    }


def _needs_records(rules: Sequence[Rule]) -> bool:
    return any(r.draft.conditions.repeat is not None for r in rules)


def _admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("routing rules are kept by administrators")


async def _found(uow: RoutingUnitOfWork, rule_id: int) -> Rule:
    rule = await uow.routing.rule(rule_id)
    if rule is None:
        raise NotFound(f"routing rule {rule_id} does not exist", code="unknown_rule")
    return rule


async def _check_references(uow: RoutingUnitOfWork, draft: RuleDraft) -> None:
    """The line, queue, flow, prompt and lists the rule names exist; a menu-choice rule cannot start
    another flow (the menu has already run)."""
    problems: list[FieldProblem] = []
    a = draft.action
    if await uow.lines.get(draft.line_id) is None:
        problems.append(FieldProblem("line_id", "unknown_line", f"линии {draft.line_id} нет"))
    if a.queue_id is not None and await uow.queues.get(a.queue_id) is None:
        problems.append(
            FieldProblem("action.queue_id", "unknown_queue", f"очереди {a.queue_id} нет (удалена?)")
        )
    if a.kind is ActionKind.FLOW and a.flow and await uow.ivr.flow(a.flow) is None:
        problems.append(FieldProblem("action.flow", "unknown_flow", f"голосового меню «{a.flow}» нет"))
    if a.kind is ActionKind.FLOW and draft.conditions.ivr_choice is not None:
        message = "правило на выбор в меню не может запустить другое меню: меню уже прозвучало"
        problems.append(FieldProblem("action.kind", "flow_after_menu", message))
    if a.prompt and await uow.ivr.prompt(a.prompt) is None:
        problems.append(
            FieldProblem("action.prompt", "unknown_prompt", f"голосового сообщения «{a.prompt}» нет")
        )
    for index, list_id in enumerate(draft.conditions.lists):
        if await uow.routing.number_list(list_id) is None:
            message = f"списка номеров {list_id} нет"
            problems.append(FieldProblem(f"conditions.lists.{index}", "unknown_list", message))
    if problems:
        raise InvalidFields(problems)


def _refuse_shadowed(rule: Rule, others: Sequence[Rule]) -> None:
    earlier = shadowing_rule(rule, others)
    if earlier is not None:
        what = "has no conditions" if earlier.draft.conditions.none else "has the same conditions"
        raise RuleShadowed(
            f"rule «{rule.draft.name}» could never apply: the earlier rule «{earlier.draft.name}» {what}; "
            "narrow one of them or change their order"
        )


def _checked_list(draft: NumberListDraft) -> NumberListDraft:
    problems: list[FieldProblem] = []
    if not draft.name.strip():
        problems.append(FieldProblem("name", "required", "укажите название списка"))
    elif len(draft.name.strip()) > MAX_LIST_NAME:
        problems.append(
            FieldProblem("name", "too_long", f"название списка не длиннее {MAX_LIST_NAME} символов")
        )
    if len(draft.numbers) > MAX_LIST_NUMBERS:
        problems.append(FieldProblem("numbers", "too_many", f"не больше {MAX_LIST_NUMBERS} номеров в списке"))
    numbers: list[str] = []
    for index, raw in enumerate(draft.numbers):
        try:
            numbers.append(normalize_phone(raw))
        except InvalidPhone as exc:
            problems.append(FieldProblem(f"numbers.{index}", "invalid_phone", f"«{raw}»: {exc}"))
    if problems:
        raise InvalidFields(problems)
    return replace(draft, name=draft.name.strip(), numbers=tuple(dict.fromkeys(numbers)))
