"""Operators needed per interval by Erlang C (M/M/N: Poisson arrivals, exponential handle times, no
abandons), for the staffing forecast of issue #19.

`load = calls × handle time / interval length` in Erlangs; with N operators the chance a caller waits
is Erlang C, and the share answered within T is `1 − C·e^(−(N−A)·T/AHT)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
