"""Operators needed per interval by Erlang C (M/M/N: Poisson arrivals, exponential handle times, no
abandons), for the staffing forecast of issue #19.

`load = calls × handle time / interval length` in Erlangs; with N operators the chance a caller waits
is Erlang C, and the share answered within T is `1 − C·e^(−(N−A)·T/AHT)`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord

MAX_OPERATORS = 10_000  # far above any hotline; stops the search on absurd input


def erlang_c(operators: int, load: float) -> float:
    """The probability that a caller waits; 1 when the operators cannot keep up (N <= A)."""
    if load <= 0:
        return 0.0
    if operators <= load:
        return 1.0
    # 1/B by the Erlang B recurrence, stable for large N: 1/B(k) = 1 + k/A · 1/B(k−1)
    inverse_b = 1.0
    for k in range(1, operators + 1):
        inverse_b = 1.0 + inverse_b * k / load
    b = 1.0 / inverse_b
    return operators * b / (operators - load * (1.0 - b))


@dataclass(frozen=True, slots=True)
class Staffing:
    operators: int
    load_erlangs: float
    wait_probability: float
    service_level: float  # share answered within the threshold
    average_wait_s: float
    occupancy: float


def staffing_for(operators: int, load: float, handle_s: float, threshold_s: float) -> Staffing:
    wait = erlang_c(operators, load)
    if operators <= load:
        return Staffing(operators, load, 1.0, 0.0, math.inf, 1.0)
    spare = operators - load
    return Staffing(
        operators=operators,
        load_erlangs=load,
        wait_probability=wait,
        service_level=1.0 - wait * math.exp(-spare * threshold_s / handle_s),
        average_wait_s=wait * handle_s / spare,
        occupancy=load / operators if operators else 0.0,
    )


def operators_needed(
    calls: float, interval_s: float, handle_s: float, target: float, threshold_s: float
) -> Staffing:
    """The fewest operators whose service level reaches `target` (0..1) within `threshold_s`."""
    if calls < 0 or interval_s <= 0 or handle_s <= 0 or not 0 < target < 1 or threshold_s < 0:
        raise ValueError("calls >= 0, interval and handle time > 0, 0 < target < 1, threshold >= 0")
    load = calls * handle_s / interval_s
    if load == 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    operators = max(1, math.floor(load) + 1)
    while operators < MAX_OPERATORS:
        staffing = staffing_for(operators, load, handle_s, threshold_s)
        if staffing.service_level >= target:
            return staffing
        operators += 1
    raise ValueError(f"more than {MAX_OPERATORS} operators would be needed")


@dataclass(frozen=True, slots=True)
class IntervalForecast:
    starts: float  # the interval's start, epoch seconds
    calls: float  # offered calls expected: the mean of the same interval on the history days
    staffing: Staffing


def forecast_day(
    records: Iterable[QueueLogRecord],
    queue_id: str,
    day_start: float,
    history_starts: Sequence[float],
    *,
    target: float,
    threshold_s: float,
    default_handle_s: float,
    interval_s: float = 1800,
    intervals: int = 48,
) -> tuple[float, list[IntervalForecast]]:
    """The operators needed per interval of the day starting at `day_start`, from the queue's
    received calls in the same intervals of the history days (e.g. the same weekday in the weeks
    before) and its handle time over them (`default_handle_s` when none was completed)."""
    counts = [0] * intervals
    talk = 0.0
    completed = 0
    for r in records:
        slot = _slot(r.at, history_starts, interval_s, intervals)
        if r.queue_id != queue_id or slot is None:
            continue
        if r.kind is K.STATE_CHANGE:
            if r.old_status == "wrap_up":
                talk += r.duration_s or 0.0
        elif (r.kind is K.CONNECT and not r.is_callback) or r.kind in (K.ABANDON, K.EXIT_TIMEOUT):
            counts[slot] += 1
        elif r.kind in (K.COMPLETE_CALLER, K.COMPLETE_OPERATOR, K.TRANSFER):
            completed += 1
            talk += r.talk_s or 0.0
    handle_s = talk / completed if completed else default_handle_s
    days = max(1, len(history_starts))
    return handle_s, [
        IntervalForecast(
            starts=day_start + i * interval_s,
            calls=counts[i] / days,
            staffing=operators_needed(counts[i] / days, interval_s, handle_s, target, threshold_s),
        )
        for i in range(intervals)
    ]


def _slot(at: float, starts: Sequence[float], interval_s: float, intervals: int) -> int | None:
    for start in starts:
        offset = at - start
        if 0 <= offset < interval_s * intervals:
            return int(offset // interval_s)
    return None
