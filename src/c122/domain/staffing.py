"""Operators needed per interval by Erlang C (M/M/N: Poisson arrivals, exponential handle times, no
abandons) and by Erlang A (M/M/N+M: callers also give up after an exponential patience), for the
staffing forecast of issue #19.

`load = calls × handle time / interval length` in Erlangs; with N operators the chance a caller waits
is Erlang C, and the share answered within T is `1 − C·e^(−(N−A)·T/AHT)`.

Erlang A is computed from its birth–death chain (docs/contact-center/statistics.md): the number of
callers in the system n rises at λ and falls at min(n, N)·μ + max(n − N, 0)·θ (μ = 1/AHT, θ = 1/mean
patience). An arriving caller sees the stationary distribution π (PASTA); one who finds n ≥ N joins
the queue at place j = n − N + 1 and moves up one place at rate N·μ + (j − 1)·θ while giving up at θ,
so they are answered within T with probability Π (Nμ + (i−1)θ)/(Nμ + iθ) · P(Σ Exp(Nμ + iθ) ≤ T), the
last computed by uniformisation of the same pure-death chain.
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
    abandon_probability: float = 0.0
    """Erlang A only: the share of callers who give up waiting."""


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


TAIL = 1e-12
"""Where the chain's stationary tail and the uniformisation's Poisson tail are cut."""


def erlang_a(operators: int, load: float, handle_s: float, patience_s: float, threshold_s: float) -> Staffing:
    """Erlang A (M/M/N+M) with `load` Erlangs, mean handle time `handle_s` and mean patience `patience_s`:
    the chance to wait, to give up, the share of all callers answered within `threshold_s`, the mean
    wait of all callers (Little: mean queue length / λ) and the operators' occupancy."""
    if operators < 0 or load < 0 or handle_s <= 0 or patience_s <= 0 or threshold_s < 0:
        raise ValueError("operators >= 0, load >= 0, handle time and patience > 0, threshold >= 0")
    if load == 0:
        return Staffing(operators, 0.0, 0.0, 1.0, 0.0, 0.0)
    mu, theta = 1.0 / handle_s, 1.0 / patience_s
    arrivals = load * mu
    weights = _stationary(operators, arrivals, mu, theta)
    total = math.fsum(weights)
    pi = [w / total for w in weights]
    queued = pi[operators:]
    wait = math.fsum(queued)
    queue_length = math.fsum(k * p for k, p in enumerate(queued))
    abandon = theta * queue_length / arrivals
    within = math.fsum(pi[:operators]) + math.fsum(
        p * q
        for p, q in zip(
            queued, _answered_within(len(queued), operators * mu, theta, threshold_s), strict=True
        )
    )
    busy = math.fsum(min(n, operators) * p for n, p in enumerate(pi))
    return Staffing(
        operators=operators,
        load_erlangs=load,
        wait_probability=wait,
        service_level=within,
        average_wait_s=queue_length / arrivals,
        occupancy=busy / operators if operators else 0.0,
        abandon_probability=abandon,
    )


def _stationary(operators: int, arrivals: float, mu: float, theta: float) -> list[float]:
    """Unnormalised π_n of the chain, n = 0 … until the tail is negligible (with θ > 0 it always ends)."""
    weights, total = [1.0], 1.0
    while True:
        n = len(weights)
        weights.append(weights[-1] * arrivals / (min(n, operators) * mu + max(n - operators, 0) * theta))
        total += weights[-1]
        if n > operators and weights[-1] < TAIL * total:
            return weights
        if weights[-1] > 1e250:  # rescale: only the ratios matter
            weights, total = [w / 1e250 for w in weights], total / 1e250


def _answered_within(places: int, serving: float, theta: float, threshold_s: float) -> list[float]:
    """For a caller joining at place j = 1 … `places`: the chance to be answered within `threshold_s`.
    Uniformisation of the pure-death chain of their place (place i moves up at `serving` + (i − 1)·θ
    and is left by giving up at θ) at the rate of its fastest place: h_k[i], the chance to have been
    answered within k jumps from place i, weighted by the Poisson chance of k jumps by `threshold_s`."""
    if places == 0:
        return []
    rate = serving + places * theta
    mean = rate * threshold_s
    stay = [1.0 - (serving + i * theta) / rate for i in range(places + 1)]  # stay[i]: from place i
    move = [(serving + (i - 1) * theta) / rate for i in range(places + 1)]
    answered = [1.0] + [0.0] * places  # h_0; index 0 is 'answered'
    log_weight = -mean
    result = [math.exp(log_weight) * h for h in answered]
    for k in range(1, int(mean + 12 * math.sqrt(mean) + 30)):
        answered = [1.0] + [move[i] * answered[i - 1] + stay[i] * answered[i] for i in range(1, places + 1)]
        log_weight += math.log(mean / k)
        weight = math.exp(log_weight)
        result = [r + weight * h for r, h in zip(result, answered, strict=True)]
    return result[1:]


