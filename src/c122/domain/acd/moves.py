"""The moves every ACD operation is made of: offer, release, miss, withdraw, drop, complete, wrap up, and
the matching of freed operators and returned calls at the end of an operation.

`Moves` works over the shared `AcdState` and `Router`; the aggregate (`acd.py`), the senior's actions
(`senior.py`), the abandon/callback flow (`abandons.py`) and the timers (`timers.py`) compose it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from c122.domain.acd import chats
from c122.domain.acd import operator_state as machine
from c122.domain.acd.callbacks import CallbackStatus
from c122.domain.acd.calls import ConnectedCall, WaitingCall, cross_queue_key
from c122.domain.acd.config import EmptyRule, QueueConfig, Strategy
from c122.domain.acd.errors import IllegalTransition
from c122.domain.acd.events import (
    CallCompleted,
    CallOffered,
    CompletedBy,
    DomainEvent,
    Offer,
    OfferRejected,
    OfferWithdrawn,
)
from c122.domain.acd.ids import CallId, OperatorId, QueueId
from c122.domain.acd.operator_state import OperatorState, OperatorStatus
from c122.domain.acd.queue_rules import is_empty_under
from c122.domain.acd.router import Router
from c122.domain.acd.state import AcdState
from c122.domain.acd.step import Outcome, Step

S = OperatorStatus


def require_reason(note: str) -> None:
    if not note.strip():
        raise IllegalTransition("a block needs a stated reason")


class Moves:
    def __init__(self, state: AcdState, router: Router) -> None:
        self.state = state
        self.router = router

    def put(self, new: OperatorState, events: Iterable[DomainEvent], step: Step) -> None:
        self.state.put_operator(new)
        step.events.extend(events)

    def settle(self, step: Step) -> Outcome:
        """Freed operators look for work first, in the order they were freed: each takes the best caller
        across their queues. Calls that came back or arrived then ring the operators still free, in
        service order, so a call that came back never takes an operator from an older caller."""
        state = self.state
        while step.freed or step.calls:
            if step.freed:
                operator_id = step.freed.popleft()
                if state.operators[operator_id].is_free:
                    call = self.router.call_for(operator_id, step.now)
                    if call is not None:
                        self.offer(call, operator_id, step)
                continue
            calls = sorted({c for c in step.calls if c in state.waiting}, key=self._service_key)
            step.calls.clear()
            for call_id in calls:
                for operator_id in self.router.operators_for(state.waiting[call_id], step.now):
                    self.offer(state.waiting[call_id], operator_id, step)
        chats.dispatch(state, step)  # after the calls: an operator's state is settled for this step
        return step.outcome()

    def _service_key(self, call_id: CallId) -> tuple[int, float, float, int, int, str]:
        call = self.state.waiting[call_id]
        return cross_queue_key(call.order_key, self.state.queues[call.queue_id].weight)

    def offer(self, call: WaitingCall, operator_id: OperatorId, step: Step) -> None:
        state = self.state
        queue = state.queues[call.queue_id]
        expires_at = step.now + queue.ring_timeout_s
        op = state.operators[operator_id]
        self.put(*machine.offer(op, call.call_id, queue.queue_id, expires_at, step.now), step)
        state.waiting[call.call_id] = replace(call, offered_to=call.offered_to | {operator_id})
        if queue.strategy is Strategy.ROUND_ROBIN:
            member = state.members_by_queue[queue.queue_id][operator_id]
            state.round_robin_cursors[queue.queue_id] = (member.position, operator_id)
        if call.is_callback:
            state.callbacks[call.call_id] = replace(
                state.callbacks[call.call_id], status=CallbackStatus.OFFERED
            )
        offer = Offer(
            call_id=call.call_id,
            operator_id=operator_id,
            queue_id=queue.queue_id,
            expires_at=expires_at,
            is_callback=call.is_callback,
        )
        step.events.append(CallOffered(offer=offer, at=step.now))

    def release_offer(self, call_id: CallId, operator_id: OperatorId, step: Step, *, missed: bool) -> None:
        """Take the operator off the call's ringing set; the call is dispatched again if nobody rings.
        Who missed the offer is kept away from this call for the queue's retry interval."""
        state = self.state
        call = state.waiting[call_id]
        retry_s = state.queues[call.queue_id].retry_s
        if missed and retry_s > 0:
            state.exclude(call_id, operator_id, step.now + retry_s)
            call = state.waiting[call_id]
        remaining = call.offered_to - {operator_id}
        # Ring-all: who missed is not rung again until this ringing round is over.
        if not remaining:
            declined_by: frozenset[OperatorId] = frozenset()
        elif missed:
            declined_by = call.declined_by | {operator_id}
        else:
            declined_by = call.declined_by
        state.waiting[call_id] = replace(call, offered_to=remaining, declined_by=declined_by)
        if not remaining:
            if call.is_callback:
                state.callbacks[call_id] = replace(state.callbacks[call_id], status=CallbackStatus.OPEN)
            step.calls.append(call_id)

    def miss(self, op: OperatorState, cause: str, step: Step) -> None:
        assert op.call_id is not None
        assert op.queue_id is not None
        call_id, queue = op.call_id, self.state.queues[op.queue_id]
        step.events.append(
            OfferRejected(
                call_id=call_id,
                operator_id=op.operator_id,
                queue_id=queue.queue_id,
                cause=cause,
                ring_s=step.now - op.since,
                at=step.now,
            )
        )
        self.release_offer(call_id, op.operator_id, step, missed=True)
        self.put(*machine.miss_offer(op, step.now, cause, queue.no_answer_limit), step)
        step.freed.append(op.operator_id)

    def withdraw_operator(self, operator_id: OperatorId, cause: str, step: Step) -> None:
        op = self.state.operators[operator_id]
        assert op.call_id is not None
        assert op.queue_id is not None
        step.events.append(
            OfferWithdrawn(
                call_id=op.call_id, operator_id=operator_id, queue_id=op.queue_id, cause=cause, at=step.now
            )
        )
        self.put(*machine.withdraw_offer(op, step.now, cause), step)
        step.freed.append(operator_id)

    def drop_waiting(self, call: WaitingCall, cause: str, step: Step) -> int:
        """Remove a waiting call, withdrawing its offers; returns the place it had."""
        position = self.state.orders[call.queue_id].position(call.order_key)
        self.state.remove_waiting(call.call_id)
        for operator_id in sorted(call.offered_to):
            self.withdraw_operator(operator_id, cause, step)
        return position

    def complete(self, call_id: CallId, by: CompletedBy | None, step: Step) -> tuple[ConnectedCall, float]:
        connected = self.state.connected.pop(call_id)
        talk = step.now - connected.connected_at
        self.state.history[connected.queue_id].record_talk(talk)
        if by is not None:
            step.events.append(
                CallCompleted(
                    call_id=call_id,
                    operator_id=connected.operator_id,
                    queue_id=connected.queue_id,
                    by=by,
                    waited_s=connected.waited_s,
                    talk_s=talk,
                    at=step.now,
                )
            )
        return connected, talk

    def finish(self, call_id: CallId, by: CompletedBy | None, step: Step) -> float:
        """End a connected call; the operator enters wrap-up, timed unless the queue wants manual ready."""
        connected, talk = self.complete(call_id, by, step)
        queue = self.state.queues[connected.queue_id]
        op = self.state.operators[connected.operator_id]
        wrap_up_until = None if queue.manual_ready else step.now + queue.wrap_up_s
        self.put(*machine.end_call(op, step.now, wrap_up_until), step)
        if wrap_up_until is not None and queue.wrap_up_s <= 0:
            self.end_wrap_up(connected.operator_id, step)
        return talk

    def record_wrap_up(self, op: OperatorState, now: float) -> None:
        if op.queue_id is not None:
            self.state.history[op.queue_id].record_wrap_up(now - op.since)

    def end_wrap_up(self, operator_id: OperatorId, step: Step) -> None:
        op = self.state.operators[operator_id]
        self.record_wrap_up(op, step.now)
        self.put(*machine.end_wrap_up(op, step.now), step)
        step.freed.append(operator_id)

    def block(self, operator_id: OperatorId, note: str, own: bool, step: Step) -> None:
        op = self.state.operator(operator_id)
        if op.status is S.OFFERED and op.call_id is not None:
            self.release_offer(op.call_id, operator_id, step, missed=False)
            op = self.state.operators[operator_id]
        if op.status is S.WRAP_UP:
            self.record_wrap_up(op, step.now)
        self.put(*machine.block(op, step.now, note, own=own), step)

    def is_empty(self, queue: QueueConfig, rule: EmptyRule) -> bool:
        operators = self.state.operators
        return is_empty_under(
            rule, (operators[op].status for op in self.state.members_by_queue[queue.queue_id])
        )

    def callers_waiting(self, queue_id: QueueId) -> int:
        callbacks = sum(
            1
            for e in self.state.callbacks.values()
            if e.queue_id == queue_id and e.entry_id in self.state.waiting
        )
        return len(self.state.orders[queue_id]) - callbacks

    def dialled_by(self, call_id: CallId) -> OperatorState | None:
        """The operator on a call they placed themselves (ON_CALL with no queue call behind it)."""
        if call_id in self.state.connected:
            return None
        return next(
            (op for op in self.state.operators.values() if op.status is S.ON_CALL and op.call_id == call_id),
            None,
        )
