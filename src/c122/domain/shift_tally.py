"""Running per-shift counters folded from queue log records, one record at a time (OPS-27, OPS-28).

The tally is the incremental half of the shift statistics: it is built once from the stored log of
the shift and then takes each new record as the ACD stores it, so a figure never re-scans the day.
A record counts when `start <= at < end`, the same rule as `acd.kpi`; state time is clipped to the
shift, and the state an operator is in now counts up to the moment the figures are read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

from c122.domain.acd.kpi import KpiDefinitions, ServiceLevelFormula
from c122.domain.acd.queue_log import QueueLogKind, QueueLogRecord

K = QueueLogKind
_DIALS_FROM = frozenset({"ready", "wrap_up"})  # the operator's own call: Trigger.DIAL's sources
_COMPLETIONS = frozenset({K.COMPLETE_CALLER, K.COMPLETE_OPERATOR, K.TRANSFER})


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator > 0 else None


@dataclass(slots=True)
class QueueTally:
    answered: int = 0
    answered_within_t: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    abandoned_within_t: int = 0
    timed_out: int = 0
    completed: int = 0
    wait_answered_s: float = 0.0
    talk_s: float = 0.0
    wrap_s: float = 0.0

    @property
    def received(self) -> int:
        return self.answered + self.abandoned + self.timed_out

    def merge(self, other: QueueTally) -> None:
        for name in QueueTally.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def service_level(self, formula: ServiceLevelFormula) -> float | None:
        return _ratio(*self.service_level_parts(formula))

    def service_level_parts(self, formula: ServiceLevelFormula) -> tuple[int, int]:
        """The formula's numerator and denominator (acd/kpi.py)."""
        if formula is ServiceLevelFormula.ANSWERED_OF_OFFERED:
            return self.answered_within_t, self.received
        if formula is ServiceLevelFormula.SHORT_ABANDONS_IGNORED:
            return self.answered_within_t, self.received - self.short_abandoned
        if formula is ServiceLevelFormula.ABANDONS_WITHIN_T_MET:
            return self.answered_within_t + self.abandoned_within_t, self.received
        return self.answered_within_t, self.answered

    @property
    def average_wait_s(self) -> float | None:
        return _ratio(self.wait_answered_s, self.answered)

    @property
    def average_handle_s(self) -> float | None:
        return _ratio(self.talk_s + self.wrap_s, self.completed)


@dataclass(slots=True)
class BreakTally:
    count: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class OperatorTally:
    offers: int = 0
    answered: int = 0
    answered_within_t: int = 0
    missed: int = 0  # offers rung out or rejected
    placed: int = 0
    completed: int = 0
    talk_s: float = 0.0
    wrap_ups: int = 0
    wrap_s: float = 0.0
    breaks: dict[str, BreakTally] = field(default_factory=dict)  # by reason
    state_s: dict[str, float] = field(default_factory=dict)
    status: str | None = None  # the state entered last inside the shift, and when
    status_since: float = 0.0
    break_reason: str = ""

    @property
    def average_talk_s(self) -> float | None:
        return _ratio(self.talk_s, self.completed)

    @property
    def average_wrap_s(self) -> float | None:
        return _ratio(self.wrap_s, self.wrap_ups)

    @property
    def offers_taken(self) -> float | None:
        return _ratio(self.answered, self.offers)

    def states_at(self, now: float, end: float) -> dict[str, float]:
        """Time in each state, the current one counted up to `now` (or the shift's end)."""
        states = dict(self.state_s)
        if self.status is not None:
            running = max(0.0, min(now, end) - self.status_since)
            states[self.status] = states.get(self.status, 0.0) + running
        return states


