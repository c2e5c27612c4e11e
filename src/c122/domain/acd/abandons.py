"""A waiting caller leaves the line: the abandon, the callback entry it may leave, and closing an entry
(the caller called again, was called back, or a senior removed it)."""

from __future__ import annotations

from dataclasses import replace

from c122.domain.acd.callbacks import CallbackEntry, entry_for_abandon
from c122.domain.acd.calls import WaitingCall
from c122.domain.acd.config import QueueConfig
from c122.domain.acd.errors import UnknownCall
from c122.domain.acd.events import CallAbandoned, CallbackClosed, CallbackCreated
from c122.domain.acd.ids import CallId
from c122.domain.acd.moves import Moves
from c122.domain.acd.step import Step


def abandon(moves: Moves, call: WaitingCall, step: Step, *, requested: bool = False) -> None:
    """The caller hung up (or, `requested`, asked to be called back): they leave the queue and, unless
    it was a short abandon, the callback list keeps their place."""
    if call.is_callback:
        raise UnknownCall(f"{call.call_id} is a callback, not a caller on the line")
    state, now = moves.state, step.now
    queue = state.queues[call.queue_id]
    position = moves.drop_waiting(call, "caller_hung_up", step)
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
    _file(moves, entry, call, step)


def request_from_menu(
    moves: Moves, queue: QueueConfig, *, call_id: CallId, caller: str, priority: int, step: Step
) -> CallbackEntry:
    """The caller accepted the IVR's callback offer before joining any queue: an entry in `queue`'s
    list as if they had asked from the line, with no wait behind it."""
    now = step.now
    entry = entry_for_abandon(
        queue,
        call_id=call_id,
        caller=caller,
        priority=priority,
        enqueued_at=now,
        waited_s=0.0,
        at=now,
        requested=True,
    )
    assert entry is not None  # a requested entry is never a short abandon
    call = WaitingCall(
        call_id=call_id,
        queue_id=queue.queue_id,
        caller=caller,
        priority=priority,
        enqueued_at=now,
        joined_at=now,
        seq=moves.state.next_seq(),
    )
    _file(moves, entry, call, step)
    return entry


def _file(moves: Moves, entry: CallbackEntry, call: WaitingCall, step: Step) -> None:
    """The entry goes on the list and, where the queue calls back, waits in it in the caller's place."""
    state, now = moves.state, step.now
    queue = state.queues[entry.queue_id]
    state.put_callback(entry)
    step.events.append(
        CallbackCreated(
            entry_id=entry.entry_id,
            queue_id=queue.queue_id,
            caller=entry.caller,
            enqueued_at=entry.enqueued_at,
            waited_s=entry.waited_s,
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
        step.calls.append(call.call_id)


def callback_call(entry: CallbackEntry, *, joined_at: float, seq: int) -> WaitingCall:
    """The entry as a call waiting in its queue, in the caller's original place."""
    return WaitingCall(
        call_id=entry.entry_id,
        queue_id=entry.queue_id,
        caller=entry.caller,
        priority=entry.priority,
        enqueued_at=entry.enqueued_at,
        joined_at=joined_at,
        seq=seq,
        is_callback=True,
    )


def close_answered_callers(moves: Moves, call: WaitingCall, step: Step) -> None:
    """The caller called again and an operator answered: their open entries of the same group's queues
    close (`answered_again`), unless an operator is calling them back right now."""
    state = moves.state
    if not call.caller:
        return
    group = state.queues[call.queue_id].group_id
    for entry in list(state.callbacks.values()):
        if entry.caller != call.caller or state.queues[entry.queue_id].group_id != group:
            continue
        waiting = state.waiting.get(entry.entry_id)
        if waiting is not None and waiting.offered_to:
            continue  # being offered: the operator's callback goes ahead
        close_callback(moves, entry, "answered_again", step, resumed_by=call.call_id)


def close_callback(
    moves: Moves,
    entry: CallbackEntry,
    reason: str,
    step: Step,
    *,
    resumed_by: CallId | None = None,
    in_queue: bool = True,
) -> None:
    state = moves.state
    if in_queue and entry.entry_id in state.waiting:
        moves.drop_waiting(state.waiting[entry.entry_id], "callback_closed", step)
    state.drop_callback(entry.entry_id)
    step.events.append(
        CallbackClosed(
            entry_id=entry.entry_id,
            queue_id=entry.queue_id,
            reason=reason,
            at=step.now,
            resumed_by=resumed_by,
        )
    )
