"""Routing decisions: which free operators to ring for a call, and which call a freed operator takes.

Both directions use indexes kept by `AcdState` (free members per queue, callers per queue in service
order), so one decision touches only the queues and members involved, not the whole centre.
"""

from __future__ import annotations

from c122.domain.acd.calls import WaitingCall, cross_queue_key
from c122.domain.acd.config import Membership, QueueConfig, Strategy
from c122.domain.acd.ids import OperatorId
from c122.domain.acd.state import AcdState
from c122.domain.acd.strategies import RandomSource, ranking_key


def tier_reached(queue: QueueConfig, member: Membership, call: WaitingCall, now: float) -> bool:
    """With escalation, tier N may take a call only after it has waited (N-1) steps."""
    if queue.escalation_step_s is None or member.level <= 1:
        return True
    return now - call.enqueued_at >= (member.level - 1) * queue.escalation_step_s


class Router:
    def __init__(self, state: AcdState, rng: RandomSource) -> None:
        self._state = state
        self._rng = rng

    def can_serve(self, operator_id: OperatorId, member: Membership, call: WaitingCall, now: float) -> bool:
        state = self._state
        entry = state.callbacks.get(call.call_id) if call.is_callback else None
        if entry is not None and entry.claimed_by is not None:
            # A taken callback goes to the operator who took it, whatever the tiers say; one they just
            # missed waits the queue's retry interval like any call.
            return (
                entry.claimed_by == operator_id
                and operator_id not in call.offered_to
                and not call.excludes(operator_id, now)
            )
        queue = state.queues[call.queue_id]
        skills = state.profiles[operator_id].skills
        if not queue.required_skills <= skills or not call.required_skills <= skills:
            return False
        if operator_id in call.offered_to or operator_id in call.declined_by:
            return False
        if call.excludes(operator_id, now):
            return False  # missed this call: another operator first, this one after the queue's retry
        if call.offered_to and queue.strategy is not Strategy.RING_ALL:
            return False
        return tier_reached(queue, member, call, now)

    def operators_for(self, call: WaitingCall, now: float) -> list[OperatorId]:
        """Free operators to ring for this call: the best one, or all of them for ring-all."""
        state = self._state
        queue = state.queues[call.queue_id]
        members = state.members_by_queue[call.queue_id]
        candidates = [
            op for op in state.free_by_queue[call.queue_id] if self.can_serve(op, members[op], call, now)
        ]
        if not candidates:
            return []
        cursor = state.round_robin_cursors.get(call.queue_id)

        def rank(op: OperatorId) -> tuple[int, float, float, OperatorId]:
            return ranking_key(queue.strategy, members[op], state.operators[op], cursor, self._rng)

        if queue.strategy is Strategy.RING_ALL:
            return sorted(candidates, key=rank)
        if queue.strategy is Strategy.RANDOM:
            candidates.sort()  # draws are taken in operator id order, so a seeded source replays exactly
        return [min(candidates, key=rank)]

    def call_for(self, operator_id: OperatorId, now: float) -> WaitingCall | None:
        """The caller a freed operator serves: the first servable caller of each of their queues, and
        among those the one with the best place (priority, then longest wait), queue weight breaking ties."""
        state = self._state
        best: WaitingCall | None = None
        best_key: tuple[int, float, float, int, int, str] | None = None
        for member in state.members_by_operator[operator_id]:
            queue = state.queues[member.queue_id]
            for key in state.orders[member.queue_id]:
                if best_key is not None and cross_queue_key(key, queue.weight) >= best_key:
                    break  # nothing further down this queue can beat the best found so far
                call = state.waiting[key[4]]
                if self.can_serve(operator_id, member, call, now):
                    best, best_key = call, cross_queue_key(key, queue.weight)
                    break
        return best
