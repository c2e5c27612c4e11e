"""Cases by type over the last 24 hours (OPS-28, seed fig. 62), kept as a sliding window of counters.

Each case created adds one to its (group, type) counter and joins the end of a queue ordered by
creation time; a read first drops from the front the cases that have left the window, taking one off
their counters. So every case is added once and dropped once, whatever the number of reads: a read
costs the cases that left since the previous one plus the counters it sums, never a re-scan of the day.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass

WINDOW_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class CaseArrival:
    case_id: int
    at: float  # created, seconds since the epoch
    group_id: int | None
    type_id: int


class RecentCases:
    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._queue: deque[CaseArrival] = deque()
        self._counts: dict[tuple[int | None, int], int] = {}
        self._seen: set[int] = set()

    def add(self, arrival: CaseArrival) -> None:
        """A case created; the same case twice (the stored list and its live event) counts once.
        Arrivals come in creation order; one a little older than the last joins the end all the same
        and leaves the window when the cases before it have."""
        if arrival.case_id in self._seen:
            return
        self._seen.add(arrival.case_id)
        self._queue.append(arrival)
        key = (arrival.group_id, arrival.type_id)
        self._counts[key] = self._counts.get(key, 0) + 1

    def slide(self, now: float) -> None:
        """Drop the cases created at or before `now - window`."""
        cutoff = now - self.window_s
        while self._queue and self._queue[0].at <= cutoff:
            gone = self._queue.popleft()
            self._seen.discard(gone.case_id)
            key = (gone.group_id, gone.type_id)
            left = self._counts[key] - 1
            if left:
                self._counts[key] = left
            else:
                del self._counts[key]

    def by_type(self, group_ids: Collection[int] | None) -> dict[int, int]:
        """Cases per type of the groups given (None: every group, and cases of none)."""
        totals: dict[int, int] = {}
        for (group_id, type_id), count in self._counts.items():
            if group_ids is None or group_id in group_ids:
                totals[type_id] = totals.get(type_id, 0) + count
        return totals

    def __len__(self) -> int:
        return len(self._queue)