def operators_needed(
    calls: float,
    interval_s: float,
    handle_s: float,
    target: float,
    threshold_s: float,
    patience_s: float | None = None,
) -> Staffing:
    """The fewest operators whose service level reaches `target` (0..1) within `threshold_s`: by Erlang C,
    or by Erlang A when the callers' mean patience `patience_s` is known."""
    if calls < 0 or interval_s <= 0 or handle_s <= 0 or not 0 < target < 1 or threshold_s < 0:
        raise ValueError("calls >= 0, interval and handle time > 0, 0 < target < 1, threshold >= 0")
    if patience_s is not None and patience_s <= 0:
        raise ValueError("patience > 0")
    load = calls * handle_s / interval_s
    if load == 0:
        return Staffing(0, 0.0, 0.0, 1.0, 0.0, 0.0)
    if patience_s is not None:
        return _fewest_by_erlang_a(load, handle_s, patience_s, threshold_s, target)
    operators = max(1, math.floor(load) + 1)
    while operators < MAX_OPERATORS:
        staffing = staffing_for(operators, load, handle_s, threshold_s)
        if staffing.service_level >= target:
            return staffing
        operators += 1
    raise ValueError(f"more than {MAX_OPERATORS} operators would be needed")


def _fewest_by_erlang_a(
    load: float, handle_s: float, patience_s: float, threshold_s: float, target: float
) -> Staffing:
    """The service level grows with the operators: double until it is reached, then halve the gap."""

    def at(operators: int) -> Staffing:
        return erlang_a(operators, load, handle_s, patience_s, threshold_s)

    low, high = 0, 1
    while at(high).service_level < target:
        low, high = high, high * 2
        if high > MAX_OPERATORS:
            raise ValueError(f"more than {MAX_OPERATORS} operators would be needed")
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if at(middle).service_level < target else (low, middle)
    return at(high)


@dataclass(frozen=True, slots=True)
class IntervalForecast:
    starts: float  # the interval's start, epoch seconds
    calls: float  # offered calls expected: the mean of the same interval on the history days
    staffing: Staffing  # by Erlang C
    staffing_a: Staffing | None = None
    """By Erlang A, when the history has abandons to estimate the callers' patience from."""


@dataclass(frozen=True, slots=True)
class DayForecast:
    handle_s: float
    patience_s: float | None
    """The callers' mean patience: all callers' time in the queue over the number who gave up (the
    maximum-likelihood estimate for exponential patience, those answered counting as censored); None
    without abandons in the history."""
    intervals: list[IntervalForecast]


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
) -> DayForecast:
    """The operators needed per interval of the day starting at `day_start`, from the queue's
    received calls in the same intervals of the history days (e.g. the same weekday in the weeks
    before) and its handle time over them (`default_handle_s` when none was completed); by Erlang C,
    and by Erlang A too when callers gave up in those intervals."""
    counts = [0] * intervals
    talk = 0.0
    completed = 0
    queued_s = 0.0
    gave_up = 0
    for r in records:
        slot = _slot(r.at, history_starts, interval_s, intervals)
        if r.queue_id != queue_id or slot is None:
            continue
        if r.kind is K.STATE_CHANGE:
            if r.old_status == "wrap_up":
                talk += r.duration_s or 0.0
        elif (r.kind is K.CONNECT and not r.is_callback) or r.kind in (K.ABANDON, K.EXIT_TIMEOUT):
            counts[slot] += 1
            queued_s += r.waited_s or 0.0
            gave_up += r.kind is not K.CONNECT
        elif r.kind in (K.COMPLETE_CALLER, K.COMPLETE_OPERATOR, K.TRANSFER):
            completed += 1
            talk += r.talk_s or 0.0
    handle_s = talk / completed if completed else default_handle_s
    patience_s = queued_s / gave_up if gave_up and queued_s > 0 else None
    days = max(1, len(history_starts))

    def forecast(i: int) -> IntervalForecast:
        calls = counts[i] / days
        by_a = (
            None
            if patience_s is None
            else operators_needed(calls, interval_s, handle_s, target, threshold_s, patience_s=patience_s)
        )
        return IntervalForecast(
            starts=day_start + i * interval_s,
            calls=calls,
            staffing=operators_needed(calls, interval_s, handle_s, target, threshold_s),
            staffing_a=by_a,
        )

    return DayForecast(handle_s, patience_s, [forecast(i) for i in range(intervals)])


def _slot(at: float, starts: Sequence[float], interval_s: float, intervals: int) -> int | None:
    for start in starts:
        offset = at - start
        if 0 <= offset < interval_s * intervals:
            return int(offset // interval_s)
    return None
