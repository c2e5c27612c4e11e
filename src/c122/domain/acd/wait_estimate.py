"""Position and estimated wait for a caller (TEL-09); the method is written out in
docs/contact-center/acd.md with worked examples.

In short: every operator who can serve the caller becomes free at some moment (now if ready, after the
rest of their call and wrap-up if busy), then serves one caller every `handling / share` seconds, where
`share` is the part of their time this queue gets when they serve several queues with callers. The
callers ahead, less those expected to hang up first, are handed to the operators in the order they
become free; the caller's wait is the moment the next operator is free after that.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from c122.domain.acd.ids import CallId
from c122.domain.acd.operator_state import OperatorState, OperatorStatus
from c122.domain.acd.router import tier_reached
from c122.domain.acd.state import AcdState

S = OperatorStatus


@dataclass(frozen=True, slots=True)
class Server:
    """One operator as the estimate sees them."""

    free_in_s: float  # seconds until they can take their next caller
    share: float  # 0 < share <= 1: the part of their time this queue gets


@dataclass(frozen=True, slots=True)
class WaitEstimate:
    position: int  # 1-based place in the queue
    ahead: int  # callers ahead, counting higher priorities and callbacks
    expected_ahead: int  # callers ahead expected to still be waiting when their turn comes
    handling_s: float
    servers: int
    wait_s: float | None  # None: nobody who could answer is working the queue


def expected_wait(
    ahead: int, abandon_ratio: float, handling_s: float, servers: Sequence[Server]
) -> float | None:
    """Seconds until an operator is free for the caller behind `ahead` callers."""
    if not servers:
        return None
    remaining = round(ahead * (1.0 - abandon_ratio))
    free_at = [(s.free_in_s, i) for i, s in enumerate(servers)]
    heapq.heapify(free_at)
    for _ in range(remaining):
        at, i = heapq.heappop(free_at)
        heapq.heappush(free_at, (at + handling_s / servers[i].share, i))
    return free_at[0][0]


def _free_in(op: OperatorState, now: float, talk_s: float, wrap_s: float) -> float:
    elapsed = now - op.since
    if op.status is S.READY:
        return 0.0
    if op.status is S.OFFERED:
        return talk_s + wrap_s  # they will most likely take the call ringing now
    if op.status is S.ON_CALL:
        return max(0.0, talk_s - elapsed) + wrap_s
    if op.wrap_up_until is not None:  # wrap-up with a timer
        return max(0.0, op.wrap_up_until - now)
    return max(0.0, wrap_s - elapsed)


def estimate_wait(state: AcdState, call_id: CallId, now: float) -> WaitEstimate:
    call = state.call(call_id)
    queue = state.queues[call.queue_id]
    history = state.history[call.queue_id]
    position = state.orders[call.queue_id].position(call.order_key)
    talk_s, wrap_s = history.talk_s(), history.wrap_s()
    handling = talk_s + wrap_s
    if call.offered_to:
        return WaitEstimate(position, position - 1, 0, handling, len(call.offered_to), 0.0)
    servers: list[Server] = []
    for operator_id, member in state.members_by_queue[call.queue_id].items():
        op = state.operators[operator_id]
        skills = state.profiles[operator_id].skills
        if op.status not in (S.READY, S.OFFERED, S.ON_CALL, S.WRAP_UP):
            continue
        if not (queue.required_skills | call.required_skills) <= skills:
            continue
        free_in = _free_in(op, now, talk_s, wrap_s)
        if not tier_reached(queue, member, call, now) and queue.escalation_step_s is not None:
            # A later tier joins when the caller has waited long enough.
            free_in = max(free_in, (member.level - 1) * queue.escalation_step_s - (now - call.enqueued_at))
        busy_queues = sum(1 for m in state.members_by_operator[operator_id] if len(state.orders[m.queue_id]))
        servers.append(Server(free_in, 1.0 / max(1, busy_queues)))
    ahead = position - 1
    abandon = history.abandon_ratio()
    return WaitEstimate(
        position=position,
        ahead=ahead,
        expected_ahead=round(ahead * (1.0 - abandon)),
        handling_s=handling,
        servers=len(servers),
        wait_s=expected_wait(ahead, abandon, handling, servers),
    )
