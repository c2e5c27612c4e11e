"""Erlang C against published worked examples.

1. Call Centre Helper's worked example, "Erlang C Formula – Made Simple": 100 calls in 30 minutes,
   average handle time 180 s, target 80 % answered within 20 s. Traffic intensity 10 Erlangs; with 11
   agents the probability of waiting is 68.21 %, the service level 39 % and the average speed of
   answer 122.8 s; 14 agents are needed to reach 80 % (88.8 %); 13 give 79.6 %.
2. The textbook closed form for N = 3, A = 2 (also the basic example of Wolfram's ErlangC[3, 2]):
   C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)) = (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9.
"""

from __future__ import annotations

import pytest

from c122.domain.staffing import erlang_c, operators_needed, staffing_for


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
