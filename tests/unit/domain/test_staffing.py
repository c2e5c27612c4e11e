"""Erlang C against published worked examples.

1. Call Centre Helper's worked example, "Erlang C Formula – Made Simple": 100 calls in 30 minutes,
   average handle time 180 s, target 80 % answered within 20 s. Traffic intensity 10 Erlangs; with 11
   agents the probability of waiting is 68.21 %, the service level 39 % and the average speed of
   answer 122.8 s; 14 agents are needed to reach 80 % (88.8 %); 13 give 79.6 %.
2. The textbook closed form for N = 3, A = 2 (also the basic example of Wolfram's ErlangC[3, 2]):
   C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)) = (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9.
"""

from __future__ import annotations

import heapq
import math
import random

import pytest

from c122.domain.staffing import erlang_a, erlang_c, operators_needed, staffing_for


def test_call_centre_helper_worked_example() -> None:
    eleven = staffing_for(11, 10.0, 180, 20)
    assert eleven.wait_probability == pytest.approx(0.6821, abs=5e-5)
    assert eleven.service_level == pytest.approx(0.39, abs=5e-3)
    assert eleven.average_wait_s == pytest.approx(122.8, abs=0.05)
    assert staffing_for(13, 10.0, 180, 20).service_level == pytest.approx(0.796, abs=5e-4)
    needed = operators_needed(100, 1800, 180, 0.8, 20)
    assert needed.operators == 14
    assert needed.load_erlangs == pytest.approx(10.0)
    assert needed.service_level == pytest.approx(0.888, abs=5e-4)
    assert needed.occupancy == pytest.approx(10 / 14)


def test_textbook_closed_form() -> None:
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9)


def test_too_few_operators_always_wait_and_no_calls_need_nobody() -> None:
    assert erlang_c(10, 10.0) == 1.0
    assert staffing_for(9, 10.0, 180, 20).service_level == 0.0
    assert operators_needed(0, 1800, 180, 0.8, 20).operators == 0


@pytest.mark.parametrize(
    "args",
    [(-1, 1800, 180, 0.8, 20), (10, 0, 180, 0.8, 20), (10, 1800, 0, 0.8, 20), (10, 1800, 180, 1.0, 20)],
)
def test_bad_input_is_refused(args: tuple[float, float, float, float, float]) -> None:
    with pytest.raises(ValueError, match="calls >= 0"):
        operators_needed(*args)


# --- Erlang A (M/M/N+M) -------------------------------------------------------------------------------


def _poisson(mean: float, k: int) -> float:
    return math.exp(-mean) * mean**k / math.factorial(k)


def test_erlang_a_with_patience_equal_to_handle_time_is_an_infinite_server_queue() -> None:
    """With θ = μ every caller leaves at rate μ whether served or waiting: the number in the system is
    Poisson(A) (M/M/∞), so P(wait) = P(n >= N) and the mean queue is E[(n − N)+] exactly."""
    load, operators = 10.0, 11
    a = erlang_a(operators, load, 180, 180, 20)
    waiting = 1 - sum(_poisson(load, k) for k in range(operators))
    queue = sum((k - operators) * _poisson(load, k) for k in range(operators, 120))
    arrivals = load / 180
    assert a.wait_probability == pytest.approx(waiting, abs=1e-9)  # 0.41696
    assert a.average_wait_s == pytest.approx(queue / arrivals, rel=1e-9)
    assert a.abandon_probability == pytest.approx(queue / 180 / arrivals, rel=1e-9)


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    """Call Centre Helper's example again (11 operators, 10 Erlangs): with endless patience nobody gives
    up and the figures are Erlang C's."""
    a = erlang_a(11, 10.0, 180, 1e7, 20)
    assert a.wait_probability == pytest.approx(0.6821, abs=5e-4)
    assert a.service_level == pytest.approx(0.3896, abs=5e-4)
    assert a.abandon_probability < 1e-4


def _simulate(
    operators: int, load: float, handle_s: float, patience_s: float, threshold_s: float
) -> dict[str, float]:
    """M/M/N+M served first come, first served: a caller takes the earliest free operator unless their
    patience runs out first; those who give up never hold an operator."""
    rng = random.Random(122)
    arrivals_rate = load / handle_s
    free = [0.0] * operators
    now, callers, waited, abandoned, within = 0.0, 200_000, 0, 0, 0
    for _ in range(callers):
        now += rng.expovariate(arrivals_rate)
        patience = rng.expovariate(1 / patience_s)
        earliest = heapq.heappop(free)
        wait = max(0.0, earliest - now)
        if wait > patience:
            abandoned += 1
            heapq.heappush(free, earliest)
            waited += 1
            continue
        waited += wait > 0
        within += wait <= threshold_s
        heapq.heappush(free, now + wait + rng.expovariate(1 / handle_s))
    return {"wait": waited / callers, "abandon": abandoned / callers, "within": within / callers}


@pytest.mark.parametrize(
    ("operators", "load", "patience_s"),
    [(3, 2.5, 60.0), (5, 5.5, 120.0), (11, 10.0, 300.0)],
)
def test_erlang_a_matches_a_discrete_event_simulation(operators: int, load: float, patience_s: float) -> None:
    """200 000 simulated callers each; the tolerance is a few standard errors (√(p(1−p)/n) <= 0.0012)."""
    model = erlang_a(operators, load, 180, patience_s, 20)
    simulated = _simulate(operators, load, 180, patience_s, 20)
    assert model.wait_probability == pytest.approx(simulated["wait"], abs=0.01)
    assert model.abandon_probability == pytest.approx(simulated["abandon"], abs=0.01)
    assert model.service_level == pytest.approx(simulated["within"], abs=0.01)


def test_erlang_a_needs_fewer_operators_when_callers_give_up() -> None:
    """Callers who give up take no operator time: the target is met with fewer operators than Erlang C
    says, and the answer is the fewest that meet it."""
    c = operators_needed(100, 1800, 180, 0.8, 20)
    a = operators_needed(100, 1800, 180, 0.8, 20, patience_s=60)
    assert (c.operators, a.operators) == (14, 12)
    assert a.service_level >= 0.8 > erlang_a(a.operators - 1, 10.0, 180, 60, 20).service_level
    assert 0 < a.abandon_probability < 0.1
    assert operators_needed(0, 1800, 180, 0.8, 20, patience_s=60).operators == 0
    # more load than operators is still stable with abandons: everyone beyond capacity gives up
    overloaded = erlang_a(2, 10.0, 180, 60, 20)
    assert overloaded.occupancy > 0.98
    assert overloaded.abandon_probability == pytest.approx(1 - overloaded.occupancy * 2 / 10.0, abs=1e-6)


def test_erlang_a_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="patience > 0"):
        operators_needed(10, 1800, 180, 0.8, 20, patience_s=0)
    with pytest.raises(ValueError, match="patience > 0"):
        erlang_a(3, 2.0, 180, -1, 20)
