"""Calls waiting in a queue, calls connected to an operator, and the order callers are served in."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from c122.domain.acd.ids import CallId, OperatorId, QueueId


class Placement(IntEnum):
    """A senior can pin a call before or after everyone else; otherwise priority and age decide."""

    HEAD = 0
    NORMAL = 1
    TAIL = 2


#: (placement, primary, secondary, seq, call_id) — smaller is served first.
OrderKey = tuple[int, float, float, int, str]

#: (operator, until): who missed this call and is not offered it again before `until`; sorted.
Exclusions = tuple[tuple[OperatorId, float], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitingCall:
    call_id: CallId
    queue_id: QueueId
    caller: str
    priority: int = 0  # higher is served first
    enqueued_at: float  # the caller's place: kept by callbacks and by repeat callers
    joined_at: float  # when this call joined this queue; max wait counts from here
    seq: int  # arrival counter: FIFO among equal keys
    required_skills: frozenset[str] = frozenset()
    placement: Placement = Placement.NORMAL
    move_seq: int = 0
    is_callback: bool = False
    offered_to: frozenset[OperatorId] = frozenset()
    declined_by: frozenset[OperatorId] = frozenset()  # ring-all: not rung again in this round
    excluded: Exclusions = ()  # missed offers: kept away from this call for the queue's retry_s

    def excludes(self, operator_id: OperatorId, now: float) -> bool:
        return any(op == operator_id and until > now for op, until in self.excluded)

    @property
    def order_key(self) -> OrderKey:
        if self.placement is Placement.HEAD:
            return (0, float(-self.move_seq), 0.0, self.seq, self.call_id)
        if self.placement is Placement.TAIL:
            return (2, float(self.move_seq), 0.0, self.seq, self.call_id)
        return (1, float(-self.priority), self.enqueued_at, self.seq, self.call_id)


def cross_queue_key(key: OrderKey, weight: int) -> tuple[int, float, float, int, int, str]:
    """Order of heads from different queues: placement, priority, age; then the heavier queue."""
    return (key[0], key[1], key[2], -weight, key[3], key[4])


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectedCall:
    call_id: CallId
    queue_id: QueueId
    operator_id: OperatorId
    caller: str
    waited_s: float
    connected_at: float
    is_callback: bool = False


class QueueOrder:
    """The callers of one queue in service order; bisect keeps insert, remove and position at O(log n)."""

    __slots__ = ("_keys",)

    def __init__(self) -> None:
        self._keys: list[OrderKey] = []

    def add(self, key: OrderKey) -> None:
        insort(self._keys, key)

    def remove(self, key: OrderKey) -> None:
        index = bisect_left(self._keys, key)
        if index < len(self._keys) and self._keys[index] == key:
            del self._keys[index]
        else:
            raise KeyError(key)

    def position(self, key: OrderKey) -> int:
        """1-based place of the key among the callers in this queue."""
        return bisect_left(self._keys, key) + 1

    def __iter__(self) -> Iterator[OrderKey]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def head(self) -> OrderKey | None:
        return self._keys[0] if self._keys else None
