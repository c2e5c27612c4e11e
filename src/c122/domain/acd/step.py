"""One ACD operation in progress, and what it returns."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from c122.domain.acd.events import CallOffered, DomainEvent, Offer
from c122.domain.acd.ids import CallId, OperatorId


@dataclass(frozen=True, slots=True)
class Outcome:
    events: tuple[DomainEvent, ...] = ()

    @property
    def offers(self) -> tuple[Offer, ...]:
        return tuple(e.offer for e in self.events if isinstance(e, CallOffered))


class Step:
    """Collects the events of one operation, the operators it freed and the calls it put (back) in a
    queue; both are matched once the operation's changes are done."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.events: list[DomainEvent] = []
        self.freed: deque[OperatorId] = deque()
        self.calls: list[CallId] = []

    def outcome(self) -> Outcome:
        return Outcome(tuple(self.events))
