"""What routing rules need stored: the rules per line, the number lists, the production calendar, and
how often a number called lately (from the call records)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from c122.domain.organisation import Line, Queue
from c122.domain.routing import DayMark, Rule, RuleDraft, RuleReference
from c122.services.ivr.ports import IvrRepository
from c122.services.ports import EntityRepository, UnitOfWork


class ListKind(StrEnum):
    VIP = "vip"
    BLOCKED = "blocked"
    REPEAT = "repeat"  # repeat callers an administrator keeps by hand
    OTHER = "other"


@dataclass(frozen=True)
class NumberListDraft:
    name: str
    kind: ListKind
    numbers: tuple[str, ...]  # E.164


@dataclass(frozen=True)
class NumberList:
    id: int
    draft: NumberListDraft


class RoutingRepository(Protocol):
    async def rules(self, line_id: int | None = None) -> list[Rule]:
        """A line's rules (every line's when None), in the line's order."""
        ...

    async def rule(self, rule_id: int) -> Rule | None: ...

    async def add_rule(self, draft: RuleDraft, position: int, at: datetime) -> int: ...

    async def update_rule(self, rule_id: int, draft: RuleDraft, at: datetime) -> None: ...

    async def delete_rule(self, rule_id: int) -> None: ...

    async def set_positions(self, positions: Mapping[int, int]) -> None:
        """rule id -> its new position."""
        ...

    async def rules_sending_to_queue(self, queue_id: int) -> list[RuleReference]: ...

    async def rules_starting_flow(self, flow: str) -> list[RuleReference]: ...

    async def lists(self) -> list[NumberList]: ...

    async def number_list(self, list_id: int) -> NumberList | None: ...

    async def list_named(self, name: str) -> NumberList | None: ...

    async def add_list(self, draft: NumberListDraft, at: datetime) -> int: ...

    async def update_list(self, list_id: int, draft: NumberListDraft, at: datetime) -> None: ...

    async def delete_list(self, list_id: int) -> None: ...

    async def lists_holding(self, number: str) -> frozenset[int]: ...

    async def calendar(self, start: date, end: date) -> dict[date, DayMark]:
        """The calendar's marked days from `start` to `end`, both included."""
        ...

    async def calendar_years(self) -> list[int]: ...

    async def replace_calendar(self, years: Sequence[int], marks: Mapping[date, DayMark]) -> None:
        """The years' days replaced by `marks` (other years untouched)."""
        ...

    async def calls_from(self, caller: str, since: datetime, until: datetime) -> int:
        """Inbound calls from `caller` started from `since` until before `until` (the call records)."""
        ...


class RoutingUnitOfWork(UnitOfWork, Protocol):
    @property
    def routing(self) -> RoutingRepository: ...

    @property
    def lines(self) -> EntityRepository[Line]: ...

    @property
    def queues(self) -> EntityRepository[Queue]: ...

    @property
    def ivr(self) -> IvrRepository: ...
