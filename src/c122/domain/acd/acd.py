"""The ACD as one aggregate: every operation changes the state and returns what happened as events.

A service loads the `Acd` (config + snapshot), calls one operation with the current time, persists the
changed rows and the returned events in one transaction, and publishes the events after commit. The
decisions (who is rung, who waits, who leaves) are in the returned `CallOffered`, `CallExited`, ...
events; nothing here does I/O or reads a clock.

`Acd` holds the operator's commands and a call's life through the queues; the moves they are made of
are in `moves.py`, the senior's actions in `senior.py` (`acd.senior`), abandons and callbacks in
`abandons.py`, the timers in `timers.py`, calls that ended unheard in `gone.py`.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import replace

from c122.domain.acd import chats
from c122.domain.acd import operator_state as machine
from c122.domain.acd.abandons import abandon, callback_call, close_answered_callers, close_callback
from c122.domain.acd.callbacks import resumes_place
from c122.domain.acd.calls import ConnectedCall, WaitingCall
from c122.domain.acd.errors import CallbackTaken, NoSuchOffer, UnknownCall
from c122.domain.acd.events import CallConnected, CallQueued, CallTransferred, CompletedBy, ExitReason
from c122.domain.acd.gone import calls_not_in, drop_gone
from c122.domain.acd.ids import CallId, OperatorId, QueueId
from c122.domain.acd.moves import Moves
from c122.domain.acd.operator_state import OperatorState, OperatorStatus
from c122.domain.acd.queue_rules import exit_event
from c122.domain.acd.router import Router
from c122.domain.acd.senior import SeniorActions
from c122.domain.acd.state import AcdConfig, AcdSnapshot, AcdState
from c122.domain.acd.step import Outcome, Step
from c122.domain.acd.strategies import RandomSource
from c122.domain.acd.timers import apply_due_timers
from c122.domain.errors import Conflict

__all__ = ["Acd", "Outcome"]

S = OperatorStatus


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
        self.moves = Moves(self.state, self.router)
        self.senior = SeniorActions(self.moves)

    def snapshot(self) -> AcdSnapshot:
        return self.state.snapshot()

    # --- operator commands ----------------------------------------------------------------------
    def login(self, operator_id: OperatorId, now: float) -> Outcome:
        step = Step(now)
        op = self.state.operator(operator_id)
        self.moves.put(*machine.login(op, now), step)
        group = self.state.profiles[operator_id].group_id
        op = self.state.operators[operator_id]
        if op.block_note is not None:
            self.moves.put(*machine.block(op, now, op.block_note), step)
        elif group in self.state.blocked_groups:
            self.moves.put(*machine.block(op, now, self.state.blocked_groups[group], own=False), step)
        else:
            step.freed.append(operator_id)
        return self.moves.settle(step)

    def logout(self, operator_id: OperatorId, now: float) -> Outcome:
        step = Step(now)
        self.moves.put(*machine.logout(self.state.operator(operator_id), now), step)
        return self.moves.settle(step)

    def take_break(self, operator_id: OperatorId, reason: str, now: float, note: str = "") -> Outcome:
        step = Step(now)
        op = self.state.operator(operator_id)
        new, events = machine.take_break(op, now, reason, note)  # refuses before anything changes
        if op.status is S.WRAP_UP:
            self.moves.record_wrap_up(op, now)
        self.moves.put(new, events, step)
        return self.moves.settle(step)

    def ready(self, operator_id: OperatorId, now: float) -> Outcome:
        step = Step(now)
        op = self.state.operator(operator_id)
        if op.status is S.WRAP_UP:
            self._check_early_ready(operator_id, op.wrap_up_until, now)
            self.moves.record_wrap_up(op, now)
        self.moves.put(*machine.ready(op, now), step)
        step.freed.append(operator_id)
        return self.moves.settle(step)

    def _check_early_ready(self, operator_id: OperatorId, until: float | None, now: float) -> None:
        """A group may keep its operators in a timed wrap-up to its end; a manual one (no end) is left
        only by «Готов»."""
        profile = self.state.profiles.get(operator_id)
        if (
            until is None
            or until <= now
            or profile is None
            or self.state.policy(profile.group_id).early_ready
        ):
            return
        raise Conflict(
            "группа не разрешает завершать поствызывную обработку досрочно: дождитесь её окончания",
            code="early_ready_forbidden",
        )

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
        step = Step(now)
        if self.moves.is_empty(queue, queue.join_when_empty):
            step.events.append(exit_event(queue, call_id, ExitReason.EMPTY, 0.0, now))
            return step.outcome()
        if queue.max_length is not None and self.moves.callers_waiting(queue_id) >= queue.max_length:
            step.events.append(exit_event(queue, call_id, ExitReason.FULL, 0.0, now))
            return step.outcome()
        enqueued_at, resumed = now, False
        entry_id = state.callback_by_caller.get((queue_id, caller)) if caller else None
        if entry_id is not None:
            entry = state.callbacks[entry_id]
            if resumes_place(queue, entry, now):
                enqueued_at, resumed = entry.enqueued_at, True
                close_callback(self.moves, entry, "called_again", step, resumed_by=call_id)
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
        step.calls.append(call_id)
        return self.moves.settle(step)

    def accept(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        step = Step(now)
        op = self._offered(operator_id, call_id)
        call = self.state.remove_waiting(call_id)
        for other in sorted(call.offered_to - {operator_id}):
            self.moves.withdraw_operator(other, "answered_elsewhere", step)
        self.moves.put(*machine.answer(op, now), step)
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
            close_callback(self.moves, self.state.callbacks[call_id], "called_back", step, in_queue=False)
        else:
            self.state.history[call.queue_id].record_outcome(True)
            close_answered_callers(self.moves, call, step)
        return self.moves.settle(step)

    def reject(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        step = Step(now)
        self.moves.miss(self._offered(operator_id, call_id), "rejected", step)
        return self.moves.settle(step)

    def hang_up(self, call_id: CallId, by: CompletedBy, now: float) -> Outcome:
        """The caller or the operator hung up. A waiting caller hanging up is an abandon."""
        step = Step(now)
        if call_id in self.state.connected:
            self.moves.finish(call_id, by, step)
        elif by is CompletedBy.CALLER and call_id in self.state.waiting:
            abandon(self.moves, self.state.waiting[call_id], step)
        elif (direct := self.moves.dialled_by(call_id)) is not None:
            # No queue's wrap-up applies to a call of the operator's own: ready again at once.
            self.moves.put(*machine.end_call(direct, now, wrap_up_until=now), step)
        else:
            raise UnknownCall(f"call {call_id} is neither waiting nor connected")
        return self.moves.settle(step)

    def dial(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        """The operator places a call (outbound, or to a colleague): no offers reach them until it ends
        with `hang_up`. Only a ready operator, or one in wrap-up, may dial."""
        if call_id in self.state.waiting or call_id in self.state.connected or self.moves.dialled_by(call_id):
            raise Conflict(f"call {call_id} is already in the ACD")
        step = Step(now)
        self.moves.put(*machine.dial(self.state.operator(operator_id), now, call_id), step)
        return self.moves.settle(step)

    def request_callback(self, call_id: CallId, now: float) -> Outcome:
        """A waiting caller asked to be called back (the queue's exit key): they leave the line and
        keep their place in the callback list, however short their wait."""
        call = self.state.waiting.get(call_id)
        if call is None or call.is_callback:
            raise UnknownCall(f"call {call_id} is not waiting on the line")
        step = Step(now)
        abandon(self.moves, call, step, requested=True)
        return self.moves.settle(step)

    def take_callback(self, operator_id: OperatorId, entry_id: CallId, now: float) -> Outcome:
        """An operator takes an abandoned caller to call back (TEL-06): the entry becomes theirs alone
        (offers of it to others are withdrawn) and is offered to them now if they are free, otherwise
        as soon as they are. Taking one's own entry again changes nothing."""
        state = self.state
        entry = state.callbacks.get(entry_id)
        if entry is None:
            raise UnknownCall(f"{entry_id} is not on the abandoned-calls list")
        if entry.claimed_by is not None and entry.claimed_by != operator_id:
            raise CallbackTaken(entry_id, entry.claimed_by)
        state.operator(operator_id)
        step = Step(now)
        state.callbacks[entry_id] = replace(entry, claimed_by=operator_id)
        call = state.waiting.get(entry_id)
        if call is None:  # a queue without automatic callbacks: the entry waits now, for this operator
            call = callback_call(entry, joined_at=now, seq=state.next_seq())
            state.add_waiting(call)
        else:
            for other in sorted(call.offered_to - {operator_id}):
                self.moves.withdraw_operator(other, "callback_taken", step)
            state.waiting[entry_id] = replace(call, offered_to=call.offered_to & {operator_id})
        step.calls.append(entry_id)
        return self.moves.settle(step)

    def transfer(self, call_id: CallId, to_queue_id: QueueId, now: float) -> Outcome:
        """The operator sends the caller to another queue; the caller joins it as a new arrival."""
        state = self.state
        state.queue(to_queue_id)
        connected = state.connected.get(call_id)
        if connected is None:
            raise UnknownCall(f"call {call_id} is not connected")
        step = Step(now)
        talk = self.moves.finish(call_id, None, step)
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
        outcome = self.moves.settle(step)
        return Outcome(outcome.events + self.enqueue(call_id, to_queue_id, connected.caller, now).events)

    # --- text work items (chats.py) ---------------------------------------------------------------
    def enqueue_chat(
        self,
        call_id: CallId,
        queue_id: QueueId,
        caller: str,
        channel: str,
        now: float,
        *,
        priority: int = 0,
        skills: frozenset[str] = frozenset(),
    ) -> Outcome:
        """A case's conversation waits for an operator; one already waiting or held is left as it is."""
        step = Step(now)
        chats.enqueue(self.state, call_id, queue_id, caller, channel, step, priority=priority, skills=skills)
        return self.moves.settle(step)

    def accept_chat(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        step = Step(now)
        chats.accept(self.state, operator_id, call_id, step)
        return self.moves.settle(step)

    def decline_chat(self, operator_id: OperatorId, call_id: CallId, now: float) -> Outcome:
        step = Step(now)
        chats.decline(self.state, operator_id, call_id, step)
        return self.moves.settle(step)

    def end_chat(self, call_id: CallId, now: float) -> Outcome:
        step = Step(now)
        chats.end(self.state, call_id, step)
        return self.moves.settle(step)

    # --- calls that ended without the ACD being told (see gone.py) ------------------------------
    def calls_not_in(self, live: Container[CallId], now: float, *, older_than_s: float = 0.0) -> list[CallId]:
        """The calls held here (callers on the line, conversations, operators' own calls) that the call
        source no longer carries, among those held for at least `older_than_s`."""
        return calls_not_in(self.moves, live, now, older_than_s)

    def holds(self, call_id: CallId) -> bool:
        """Whether a live call is held here under this id (a callback entry is not a call)."""
        waiting = self.state.waiting.get(call_id)
        if waiting is not None:
            return not waiting.is_callback
        return call_id in self.state.connected or self.moves.dialled_by(call_id) is not None

    def drop_gone(self, call_ids: Iterable[CallId], now: float) -> Outcome:
        """Forget calls that are gone without blaming the operators they were offered to."""
        step = Step(now)
        drop_gone(self.moves, call_ids, step)
        return self.moves.settle(step)

    # --- timers ---------------------------------------------------------------------------------
    def tick(self, now: float) -> Outcome:
        """Apply every timer that is due: ring timeouts, wrap-up ends, idle and away, break notices,
        max wait, leave-when-empty, ends of missed-offer exclusions and tier escalation. Services call
        it about once a second."""
        step = Step(now)
        apply_due_timers(self.moves, step)
        chats.expire(self.state, step)
        return self.moves.settle(step)

    def _offered(self, operator_id: OperatorId, call_id: CallId) -> OperatorState:
        op = self.state.operator(operator_id)
        if op.status is not S.OFFERED or op.call_id != call_id:
            raise NoSuchOffer(f"operator {operator_id} holds no offer of call {call_id}")
        return op
