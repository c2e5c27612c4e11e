"""What `Acd.tick` applies: each operator's due timer and break notices, each queue's max wait and
leave-when-empty rule, the end of missed-offer exclusions, and tier escalation."""

from __future__ import annotations

import math
from dataclasses import replace

from c122.domain.acd import operator_state as machine
from c122.domain.acd.config import QueueConfig
from c122.domain.acd.events import BreakSuggested, BreakTimeElapsed
from c122.domain.acd.ids import OperatorId
from c122.domain.acd.moves import Moves
from c122.domain.acd.operator_timers import (
    DueTimer,
    break_allowance_used_up,
    break_suggestion_due,
    due_timer,
    next_due,
)
from c122.domain.acd.queue_rules import exit_event, exit_reason
from c122.domain.acd.step import Step

#: Skip an operator whose state has not changed since the tick that found their next timer still
#: ahead (bench/supervision_board.py turns it off for its side-by-side baseline).
SKIP_NOT_DUE = True


def apply_due_timers(moves: Moves, step: Step) -> None:
    state = moves.state
    wake = state.timer_wake
    for operator_id, op in list(state.operators.items()):
        known = wake.get(operator_id)
        if SKIP_NOT_DUE and known is not None and known[0] is op and known[1] > step.now:
            continue  # the very same (immutable) state: nothing of it is due before known[1]
        _operator_timers(moves, operator_id, step)
        op = state.operators[operator_id]
        due = next_due(op, state.operator_policy(operator_id))
        wake[operator_id] = (op, math.inf if due is None else due)
    for queue in state.queues.values():
        _queue_timers(moves, queue, step)
    # Calls whose missed-offer exclusions ended look for an operator again.
    step.calls.extend(call.call_id for call in state.end_exclusions(step.now))
    for queue in state.queues.values():
        if queue.escalation_step_s is not None:
            step.freed.extend(sorted(state.free_by_queue[queue.queue_id]))


def _operator_timers(moves: Moves, operator_id: OperatorId, step: Step) -> None:
    state, now = moves.state, step.now
    op = state.operators[operator_id]
    policy = state.operator_policy(operator_id)
    due = due_timer(op, policy, now)
    if due is DueTimer.RING_TIMEOUT:
        moves.miss(op, "ring_timeout", step)
    elif due is DueTimer.WRAP_UP_END:
        moves.end_wrap_up(operator_id, step)
    elif due is DueTimer.IDLE:
        moves.put(*machine.go_idle(op, now), step)
    elif due is DueTimer.AUTO_LOGOUT:
        moves.put(*machine.idle_logout(op, now), step)
    op = state.operators[operator_id]
    if break_suggestion_due(op, policy, now):
        assert op.work_since is not None
        state.put_operator(replace(op, break_suggested=True))
        step.events.append(BreakSuggested(operator_id=operator_id, worked_s=now - op.work_since, at=now))
        return
    allowed = break_allowance_used_up(op, policy, now)
    if allowed is not None:
        state.put_operator(replace(op, break_overrun_noticed=True))
        step.events.append(
            BreakTimeElapsed(operator_id=operator_id, reason=op.reason, allowed_s=allowed, at=now)
        )


def _queue_timers(moves: Moves, queue: QueueConfig, step: Step) -> None:
    state, now = moves.state, step.now
    leaving = moves.is_empty(queue, queue.leave_when_empty)
    if queue.max_wait_s is None and not leaving:
        return
    for key in list(state.orders[queue.queue_id]):
        call = state.waiting[key[4]]
        reason = exit_reason(queue, call, now, leaving)
        if reason is not None:
            moves.drop_waiting(call, "caller_left_queue", step)
            step.events.append(exit_event(queue, call.call_id, reason, now - call.joined_at, now))
