"""An operator's time in each state over the spans of a report (call statistics by operator): each
interval is cut at every span's edges; what lies outside every span does not count."""

from __future__ import annotations

from datetime import UTC, datetime

from c122.domain.call_statistics import Span, StateInterval, state_seconds


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 9, 11, hour, minute, tzinfo=UTC)


def test_intervals_are_cut_at_the_edges_of_each_span() -> None:
    spans = [Span(_at(8), _at(10)), Span(_at(12), _at(14))]  # two occurrences of a shift
    intervals = [
        StateInterval(1, "ready", _at(7), _at(8, 30)),  # 30 min inside the first span
        StateInterval(1, "on_call", _at(9, 30), _at(12, 15)),  # 30 min in the first, 15 in the second
        StateInterval(1, "wrap_up", _at(10, 30), _at(11, 30)),  # between the spans: nothing
        StateInterval(2, "ready", _at(13), _at(15)),  # 60 min inside the second
        StateInterval(3, "ready", _at(15), _at(16)),  # after both: the operator is absent
    ]
    assert state_seconds(intervals, spans) == {
        1: {"ready": 1800.0, "on_call": 2700.0},
        2: {"ready": 3600.0},
    }


def test_nothing_without_spans() -> None:
    assert state_seconds([StateInterval(1, "ready", _at(8), _at(9))], []) == {}
