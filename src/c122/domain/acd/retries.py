"""Missed offers: an operator who rejects a call or lets it ring out is kept away from that call for the
queue's `retry_s` (the `retry` of Asterisk app_queue), so the call goes to another free operator first
and comes back to the same operator only once the interval is over. The operator stays free for other
calls meanwhile.
"""

from __future__ import annotations

from heapq import heappop, heappush

from c122.domain.acd.calls import Exclusions
from c122.domain.acd.ids import CallId, OperatorId


def with_exclusion(excluded: Exclusions, operator_id: OperatorId, until: float) -> Exclusions:
    """The operator's new exclusion replaces an older one for the same call."""
    return tuple(sorted([e for e in excluded if e[0] != operator_id] + [(operator_id, until)]))


def still_excluded(excluded: Exclusions, now: float) -> Exclusions:
    return tuple(e for e in excluded if e[1] > now)


class RetrySchedule:
    """When exclusions end, as a heap of (until, call id), so `tick` touches only the calls due.

    Entries are never removed early: a call that was answered or left meanwhile is skipped when its
    entry comes up, which keeps every other command free of bookkeeping.
    """

    __slots__ = ("_heap",)

    def __init__(self) -> None:
        self._heap: list[tuple[float, CallId]] = []

    def add(self, until: float, call_id: CallId) -> None:
        heappush(self._heap, (until, call_id))

    def pop_due(self, now: float) -> set[CallId]:
        due: set[CallId] = set()
        while self._heap and self._heap[0][0] <= now:
            due.add(heappop(self._heap)[1])
        return due

    def __len__(self) -> int:
        return len(self._heap)
