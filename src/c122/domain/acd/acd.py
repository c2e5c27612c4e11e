"""The ACD as one aggregate: every operation changes the state and returns what happened as events.

A service loads the `Acd` (config + snapshot), calls one operation with the current time, persists the
changed rows and the returned events in one transaction, and publishes the events after commit. The
decisions (who is rung, who waits, who leaves) are in the returned `CallOffered`, `CallExited`, ...
events; nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from c122.domain.acd import operator_state as machine
from c122.domain.acd.callbacks import CallbackEntry, CallbackStatus, entry_for_abandon, resumes_place
from c122.domain.acd.calls import ConnectedCall, Placement, WaitingCall, cross_queue_key
from c122.domain.acd.config import EmptyRule, QueueConfig, Strategy
from c122.domain.acd.errors import IllegalTransition, NoSuchOffer, UnknownCall
from c122.domain.acd.events import (
    BreakSuggested,
    BreakTimeElapsed,
    CallAbandoned,
    CallbackClosed,
    CallbackCreated,
    CallCompleted,
    CallConnected,
    CallExited,
    CallMoved,
    CallOffered,
    CallQueued,
    CallTransferred,
    CompletedBy,
    DomainEvent,
    ExitReason,
    Offer,
    OfferRejected,
    OfferWithdrawn,
)
from c122.domain.acd.ids import CallId, GroupId, OperatorId, QueueId
from c122.domain.acd.operator_state import OperatorState, OperatorStatus
from c122.domain.acd.operator_timers import (
    DueTimer,
    break_allowance_used_up,
    break_suggestion_due,
    due_timer,
)
from c122.domain.acd.queue_rules import exit_event, exit_reason, is_empty_under
from c122.domain.acd.router import Router
from c122.domain.acd.scope import SeniorScope
from c122.domain.acd.state import AcdConfig, AcdSnapshot, AcdState
from c122.domain.acd.strategies import RandomSource
from c122.domain.errors import Conflict

S = OperatorStatus


@dataclass(frozen=True, slots=True)
class Outcome:
    events: tuple[DomainEvent, ...] = ()

    @property
    def offers(self) -> tuple[Offer, ...]:
        return tuple(e.offer for e in self.events if isinstance(e, CallOffered))


def _require_reason(note: str) -> None:
    if not note.strip():
        raise IllegalTransition("a block needs a stated reason")


class _Step:
    """Collects the events of one operation, the operators it freed and the calls it put (back) in a
    queue; both are matched once the operation's changes are done."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.events: list[DomainEvent] = []
        self.freed: deque[OperatorId] = deque()
        self.calls: list[CallId] = []

    def outcome(self) -> Outcome:
        return Outcome(tuple(self.events))


