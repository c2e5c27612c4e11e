"""Routing rules and how a call is matched against them.

A rule's conditions all hold for a call to match (an absent condition holds always); within the caller
patterns and the number lists any one is enough. Rules are decided at two moments: rules without an
IVR-choice condition when the call arrives, before the menu (`Stage.ARRIVAL`); rules with one when the
menu hands the call to a queue (`Stage.MENU`). At each moment the first matching enabled rule in the
line's order wins, and a call is decided by one rule at most.

Caller patterns are written over E.164 numbers: digits, a leading `+` (`8…` and `7…` are read as
`+7…`), `X` or `?` for any one digit and `*` for any digits (none included).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum

from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.routing.calendar import DayKind

_PATTERN = re.compile(r"^\+?[0-9X?*]+$")
MAX_PATTERNS = 50
MAX_NAME = 100
MAX_REPEAT_HOURS = 24 * 30


class InvalidPattern(ValueError):
    pass


class Stage(StrEnum):
    ARRIVAL = "arrival"  # before the menu
    MENU = "menu"  # when the menu hands the call to a queue


class ActionKind(StrEnum):
    QUEUE = "queue"  # straight to a queue, past the menu (or instead of the menu's queue)
    PRIORITY = "priority"  # the queue the menu chooses, at this priority
    FLOW = "flow"  # another IVR flow instead of the line's
    REFUSE = "refuse"  # a polite prompt, then hang up (blocked numbers)


@dataclass(frozen=True)
class TimeWindow:
    """From `start` (included) to `end` (excluded), local time; an `end` before `start` crosses midnight."""

    start: time
    end: time

    def holds(self, at: time) -> bool:
        if self.start <= self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end


@dataclass(frozen=True)
class RepeatCalls:
    """The call is at least the `count`-th from the same number within `within_hours` hours."""

    count: int
    within_hours: int


@dataclass(frozen=True)
class Conditions:
    patterns: tuple[str, ...] = ()
    lists: tuple[int, ...] = ()  # number lists (VIP, blocked, repeat callers …) the caller is on
    repeat: RepeatCalls | None = None
    weekdays: frozenset[int] = frozenset()  # ISO: 1 Monday … 7 Sunday; empty: any day
    hours: TimeWindow | None = None
    day_kinds: frozenset[DayKind] = frozenset()  # any of these kinds of day (the production calendar)
    ivr_choice: str | None = None  # the menu's choice, "node:key"

    @property
    def none(self) -> bool:
        return self == Conditions()


@dataclass(frozen=True)
class RuleAction:
    kind: ActionKind
    queue_id: int | None = None
    priority: int | None = None  # with QUEUE optional, with PRIORITY required
    flow: str | None = None
    prompt: str | None = None  # REFUSE: the prompt played before hanging up (else the standard words)


@dataclass(frozen=True)
class RuleDraft:
    line_id: int
    name: str
    conditions: Conditions
    action: RuleAction
    enabled: bool = True


@dataclass(frozen=True)
class Rule:
    id: int
    position: int
    draft: RuleDraft

    @property
    def stage(self) -> Stage:
        return Stage.MENU if self.draft.conditions.ivr_choice is not None else Stage.ARRIVAL


@dataclass(frozen=True)
class RuleReference:
    """A rule named where something it sends calls to is about to be deleted."""

    id: int
    name: str
    line_id: int

    def __str__(self) -> str:
        return f"«{self.name}» (line {self.line_id})"


@dataclass(frozen=True)
class CallFacts:
    """What the rules look at. `at` is the line's local time (tz-aware); `day_kinds` the calendar's word
    on that date; `lists` the number lists holding the caller; `calls_within` how many earlier calls
    came from the number within each window (hours) the rules ask about."""

    caller: str
    at: datetime
    day_kinds: frozenset[DayKind]
    lists: frozenset[int] = frozenset()
    calls_within: Mapping[int, int] = field(default_factory=dict)
    ivr_choice: str | None = None


@dataclass(frozen=True)
class Verdict:
    """The winning rule (None: the line's own flow decides) and the others that matched but lost."""

    winner: Rule | None
    also_matched: tuple[Rule, ...] = ()


def check_pattern(raw: str) -> str:
    """The pattern in its stored form (`8…`/`7…` read as `+7…`), or InvalidPattern with the reason."""
    pattern = re.sub(r"[\s()\-]", "", raw).upper()
    if not pattern:
        raise InvalidPattern("шаблон пуст")
    if not _PATTERN.match(pattern):
        raise InvalidPattern(f"«{raw}»: только цифры, + в начале, X или ? (одна цифра) и * (любые цифры)")
    if not pattern.startswith("+"):
        if pattern[0] in "78":
            pattern = "+7" + pattern[1:]
        elif pattern[0] != "*":
            raise InvalidPattern(f"«{raw}»: начните с +, 8 или 7 (читается как +7…) либо с *")
    if not any(ch.isdigit() for ch in pattern) and pattern.strip("+*") == "":
        raise InvalidPattern(f"«{raw}» подходит к любому номеру; оставьте шаблоны пустыми")
    return pattern


def pattern_matches(pattern: str, caller: str) -> bool:
    regex = "".join(r"\d" if ch in "X?" else r"[+\d]*" if ch == "*" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, caller) is not None


def checked_rule(draft: RuleDraft) -> RuleDraft:
    """The draft with its patterns in stored form, or InvalidFields naming each bad field."""
    problems: list[FieldProblem] = []
    c, a = draft.conditions, draft.action
    if not draft.name.strip():
        problems.append(FieldProblem("name", "required", "укажите название правила"))
    elif len(draft.name.strip()) > MAX_NAME:
        problems.append(FieldProblem("name", "too_long", f"название правила не длиннее {MAX_NAME} символов"))
    patterns: list[str] = []
    if len(c.patterns) > MAX_PATTERNS:
        problems.append(FieldProblem("conditions.patterns", "too_many", f"не больше {MAX_PATTERNS} шаблонов"))
    for index, raw in enumerate(c.patterns):
        try:
            patterns.append(check_pattern(raw))
        except InvalidPattern as exc:
            problems.append(FieldProblem(f"conditions.patterns.{index}", "invalid_pattern", str(exc)))
    if c.repeat is not None and not (
        2 <= c.repeat.count <= 100 and 1 <= c.repeat.within_hours <= MAX_REPEAT_HOURS
    ):
        message = f"повторный звонок: со 2-го по 100-й за 1–{MAX_REPEAT_HOURS} ч"
        problems.append(FieldProblem("conditions.repeat", "out_of_range", message))
    if any(not 1 <= day <= 7 for day in c.weekdays):
        problems.append(FieldProblem("conditions.weekdays", "out_of_range", "дни недели: 1 (пн) … 7 (вс)"))
    if c.hours is not None and c.hours.start == c.hours.end:
        problems.append(FieldProblem("conditions.hours", "empty", "начало и конец интервала совпадают"))
    if c.ivr_choice is not None and not re.fullmatch(r"[\w-]{1,64}:[0-9*#]", c.ivr_choice):
        problems.append(
            FieldProblem(
                "conditions.ivr_choice",
                "invalid",
                "выбор в меню записывается как «узел:клавиша», например menu:1",
            )
        )
    problems += _action_problems(a)
    if problems:
        raise InvalidFields(problems)
    conditions = Conditions(
        patterns=tuple(dict.fromkeys(patterns)),
        lists=tuple(dict.fromkeys(c.lists)),
        repeat=c.repeat,
        weekdays=c.weekdays,
        hours=c.hours,
        day_kinds=c.day_kinds,
        ivr_choice=c.ivr_choice,
    )
    return RuleDraft(draft.line_id, draft.name.strip(), conditions, a, draft.enabled)


def _action_problems(a: RuleAction) -> list[FieldProblem]:
    needs = {
        ActionKind.QUEUE: ("queue_id", a.queue_id, "очередь"),
        ActionKind.PRIORITY: ("priority", a.priority, "приоритет"),
        ActionKind.FLOW: ("flow", a.flow, "голосовое меню"),
    }
    if a.kind in needs:
        name, value, what = needs[a.kind]
        if value is None or value == "":
            return [FieldProblem(f"action.{name}", "required", f"укажите {what}")]
    if a.priority is not None and not 0 <= a.priority <= 100:
        return [
            FieldProblem(
                "action.priority", "out_of_range", "приоритет от 0 до 100 (больший обслуживается раньше)"
            )
        ]
    return []


def matches(rule: Rule, facts: CallFacts) -> bool:
    c = rule.draft.conditions
    return (
        rule.draft.enabled
        and (not c.patterns or any(pattern_matches(p, facts.caller) for p in c.patterns))
        and (not c.lists or any(list_id in facts.lists for list_id in c.lists))
        and (c.repeat is None or facts.calls_within.get(c.repeat.within_hours, 0) + 1 >= c.repeat.count)
        and (not c.weekdays or facts.at.isoweekday() in c.weekdays)
        and (c.hours is None or c.hours.holds(facts.at.time().replace(tzinfo=None)))
        and (not c.day_kinds or bool(c.day_kinds & facts.day_kinds))
        and (c.ivr_choice is None or c.ivr_choice == facts.ivr_choice)
    )


def decide(rules: Sequence[Rule], facts: CallFacts, stage: Stage) -> Verdict:
    """The first matching rule of `stage` in the line's order, and the later ones that matched too."""
    matching = [r for r in sorted(rules, key=lambda r: r.position) if r.stage is stage and matches(r, facts)]
    return Verdict(matching[0], tuple(matching[1:])) if matching else Verdict(None)


def try_call(rules: Sequence[Rule], facts: CallFacts) -> Verdict:
    """What a call with these facts meets (the rule tester): the arrival's winner, else — with a menu
    choice — the menu's; every other matching rule of either moment is listed as having lost."""
    arrival = decide(rules, facts, Stage.ARRIVAL)
    menu = decide(rules, facts, Stage.MENU) if facts.ivr_choice is not None else Verdict(None)
    ranked = [r for r in (arrival.winner, *arrival.also_matched, menu.winner, *menu.also_matched) if r]
    if not ranked:
        return Verdict(None)
    return Verdict(ranked[0], tuple(ranked[1:]))


def shadowing_rule(rule: Rule, rules: Sequence[Rule]) -> Rule | None:
    """An earlier enabled rule of the same moment that every call `rule` matches would meet first (no
    conditions, or the very same ones): `rule` could never win. Rules that overlap in part are allowed
    (the tester shows which wins)."""
    if not rule.draft.enabled:
        return None
    for earlier in sorted(rules, key=lambda r: r.position):
        if earlier.position >= rule.position or earlier.id == rule.id or not earlier.draft.enabled:
            continue
        if earlier.stage is not rule.stage:
            continue
        ours, theirs = rule.draft.conditions, earlier.draft.conditions
        if theirs == ours or (theirs.none and rule.stage is Stage.ARRIVAL):
            return earlier
    return None
