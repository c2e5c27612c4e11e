"""Routing rules, number lists, the production calendar and the rule tester on the wire
(docs/admin/routing.md). Values are checked by the domain, which names each bad field in its 422."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from c122.api.bounded import Id, Integer
from c122.api.schemas.common import Strict

Text = Annotated[str, StringConstraints(max_length=300)]
DayKindName = Literal["working", "non_working", "holiday", "shortened"]
ActionName = Literal["queue", "priority", "flow", "refuse"]
ListKindName = Literal["vip", "blocked", "repeat", "other"]
DayMarkName = Literal["holiday", "shortened", "working_weekend"]


class RepeatCallsIo(Strict):
    count: Integer
    """This call is at least the `count`-th from the number …"""
    within_hours: Integer
    """… within this many hours (counted from the call records)."""


class TimeWindowIo(Strict):
    start: time
    end: time
    """Excluded; an end before the start crosses midnight."""


class ConditionsIo(Strict):
    patterns: list[Text] = []
    """Any one matches: digits, leading + (8… and 7… read as +7…), X or ? one digit, * any digits."""
    lists: list[Id] = []
    """The caller is on any one of these number lists."""
    repeat: RepeatCallsIo | None = None
    weekdays: list[Integer] = []
    """ISO days, 1 Monday … 7 Sunday; empty: any day."""
    hours: TimeWindowIo | None = None
    """The line's local time (the hotline's time zone)."""
    day_kinds: list[DayKindName] = []
    """Any of these kinds of day by the production calendar."""
    ivr_choice: Text | None = None
    """The menu's choice «node:key»: the rule is decided when the menu hands the call to a queue."""


class ActionIo(Strict):
    kind: ActionName
    queue_id: Id | None = None
    priority: Integer | None = None
    flow: Text | None = None
    prompt: Text | None = None
    """`refuse`: the prompt played before hanging up (else the standard words)."""


class RuleIn(Strict):
    line_id: Id
    name: Text
    enabled: bool = True
    conditions: ConditionsIo = ConditionsIo()
    action: ActionIo


class RuleOut(BaseModel):
    id: int
    line_id: int
    position: int
    name: str
    enabled: bool
    stage: Literal["arrival", "menu"]
    conditions: ConditionsIo
    action: ActionIo


class RuleOrderIn(Strict):
    rule_ids: list[Id]


class NumberListIn(Strict):
    name: Text
    kind: ListKindName = "other"
    numbers: list[Text] = []


class NumberListOut(BaseModel):
    id: int
    name: str
    kind: ListKindName
    numbers: list[str]


class CalendarDayOut(BaseModel):
    date: date
    mark: DayMarkName


class CalendarOut(BaseModel):
    year: int
    years: list[int]
    """Every year the stored calendar covers."""
    days: list[CalendarDayOut]


class CalendarImportOut(BaseModel):
    years: list[int]
    days: int


class RuleTestIn(Strict):
    line_id: Id
    caller: Text
    at: datetime
    """Without a time zone: the line's local time."""
    ivr_choice: Text | None = None


class RuleTestOut(BaseModel):
    winner: RuleOut | None
    """None: no rule applies, the line's own flow decides."""
    also_matched: list[RuleOut]
    """Rules that matched too but lost to the winner (earlier in the order, or decided before the menu)."""
    caller: str
    local_time: datetime
    day_kinds: list[DayKindName]
    lists: list[int]