class Acd:
    def __init__(
        self,
        config: AcdConfig,
        rng: RandomSource,
        *,
        snapshot: AcdSnapshot | None = None,
        history_size: int = 50,
    ) -> None:
        self.config = config
        if snapshot is None:
            self.state = AcdState(config, history_size)
        else:
            self.state = AcdState.restore(config, snapshot, history_size)
        self.router = Router(self.state, rng)

    def snapshot(self) -> AcdSnapshot:
        return self.state.snapshot()

    # --- operator commands ----------------------------------------------------------------------
    def login(self, operator_id: OperatorId, now: float) -> Outcome:
        step = _Step(now)
        op = self.state.operator(operator_id)
        self._put(*machine.login(op, now), step)
        group = self.state.profiles[operator_id].group_id
        op = self.state.operators[operator_id]
        if op.block_note is not None:
            self._put(*machine.block(op, now, op.block_note), step)
        elif group in self.state.blocked_groups:
            self._put(*machine.block(op, now, self.state.blocked_groups[group], own=False), step)
        else:
            step.freed.append(operator_id)
        return self._settle(step)

    def logout(self, operator_id: OperatorId, now: float) -> Outcome:
        step = _Step(now)
        self._put(*machine.logout(self.state.operator(operator_id), now), step)
        return self._settle(step)

    def take_break(self, operator_id: OperatorId, reason: str, now: float, note: str = "") -> Outcome:
        step = _Step(now)
        op = self.state.operator(operator_id)
        new, events = machine.take_break(op, now, reason, note)  # refuses before anything changes
        if op.status is S.WRAP_UP:
            self._record_wrap_up(op, now)
        self._put(new, events, step)
        return self._settle(step)

    def ready(self, operator_id: OperatorId, now: float) -> Outcome:
        step = _Step(now)
        op = self.state.operator(operator_id)
        if op.status is S.WRAP_UP:
            self._record_wrap_up(op, now)
        self._put(*machine.ready(op, now), step)
        step.freed.append(operator_id)
        return self._settle(step)

    def touch(self, operator_id: OperatorId, now: float) -> None:
        """Activity from the operator's desktop: keeps them from being marked away."""
        op = self.state.operator(operator_id)
        self.state.put_operator(replace(op, last_activity_at=now))

    # --- calls ----------------------------------------------------------------------------------
    def enqueue(
        self,
        call_id: CallId,
        queue_id: QueueId,
        caller: str,
        now: float,
        *,
        priority: int = 0,
        skills: frozenset[str] = frozenset(),
    ) -> Outcome:
        state = self.state
        queue = state.queue(queue_id)
        if call_id in state.waiting or call_id in state.connected:
            raise Conflict(f"call {call_id} is already in the ACD")
        step = _Step(now)
        if self._is_empty(queue, queue.join_when_empty):
            step.events.append(exit_event(queue, call_id, ExitReason.EMPTY, 0.0, now))
            return step.outcome()
        if queue.max_length is not None and self._callers_waiting(queue_id) >= queue.max_length:
            step.events.append(exit_event(queue, call_id, ExitReason.FULL, 0.0, now))
            return step.outcome()
        enqueued_at, resumed = now, False
        entry_id = state.callback_by_caller.get((queue_id, caller)) if caller else None
        if entry_id is not None:
            entry = state.callbacks[entry_id]
            if resumes_place(queue, entry, now):
                enqueued_at, resumed = entry.enqueued_at, True
                self._close_callback(entry, "called_again", step, resumed_by=call_id)
        call = WaitingCall(
            call_id=call_id,
            queue_id=queue_id,
            caller=caller,
            priority=priority,
            enqueued_at=enqueued_at,
            joined_at=now,
            seq=state.next_seq(),
            required_skills=skills,
        )
        state.add_waiting(call)
        step.events.append(
            CallQueued(
                call_id=call_id,
                queue_id=queue_id,
                caller=caller,
                priority=priority,
                position=state.orders[queue_id].position(call.order_key),
                enqueued_at=enqueued_at,
                at=now,
                resumed=resumed,
            )
        )
        self._dispatch_call(call_id, step)
        return self._settle(step)

    def accept(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        step = _Step(now)
        op = self._offered(operator_id, call_id)
        call = self.state.remove_waiting(call_id)
        for other in sorted(call.offered_to - {operator_id}):
            self._withdraw_operator(other, "answered_elsewhere", step)
        self._put(*machine.answer(op, now), step)
        waited = now - call.joined_at
        self.state.connected[call_id] = ConnectedCall(
            call_id=call_id,
            queue_id=call.queue_id,
            operator_id=operator_id,
            caller=call.caller,
            waited_s=waited,
            connected_at=now,
            is_callback=call.is_callback,
        )
        step.events.append(
            CallConnected(
                call_id=call_id,
                operator_id=operator_id,
                queue_id=call.queue_id,
                waited_s=waited,
                at=now,
                is_callback=call.is_callback,
            )
        )
        if call.is_callback:
            self._close_callback(self.state.callbacks[call_id], "called_back", step, in_queue=False)
        else:
            self.state.history[call.queue_id].record_outcome(True)
        return self._settle(step)

    def reject(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        step = _Step(now)
        self._miss(self._offered(operator_id, call_id), "rejected", step)
        return self._settle(step)

    def hang_up(self, call_id: CallId, by: CompletedBy, now: float) -> Outcome:
        """The caller or the operator hung up. A waiting caller hanging up is an abandon."""
        step = _Step(now)
        if call_id in self.state.connected:
            self._finish(call_id, by, step)
        elif by is CompletedBy.CALLER and call_id in self.state.waiting:
            self._abandon(self.state.waiting[call_id], step)
        elif (direct := self._dialled_by(call_id)) is not None:
            # No queue's wrap-up applies to a call of the operator's own: ready again at once.
            self._put(*machine.end_call(direct, now, wrap_up_until=now), step)
        else:
            raise UnknownCall(f"call {call_id} is neither waiting nor connected")
        return self._settle(step)

    def dial(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        """The operator places a call (outbound, or to a colleague): no offers reach them until it ends
        with `hang_up`. Only a ready operator, or one in wrap-up, may dial."""
        if call_id in self.state.waiting or call_id in self.state.connected or self._dialled_by(call_id):
            raise Conflict(f"call {call_id} is already in the ACD")
        step = _Step(now)
        self._put(*machine.dial(self.state.operator(operator_id), now, call_id), step)
        return self._settle(step)

    def _dialled_by(self, call_id: CallId) -> OperatorState | None:
        """The operator on a call they placed themselves (ON_CALL with no queue call behind it)."""
        if call_id in self.state.connected:
            return None
        return next(
            (op for op in self.state.operators.values() if op.status is S.ON_CALL and op.call_id == call_id),
            None,
        )

    def request_callback(self, call_id: CallId, now: float) -> Outcome:
        """A waiting caller asked to be called back (the queue's exit key): they leave the line and
        keep their place in the callback list, however short their wait."""
        call = self.state.waiting.get(call_id)
        if call is None or call.is_callback:
            raise UnknownCall(f"call {call_id} is not waiting on the line")
        step = _Step(now)
        self._abandon(call, step, requested=True)
        return self._settle(step)

    def transfer(self, call_id: CallId, to_queue_id: QueueId, now: float) -> Outcome:
        """The operator sends the caller to another queue; the caller joins it as a new arrival."""
        state = self.state
        state.queue(to_queue_id)
        connected = state.connected.get(call_id)
        if connected is None:
            raise UnknownCall(f"call {call_id} is not connected")
        step = _Step(now)
        talk = self._finish(call_id, None, step)
        step.events.append(
            CallTransferred(
                call_id=call_id,
                operator_id=connected.operator_id,
                from_queue_id=connected.queue_id,
                to_queue_id=to_queue_id,
                talk_s=talk,
                at=now,
            )
        )
        outcome = self._settle(step)
        return Outcome(outcome.events + self.enqueue(call_id, to_queue_id, connected.caller, now).events)

    # --- timers ---------------------------------------------------------------------------------
    def tick(self, now: float) -> Outcome:
        """Apply every timer that is due: ring timeouts, wrap-up ends, idle and away, break notices,
        max wait, leave-when-empty, ends of missed-offer exclusions and tier escalation. Services call
        it about once a second."""
        step = _Step(now)
        for operator_id in list(self.state.operators):
            self._operator_timers(operator_id, step)
        for queue in self.state.queues.values():
            self._queue_timers(queue, step)
        self._retry_calls(step)
        for queue in self.state.queues.values():
            if queue.escalation_step_s is not None:
                step.freed.extend(sorted(self.state.free_by_queue[queue.queue_id]))
        return self._settle(step)

    # --- senior actions (SUP-01..04) ------------------------------------------------------------
    def move_to_head(self, scope: SeniorScope, call_id: CallId, now: float) -> Outcome:
        return self._move(scope, call_id, Placement.HEAD, now)

    def move_to_tail(self, scope: SeniorScope, call_id: CallId, now: float) -> Outcome:
        return self._move(scope, call_id, Placement.TAIL, now)

    def remove(
        self, scope: SeniorScope, call_id: CallId, now: float, *, destination: str | None = None
    ) -> Outcome:
        """Take a call out of its queue: to `destination`, or hang up after the queue's message."""
        call = self.state.queued_call(call_id)
        queue = self.state.queues[call.queue_id]
        scope.require(queue.group_id, f"queue {queue.queue_id}")
        step = _Step(now)
        self._drop_waiting(call, "removed", step)
        if call.is_callback:
            self._close_callback(self.state.callbacks[call_id], "removed", step, in_queue=False)
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
                )
            )
        return self._settle(step)

    def block_operator(self, scope: SeniorScope, operator_id: OperatorId, note: str, now: float) -> Outcome:
        self._require_operator_scope(scope, operator_id)
        _require_reason(note)
        step = _Step(now)
        self._block(operator_id, note, True, step)
        return self._settle(step)

    def unblock_operator(self, scope: SeniorScope, operator_id: OperatorId, now: float) -> Outcome:
        self._require_operator_scope(scope, operator_id)
        step = _Step(now)
        op = self.state.operator(operator_id)
        group = self.state.profiles[operator_id].group_id
        if group in self.state.blocked_groups:
            self.state.put_operator(replace(op, block_note=None))  # the group's block still holds
        else:
            self._put(*machine.unblock(op, now), step)
            step.freed.append(operator_id)
        return self._settle(step)

    def block_group(self, scope: SeniorScope, group_id: GroupId, note: str, now: float) -> Outcome:
        scope.require(group_id, f"group {group_id}")
        _require_reason(note)
        step = _Step(now)
        self.state.blocked_groups[group_id] = note
        for operator_id in sorted(self.state.group_operators(group_id)):
            self._block(operator_id, note, False, step)
        return self._settle(step)

    def unblock_group(self, scope: SeniorScope, group_id: GroupId, now: float) -> Outcome:
        scope.require(group_id, f"group {group_id}")
        step = _Step(now)
        self.state.blocked_groups.pop(group_id, None)
        for operator_id in sorted(self.state.group_operators(group_id)):
            op = self.state.operators[operator_id]
            if op.block_note is None:
                self._put(*machine.unblock(op, now), step)
                step.freed.append(operator_id)
        return self._settle(step)

    def force_logout(self, scope: SeniorScope, operator_id: OperatorId, note: str, now: float) -> Outcome:
        """SUP-04. A call in progress is completed by the operator side; the service hangs it up."""
        self._require_operator_scope(scope, operator_id)
        step = _Step(now)
        op = self.state.operator(operator_id)
        if op.status is S.OFFERED and op.call_id is not None:
            self._release_offer(op.call_id, operator_id, step, missed=False)
        if op.status is S.ON_CALL and op.call_id is not None:
            self._complete(op.call_id, CompletedBy.OPERATOR, step)
        self._put(*machine.force_logout(self.state.operators[operator_id], step.now, note), step)
        return self._settle(step)

    # --- internals ------------------------------------------------------------------------------
    def _put(self, new: OperatorState, events: Iterable[DomainEvent], step: _Step) -> None:
        self.state.put_operator(new)
        step.events.extend(events)

    def _settle(self, step: _Step) -> Outcome:
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
                        self._offer(call, operator_id, step)
                continue
            calls = sorted({c for c in step.calls if c in state.waiting}, key=self._service_key)
            step.calls.clear()
            for call_id in calls:
                for operator_id in self.router.operators_for(state.waiting[call_id], step.now):
                    self._offer(state.waiting[call_id], operator_id, step)
        return step.outcome()

    def _service_key(self, call_id: CallId) -> tuple[int, float, float, int, int, str]:
        call = self.state.waiting[call_id]
        return cross_queue_key(call.order_key, self.state.queues[call.queue_id].weight)

    def _dispatch_call(self, call_id: CallId, step: _Step) -> None:
        step.calls.append(call_id)

    def _offer(self, call: WaitingCall, operator_id: OperatorId, step: _Step) -> None:
        state = self.state
        queue = state.queues[call.queue_id]
        expires_at = step.now + queue.ring_timeout_s
        op = state.operators[operator_id]
        self._put(*machine.offer(op, call.call_id, queue.queue_id, expires_at, step.now), step)
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

    def _offered(self, operator_id: OperatorId, call_id: CallId) -> OperatorState:
        op = self.state.operator(operator_id)
        if op.status is not S.OFFERED or op.call_id != call_id:
            raise NoSuchOffer(f"operator {operator_id} holds no offer of call {call_id}")
        return op

    def _release_offer(self, call_id: CallId, operator_id: OperatorId, step: _Step, *, missed: bool) -> None:
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
            self._dispatch_call(call_id, step)

    def _miss(self, op: OperatorState, cause: str, step: _Step) -> None:
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
        self._release_offer(call_id, op.operator_id, step, missed=True)
        self._put(*machine.miss_offer(op, step.now, cause, queue.no_answer_limit), step)
        step.freed.append(op.operator_id)

    def _withdraw_operator(self, operator_id: OperatorId, cause: str, step: _Step) -> None:
        op = self.state.operators[operator_id]
        assert op.call_id is not None
        assert op.queue_id is not None
        step.events.append(
            OfferWithdrawn(
                call_id=op.call_id, operator_id=operator_id, queue_id=op.queue_id, cause=cause, at=step.now
            )
        )
        self._put(*machine.withdraw_offer(op, step.now, cause), step)
        step.freed.append(operator_id)

    def _drop_waiting(self, call: WaitingCall, cause: str, step: _Step) -> int:
        """Remove a waiting call, withdrawing its offers; returns the place it had."""
        position = self.state.orders[call.queue_id].position(call.order_key)
        self.state.remove_waiting(call.call_id)
        for operator_id in sorted(call.offered_to):
            self._withdraw_operator(operator_id, cause, step)
        return position

    def _abandon(self, call: WaitingCall, step: _Step, *, requested: bool = False) -> None:
        if call.is_callback:
            raise UnknownCall(f"{call.call_id} is a callback, not a caller on the line")
        state, now = self.state, step.now
        queue = state.queues[call.queue_id]
        position = self._drop_waiting(call, "caller_hung_up", step)
        waited = now - call.joined_at
        entry = entry_for_abandon(
            queue,
            call_id=call.call_id,
            caller=call.caller,
            priority=call.priority,
            enqueued_at=call.enqueued_at,
            waited_s=waited,
            at=now,
            requested=requested,
        )
        step.events.append(
            CallAbandoned(
                call_id=call.call_id,
                queue_id=queue.queue_id,
                position=position,
                waited_s=waited,
                short=entry is None,
                at=now,
            )
        )
        if entry is None:
            return
        state.history[queue.queue_id].record_outcome(False)
        state.put_callback(entry)
        step.events.append(
            CallbackCreated(
                entry_id=entry.entry_id,
                queue_id=queue.queue_id,
                caller=entry.caller,
                enqueued_at=entry.enqueued_at,
                waited_s=waited,
                sla_breached=entry.sla_breached,
                at=now,
            )
        )
        if queue.callbacks_enabled:
            # The callback keeps the caller's place: original enqueue time and arrival counter.
            state.add_waiting(
                replace(
                    call,
                    joined_at=now,
                    is_callback=True,
                    offered_to=frozenset(),
                    declined_by=frozenset(),
                    excluded=(),
                )
            )
            self._dispatch_call(call.call_id, step)

    def _close_callback(
        self,
        entry: CallbackEntry,
        reason: str,
        step: _Step,
        *,
        resumed_by: CallId | None = None,
        in_queue: bool = True,
    ) -> None:
        if in_queue and entry.entry_id in self.state.waiting:
            self._drop_waiting(self.state.waiting[entry.entry_id], "callback_closed", step)
        self.state.drop_callback(entry.entry_id)
        step.events.append(
            CallbackClosed(
                entry_id=entry.entry_id,
                queue_id=entry.queue_id,
                reason=reason,
                at=step.now,
                resumed_by=resumed_by,
            )
        )

    def _complete(self, call_id: CallId, by: CompletedBy | None, step: _Step) -> tuple[ConnectedCall, float]:
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

    def _finish(self, call_id: CallId, by: CompletedBy | None, step: _Step) -> float:
        """End a connected call; the operator enters wrap-up, timed unless the queue wants manual ready."""
        connected, talk = self._complete(call_id, by, step)
        queue = self.state.queues[connected.queue_id]
        op = self.state.operators[connected.operator_id]
        wrap_up_until = None if queue.manual_ready else step.now + queue.wrap_up_s
        self._put(*machine.end_call(op, step.now, wrap_up_until), step)
        if wrap_up_until is not None and queue.wrap_up_s <= 0:
            self._end_wrap_up(connected.operator_id, step)
        return talk

    def _record_wrap_up(self, op: OperatorState, now: float) -> None:
        if op.queue_id is not None:
            self.state.history[op.queue_id].record_wrap_up(now - op.since)

    def _end_wrap_up(self, operator_id: OperatorId, step: _Step) -> None:
        op = self.state.operators[operator_id]
        self._record_wrap_up(op, step.now)
        self._put(*machine.end_wrap_up(op, step.now), step)
        step.freed.append(operator_id)

    def _operator_timers(self, operator_id: OperatorId, step: _Step) -> None:
        state, now = self.state, step.now
        op = state.operators[operator_id]
        policy = state.policy(state.profiles[operator_id].group_id)
        due = due_timer(op, policy, now)
        if due is DueTimer.RING_TIMEOUT:
            self._miss(op, "ring_timeout", step)
        elif due is DueTimer.WRAP_UP_END:
            self._end_wrap_up(operator_id, step)
        elif due is DueTimer.IDLE:
            self._put(*machine.go_idle(op, now), step)
        elif due is DueTimer.AUTO_LOGOUT:
            self._put(*machine.idle_logout(op, now), step)
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

    def _queue_timers(self, queue: QueueConfig, step: _Step) -> None:
        state, now = self.state, step.now
        leaving = self._is_empty(queue, queue.leave_when_empty)
        if queue.max_wait_s is None and not leaving:
            return
        for key in list(state.orders[queue.queue_id]):
            call = state.waiting[key[4]]
            reason = exit_reason(queue, call, now, leaving)
            if reason is not None:
                self._drop_waiting(call, "caller_left_queue", step)
                step.events.append(exit_event(queue, call.call_id, reason, now - call.joined_at, now))

    def _retry_calls(self, step: _Step) -> None:
        """Calls whose missed-offer exclusions ended look for an operator again."""
        for call in self.state.end_exclusions(step.now):
            self._dispatch_call(call.call_id, step)

    def _is_empty(self, queue: QueueConfig, rule: EmptyRule) -> bool:
        operators = self.state.operators
        return is_empty_under(
            rule, (operators[op].status for op in self.state.members_by_queue[queue.queue_id])
        )

    def _callers_waiting(self, queue_id: QueueId) -> int:
        callbacks = sum(
            1
            for e in self.state.callbacks.values()
            if e.queue_id == queue_id and e.entry_id in self.state.waiting
        )
        return len(self.state.orders[queue_id]) - callbacks

    def _move(self, scope: SeniorScope, call_id: CallId, placement: Placement, now: float) -> Outcome:
        call = self.state.queued_call(call_id)
        scope.require(self.state.queues[call.queue_id].group_id, f"queue {call.queue_id}")
        self.state.replace_waiting(replace(call, placement=placement, move_seq=self.state.next_move_seq()))
        to = "head" if placement is Placement.HEAD else "tail"
        return Outcome(
            (CallMoved(call_id=call_id, queue_id=call.queue_id, to=to, senior_id=scope.senior_id, at=now),)
        )

    def _block(self, operator_id: OperatorId, note: str, own: bool, step: _Step) -> None:
        op = self.state.operator(operator_id)
        if op.status is S.OFFERED and op.call_id is not None:
            self._release_offer(op.call_id, operator_id, step, missed=False)
            op = self.state.operators[operator_id]
        if op.status is S.WRAP_UP:
            self._record_wrap_up(op, step.now)
        self._put(*machine.block(op, step.now, note, own=own), step)

    def _require_operator_scope(self, scope: SeniorScope, operator_id: OperatorId) -> None:
        self.state.operator(operator_id)
        scope.require(self.state.profiles[operator_id].group_id, f"operator {operator_id}")