class ShiftTally:
    """Counters of one shift occurrence [start, end), per queue and per operator."""

    def __init__(
        self,
        start: float,
        end: float,
        definitions: KpiDefinitions,
        of_queue: Callable[[str], KpiDefinitions | None] = lambda _: None,
    ) -> None:
        """`of_queue`: a queue's own thresholds (T, S, formula) when it has them, else `definitions`."""
        self.start = start
        self.end = end
        self.definitions = definitions
        self._of_queue = of_queue
        self.queues: dict[str, QueueTally] = {}
        self.operators: dict[str, OperatorTally] = {}

    def add_all(self, records: Iterable[QueueLogRecord]) -> None:
        for record in records:
            self.add(record)

    def add(self, r: QueueLogRecord) -> None:
        if r.kind is K.STATE_CHANGE:
            self._state_change(r)
            return
        if not self.start <= r.at < self.end:
            return
        own = self.definitions_of(r.queue_id)
        t, s = own.service_level_s, own.short_abandon_s
        waited = r.waited_s or 0.0
        queue = self.queues.setdefault(r.queue_id, QueueTally()) if r.queue_id is not None else None
        operator = self.operators.setdefault(r.operator_id, OperatorTally()) if r.operator_id else None
        if r.kind is K.CONNECT and not r.is_callback:
            if queue is not None:
                queue.answered += 1
                queue.answered_within_t += waited <= t
                queue.wait_answered_s += waited
            if operator is not None:
                operator.answered += 1
                operator.answered_within_t += waited <= t
        elif r.kind is K.ABANDON and queue is not None:
            queue.abandoned += 1
            queue.short_abandoned += waited < s
            queue.abandoned_within_t += waited <= t
        elif r.kind is K.EXIT_TIMEOUT and queue is not None:
            queue.timed_out += 1
        elif r.kind is K.OFFER and operator is not None:
            operator.offers += 1
        elif r.kind in (K.RING_NO_ANSWER, K.REJECT) and operator is not None:
            operator.missed += 1
        elif r.kind in _COMPLETIONS:
            if queue is not None:
                queue.completed += 1
                queue.talk_s += r.talk_s or 0.0
            if operator is not None:
                operator.completed += 1
                operator.talk_s += r.talk_s or 0.0

    def _state_change(self, r: QueueLogRecord) -> None:
        if r.operator_id is None or r.at < self.start:
            return
        operator = self.operators.setdefault(r.operator_id, OperatorTally())
        low = max(r.at - (r.duration_s or 0.0), self.start)
        share = max(0.0, min(r.at, self.end) - low)
        old = r.old_status or ""
        if share > 0:
            operator.state_s[old] = operator.state_s.get(old, 0.0) + share
        if old == "on_break" and share > 0:
            tally = operator.breaks.setdefault(operator.break_reason, BreakTally())
            tally.count += 1
            tally.seconds += share
        if r.at >= self.end:
            operator.status = None
            return
        if old == "wrap_up":
            operator.wrap_ups += 1
            operator.wrap_s += share
            if r.queue_id is not None:
                self.queues.setdefault(r.queue_id, QueueTally()).wrap_s += share
        if r.new_status == "on_call" and old in _DIALS_FROM:
            operator.placed += 1
        operator.status, operator.status_since = r.new_status, r.at
        operator.break_reason = r.detail if r.new_status == "on_break" else ""

    def definitions_of(self, queue_id: str | None) -> KpiDefinitions:
        own = self._of_queue(queue_id) if queue_id is not None else None
        return own if own is not None else self.definitions

    def service_level(self, queue_ids: Collection[str]) -> float | None:
        """Of several queues: each queue's answered within its own T, by its own formula, summed."""
        numerator = denominator = 0.0
        for queue_id in queue_ids:
            if queue_id in self.queues:
                part = self.queues[queue_id].service_level_parts(self.definitions_of(queue_id).formula)
                numerator, denominator = numerator + part[0], denominator + part[1]
        return _ratio(numerator, denominator)

    def total(self, queue_ids: Collection[str]) -> QueueTally:
        total = QueueTally()
        for queue_id in queue_ids:
            if queue_id in self.queues:
                total.merge(self.queues[queue_id])
        return total

    def operator(self, operator_id: str) -> OperatorTally:
        return self.operators.get(operator_id, OperatorTally())


WaitState = Literal["calm", "over_t", "over_norm"]


def wait_state(waiting: int, longest_wait_s: float, service_level_s: float, norm_wait_s: float) -> WaitState:
    """How the live panel colours a queue's waiting callers: the longest wait beyond the queue's
    normative maximum W, beyond its answer threshold T, or neither (nobody waiting is calm)."""
    if waiting == 0:
        return "calm"
    if longest_wait_s > norm_wait_s:
        return "over_norm"
    return "over_t" if longest_wait_s > service_level_s else "calm"


def worst(states: Iterable[WaitState]) -> WaitState:
    order: tuple[WaitState, ...] = ("calm", "over_t", "over_norm")
    return max(states, key=order.index, default="calm")
