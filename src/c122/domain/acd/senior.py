"""The senior's actions (SUP-01..04), each checked against the senior's groups first: move a caller to
the head or tail of the queue, take a caller out, block and unblock an operator or a whole group, and
log an operator out by force."""

from __future__ import annotations

from dataclasses import replace

from c122.domain.acd import operator_state as machine
from c122.domain.acd.abandons import close_callback
from c122.domain.acd.calls import Placement
from c122.domain.acd.events import CallExited, CallMoved, CompletedBy, ExitReason
from c122.domain.acd.ids import CallId, GroupId, OperatorId
from c122.domain.acd.moves import Moves, require_reason
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.scope import SeniorScope
from c122.domain.acd.step import Outcome, Step

S = OperatorStatus


class SeniorActions:
    def __init__(self, moves: Moves) -> None:
        self._moves = moves
        self._state = moves.state

    def move_to_head(self, scope: SeniorScope, call_id: CallId, now: float) -> Outcome:
        return self._move(scope, call_id, Placement.HEAD, now)

    def move_to_tail(self, scope: SeniorScope, call_id: CallId, now: float) -> Outcome:
        return self._move(scope, call_id, Placement.TAIL, now)

    def remove(
        self,
        scope: SeniorScope,
        call_id: CallId,
        now: float,
        *,
        destination: str | None = None,
        note: str = "",
    ) -> Outcome:
        """Take a call out of its queue: to `destination`, or hang up after the queue's message; the
        senior and their reason (`note`) are kept with the exit."""
        call = self._state.queued_call(call_id)
        queue = self._state.queues[call.queue_id]
        scope.require(queue.group_id, f"queue {queue.queue_id}")
        step = Step(now)
        self._moves.drop_waiting(call, "removed", step)
        if call.is_callback:
            close_callback(self._moves, self._state.callbacks[call_id], "removed", step, in_queue=False)
        else:
            step.events.append(
                CallExited(
                    call_id=call_id,
                    queue_id=queue.queue_id,
                    reason=ExitReason.REMOVED,
                    destination=destination,
                    message=None if destination is not None else queue.removal_message,
                    waited_s=now - call.joined_at,
                    at=now,
                    removed_by=scope.senior_id,
                    note=note.strip(),
                )
            )
        return self._moves.settle(step)

    def block_operator(self, scope: SeniorScope, operator_id: OperatorId, note: str, now: float) -> Outcome:
        self._require_operator_scope(scope, operator_id)
        require_reason(note)
        step = Step(now)
        self._moves.block(operator_id, note, True, step)
        return self._moves.settle(step)

    def unblock_operator(self, scope: SeniorScope, operator_id: OperatorId, now: float) -> Outcome:
        self._require_operator_scope(scope, operator_id)
        step = Step(now)
        op = self._state.operator(operator_id)
        group = self._state.profiles[operator_id].group_id
        if group in self._state.blocked_groups:
            self._state.put_operator(replace(op, block_note=None))  # the group's block still holds
        else:
            self._moves.put(*machine.unblock(op, now), step)
            step.freed.append(operator_id)
        return self._moves.settle(step)

    def block_group(self, scope: SeniorScope, group_id: GroupId, note: str, now: float) -> Outcome:
        scope.require(group_id, f"group {group_id}")
        require_reason(note)
        step = Step(now)
        self._state.blocked_groups[group_id] = note
        for operator_id in sorted(self._state.group_operators(group_id)):
            self._moves.block(operator_id, note, False, step)
        return self._moves.settle(step)

    def unblock_group(self, scope: SeniorScope, group_id: GroupId, now: float) -> Outcome:
        scope.require(group_id, f"group {group_id}")
        step = Step(now)
        self._state.blocked_groups.pop(group_id, None)
        for operator_id in sorted(self._state.group_operators(group_id)):
            op = self._state.operators[operator_id]
            if op.block_note is None:
                self._moves.put(*machine.unblock(op, now), step)
                step.freed.append(operator_id)
        return self._moves.settle(step)

    def force_logout(self, scope: SeniorScope, operator_id: OperatorId, note: str, now: float) -> Outcome:
        """SUP-04. A call in progress is completed by the operator side; the service hangs it up."""
        self._require_operator_scope(scope, operator_id)
        step = Step(now)
        op = self._state.operator(operator_id)
        if op.status is S.OFFERED and op.call_id is not None:
            self._moves.release_offer(op.call_id, operator_id, step, missed=False)
        if op.status is S.ON_CALL and op.call_id is not None:
            self._moves.complete(op.call_id, CompletedBy.OPERATOR, step)
        self._moves.put(*machine.force_logout(self._state.operators[operator_id], step.now, note), step)
        return self._moves.settle(step)

    def _move(self, scope: SeniorScope, call_id: CallId, placement: Placement, now: float) -> Outcome:
        call = self._state.queued_call(call_id)
        scope.require(self._state.queues[call.queue_id].group_id, f"queue {call.queue_id}")
        self._state.replace_waiting(replace(call, placement=placement, move_seq=self._state.next_move_seq()))
        to = "head" if placement is Placement.HEAD else "tail"
        return Outcome(
            (CallMoved(call_id=call_id, queue_id=call.queue_id, to=to, senior_id=scope.senior_id, at=now),)
        )

    def _require_operator_scope(self, scope: SeniorScope, operator_id: OperatorId) -> None:
        self._state.operator(operator_id)
        scope.require(self._state.profiles[operator_id].group_id, f"operator {operator_id}")
