"""Calls the ACD holds after the call itself has ended without it being told: a hang-up that could not
be stored, a set-up that failed half-way, a crash. A queue never keeps such a caller: the call source
names the calls it still carries, the rest are dropped without blaming anyone — no missed offer, no
"no answer" break, no wrap-up for an offer that could never have been answered."""

from __future__ import annotations

from collections.abc import Container, Iterable

from c122.domain.acd import operator_state as machine
from c122.domain.acd.events import CallExited, CompletedBy, ExitReason
from c122.domain.acd.ids import CallId
from c122.domain.acd.moves import Moves
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.step import Step


def held_calls(moves: Moves) -> dict[CallId, float]:
    """Every call the ACD holds for a live call, with the time it was last handed to the ACD: callers on
    the line in a queue, conversations, and the operators' own calls. Callback entries are not calls."""
    state = moves.state
    held: dict[CallId, float] = {c.call_id: c.joined_at for c in state.waiting.values() if not c.is_callback}
    held.update((c.call_id, c.connected_at) for c in state.connected.values())
    for op in state.operators.values():
        if op.status is OperatorStatus.ON_CALL and op.call_id is not None and op.call_id not in held:
            held[op.call_id] = op.since
    return held


def calls_not_in(moves: Moves, live: Container[CallId], now: float, older_than_s: float) -> list[CallId]:
    """The held calls the call source no longer carries, among those held for at least `older_than_s`
    (a call just being set up may reach the ACD a moment before its source names it)."""
    return sorted(
        call_id
        for call_id, since in held_calls(moves).items()
        if call_id not in live and now - since >= older_than_s
    )


def drop_gone(moves: Moves, call_ids: Iterable[CallId], step: Step) -> None:
    """A waiting caller leaves with `CallExited(reason=gone)` (no callback entry: nobody is known to have
    waited for one) and its offers are withdrawn; a conversation ends as the caller's hang-up and an
    operator's own call ends — either way the operator is free at the next tick, with no wrap-up."""
    state = moves.state
    for call_id in call_ids:
        waiting = state.waiting.get(call_id)
        if waiting is not None and not waiting.is_callback:
            moves.drop_waiting(waiting, "call_gone", step)
            step.events.append(
                CallExited(
                    call_id=call_id,
                    queue_id=waiting.queue_id,
                    reason=ExitReason.GONE,
                    destination=None,
                    message=None,
                    waited_s=step.now - waiting.joined_at,
                    at=step.now,
                )
            )
        elif call_id in state.connected:
            connected, _talk = moves.complete(call_id, CompletedBy.CALLER, step)
            op = state.operators[connected.operator_id]
            moves.put(*machine.end_call(op, step.now, wrap_up_until=step.now), step)
        elif (direct := moves.dialled_by(call_id)) is not None:
            moves.put(*machine.end_call(direct, step.now, wrap_up_until=step.now), step)
