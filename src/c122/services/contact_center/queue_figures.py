"""Calls waiting per group, as zone 4 shows them. The call distribution keeps the board current
(presence reads it through its `WaitingCalls` port)."""

from __future__ import annotations


class WaitingCallBoard:
    """In-memory figures per group, written by whoever queues and dequeues calls."""

    def __init__(self) -> None:
        self._waiting: dict[int, int] = {}

    def set_waiting(self, group_id: int, waiting: int) -> None:
        if waiting < 0:
            raise ValueError("a queue cannot hold fewer than zero calls")
        self._waiting[group_id] = waiting

    def count(self, group_ids: frozenset[int] | None) -> int:
        if group_ids is None:
            return sum(self._waiting.values())
        return sum(n for group_id, n in self._waiting.items() if group_id in group_ids)
