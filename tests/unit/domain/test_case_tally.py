"""Cases by type over the last 24 hours: a sliding window of counters (OPS-28, fig. 62)."""

from __future__ import annotations

from c122.domain.case_tally import WINDOW_S, CaseArrival, RecentCases


def test_cases_count_by_type_for_24_hours_then_leave_the_window() -> None:
    recent = RecentCases()
    recent.add(CaseArrival(1, 1000.0, 10, 1))
    recent.add(CaseArrival(2, 2000.0, 10, 2))
    recent.add(CaseArrival(3, 3000.0, 20, 1))
    recent.add(CaseArrival(3, 3000.0, 20, 1))  # the stored list and the live event: once
    recent.add(CaseArrival(4, 3500.0, None, 3))
    recent.slide(3600.0)
    assert recent.by_type(None) == {1: 2, 2: 1, 3: 1}
    assert recent.by_type({10}) == {1: 1, 2: 1}
    assert recent.by_type({20, 30}) == {1: 1}
    recent.slide(1000.0 + WINDOW_S)  # case 1 was created exactly 24 h ago: gone
    assert recent.by_type(None) == {1: 1, 2: 1, 3: 1}
    assert len(recent) == 3
    recent.slide(3500.0 + WINDOW_S)
    assert recent.by_type(None) == {}
    assert len(recent) == 0
