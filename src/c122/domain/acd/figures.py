"""Real-time figures of one queue: what the senior's board and `queue.updated` snapshots show."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from c122.domain.acd.ids import QueueId
from c122.domain.acd.operator_state import LOGGED_IN, STAFFED, OperatorStatus
from c122.domain.acd.state import AcdState


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFigures:
    queue_id: QueueId
    waiting: int  # callers on the line, ringing ones included
    waiting_by_priority: Mapping[int, int]
    callbacks_waiting: int
    longest_wait_s: float
    available_operators: int  # ready now
    eligible_operators: int  # working the queue: ready, ringing, talking or in wrap-up
    logged_in_operators: int
    on_break_operators: int


def queue_figures(state: AcdState, queue_id: QueueId, now: float) -> QueueFigures:
    state.queue(queue_id)
    by_priority: Counter[int] = Counter()
    callbacks = 0
    longest = 0.0
    for key in state.orders[queue_id]:
        call = state.waiting[key[4]]
        if call.is_callback:
            callbacks += 1
            continue
        by_priority[call.priority] += 1
        longest = max(longest, now - call.joined_at)
    statuses = [state.operators[op].status for op in state.members_by_queue[queue_id]]
    return QueueFigures(
        queue_id=queue_id,
        waiting=sum(by_priority.values()),
        waiting_by_priority=dict(sorted(by_priority.items(), reverse=True)),
        callbacks_waiting=callbacks,
        longest_wait_s=longest,
        available_operators=sum(1 for s in statuses if s is OperatorStatus.READY),
        eligible_operators=sum(1 for s in statuses if s in STAFFED),
        logged_in_operators=sum(1 for s in statuses if s in LOGGED_IN),
        on_break_operators=sum(1 for s in statuses if s is OperatorStatus.ON_BREAK),
    )
