"""Inbound and outbound call statistics over a period (TEL-08, SUP-10): what is counted and how.

The figures are sums over call records (one per call, `domain/calls/record.py`), each call judged by
the settings of the queue it waited in: its short-abandon time S, its answer threshold T, its
normative maximum wait W and its service-level formula. The sums are taken by the database (see
`persistence/statistics.py`); this module names them and derives the ratios, so a row of a group
whose queues use different thresholds or formulas is the sum of each call judged by its own queue.

Inbound (a call that entered a queue and has ended):
  received          every such call
  answered          status answered (connected to an operator, or moved on by a transfer)
  answered_within_t answered with wait <= T
  abandoned         status missed (the caller hung up or was sent on after the maximum wait)
  short_abandoned   abandoned with wait < S (counted apart, and still inside abandoned)
  failed            status failed (an error ended the call before an operator answered)
  over_norm         not answered (abandoned or failed) with wait > W
  sl_numerator / sl_denominator: per call by its queue's formula, see `ServiceLevelFormula`
Outbound (placed by an operator or a callback, ended): placed, answered, failed = placed - answered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from c122.domain.errors import FieldProblem, InvalidFields

MAX_PERIOD_DAYS = 366


class Breakdown(StrEnum):
    """The rows of the table: one per queue, group, service or operator."""

    QUEUE = "queue"
    GROUP = "group"
    SERVICE = "service"
    OPERATOR = "operator"


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


@dataclass(slots=True)
class CallFigures:
    """Sums over the calls of one row; the averages and the service level derive from them."""

    received: int = 0
    answered: int = 0
    answered_within_t: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    failed: int = 0
    over_norm: int = 0
    sl_numerator: int = 0
    sl_denominator: int = 0
    wait_answered_s: float = 0.0
    talk_answered_s: float = 0.0
    handle_answered_s: float = 0.0  # talk + hold + wrap-up of the answered calls
    outbound_placed: int = 0
    outbound_answered: int = 0
    outbound_talk_s: float = 0.0

    def add(self, other: CallFigures) -> None:
        for item in fields(CallFigures):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    @property
    def unanswered(self) -> int:
        return self.received - self.answered

    @property
    def outbound_failed(self) -> int:
        return self.outbound_placed - self.outbound_answered

    @property
    def service_level(self) -> float | None:
        return _ratio(self.sl_numerator, self.sl_denominator)

    @property
    def average_wait_s(self) -> float | None:
        return _ratio(self.wait_answered_s, self.answered)

    @property
    def average_talk_s(self) -> float | None:
        return _ratio(self.talk_answered_s, self.answered)

    @property
    def average_handle_s(self) -> float | None:
        return _ratio(self.handle_answered_s, self.answered)

    @property
    def average_outbound_talk_s(self) -> float | None:
        return _ratio(self.outbound_talk_s, self.outbound_answered)


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open span of time [starts, ends) in UTC."""

    starts: datetime
    ends: datetime


@dataclass(frozen=True, slots=True)
class StateInterval:
    """An operator's time in one state: [began, ended) in UTC."""

    operator_id: int
    state: str
    began: datetime
    ended: datetime


def state_seconds(intervals: Iterable[StateInterval], spans: Sequence[Span]) -> dict[int, dict[str, float]]:
    """Each operator's seconds in each state inside `spans`: an interval is cut at the spans' edges."""
    totals: dict[int, dict[str, float]] = {}
    for i in intervals:
        inside = sum(max(0.0, (min(i.ended, s.ends) - max(i.began, s.starts)).total_seconds()) for s in spans)
        if inside > 0:
            states = totals.setdefault(i.operator_id, {})
            states[i.state] = states.get(i.state, 0.0) + inside
    return totals


@dataclass(frozen=True, slots=True)
class StatisticsRow:
    key: int | None  # the queue, group, service or operator id; None: calls that name none
    name: str
    figures: CallFigures
    states_s: dict[str, float] | None = None
    """By operator: the seconds in each state within the period (occupancy is read from them)."""


def period_span(since: date, until: date, zone: ZoneInfo) -> Span:
    """The local days `since`..`until` (both included) in the hotline's zone, as a UTC span.

    Refuses (422) a period that ends before it starts or is longer than MAX_PERIOD_DAYS."""
    problems: list[FieldProblem] = []
    if until < since:
        problems.append(FieldProblem("until", "before_since", "the period ends before it starts"))
    elif (until - since).days + 1 > MAX_PERIOD_DAYS:
        problems.append(
            FieldProblem("until", "period_too_long", f"a period is at most {MAX_PERIOD_DAYS} days")
        )
    if problems:
        raise InvalidFields(problems)
    return Span(
        datetime.combine(since, time(), zone),
        datetime.combine(until + timedelta(days=1), time(), zone),
    )
