"""Operator state machine: the allowed transitions as one explicit table, and pure functions applying them.

Every change returns the new state and an `OperatorStateChanged` event, which is also the row of the
operator state log (shift statistics are computed from it). Nothing here reads a clock: `at` is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from c122.domain.acd.errors import IllegalTransition
from c122.domain.acd.events import OperatorStateChanged
from c122.domain.acd.ids import CallId, OperatorId, QueueId


class OperatorStatus(StrEnum):
    OFFLINE = "offline"
    READY = "ready"  # на дежурстве
    OFFERED = "offered"  # a call is ringing on the desktop
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"  # поствызывная обработка
    ON_BREAK = "on_break"  # перерыв / обед / обучение / not ready with a stated reason
    AWAY = "away"  # нет на месте: idle too long
    BLOCKED = "blocked"  # by a senior


class Trigger(StrEnum):
    LOGIN = "login"
    OFFER = "offer"
    ANSWER = "answer"
    DIAL = "dial"  # the operator places a call of their own (outbound or to a colleague)
    OFFER_MISSED = "offer_missed"  # rejected or ring timeout
    NO_ANSWER_LIMIT = "no_answer_limit"  # the N-th missed offer in a row
    OFFER_WITHDRAWN = "offer_withdrawn"  # answered elsewhere, caller hung up, call removed
    CALL_ENDED = "call_ended"
    WRAP_UP_ELAPSED = "wrap_up_elapsed"
    READY = "ready"  # by hand
    TAKE_BREAK = "take_break"
    IDLE = "idle"
    IDLE_LOGOUT = "idle_logout"
    LOGOUT = "logout"
    BLOCK = "block"
    UNBLOCK = "unblock"
    FORCE_LOGOUT = "force_logout"


class BreakReason(StrEnum):
    """Well-known reason codes; groups may configure more (any non-empty code is accepted)."""

    BREAK = "break"  # перерыв
    LUNCH = "lunch"  # обед
    TRAINING = "training"  # обучение
    NOT_READY = "not_ready"  # блокировка с указанием причины: the note is required
    NO_ANSWER = "no_answer"  # set by the system after N missed offers


S = OperatorStatus
T = Trigger

#: (current status, trigger) -> next status. Anything not listed is refused.
TRANSITIONS: dict[tuple[OperatorStatus, Trigger], OperatorStatus] = {
    (S.OFFLINE, T.LOGIN): S.READY,
    (S.READY, T.OFFER): S.OFFERED,
    (S.OFFERED, T.ANSWER): S.ON_CALL,
    (S.READY, T.DIAL): S.ON_CALL,
    (S.WRAP_UP, T.DIAL): S.ON_CALL,
    (S.OFFERED, T.OFFER_MISSED): S.READY,
    (S.OFFERED, T.NO_ANSWER_LIMIT): S.ON_BREAK,
    (S.OFFERED, T.OFFER_WITHDRAWN): S.READY,
    (S.ON_CALL, T.CALL_ENDED): S.WRAP_UP,
    (S.WRAP_UP, T.WRAP_UP_ELAPSED): S.READY,
    (S.WRAP_UP, T.READY): S.READY,
    (S.ON_BREAK, T.READY): S.READY,
    (S.AWAY, T.READY): S.READY,
    (S.READY, T.TAKE_BREAK): S.ON_BREAK,
    (S.WRAP_UP, T.TAKE_BREAK): S.ON_BREAK,
    (S.AWAY, T.TAKE_BREAK): S.ON_BREAK,
    (S.ON_BREAK, T.TAKE_BREAK): S.ON_BREAK,  # change the reason code
    (S.READY, T.IDLE): S.AWAY,
    (S.ON_BREAK, T.IDLE): S.AWAY,
    (S.AWAY, T.IDLE_LOGOUT): S.OFFLINE,
    (S.READY, T.LOGOUT): S.OFFLINE,
    (S.WRAP_UP, T.LOGOUT): S.OFFLINE,
    (S.ON_BREAK, T.LOGOUT): S.OFFLINE,
    (S.AWAY, T.LOGOUT): S.OFFLINE,
    (S.BLOCKED, T.LOGOUT): S.OFFLINE,
    (S.READY, T.BLOCK): S.BLOCKED,
    (S.OFFERED, T.BLOCK): S.BLOCKED,
    (S.WRAP_UP, T.BLOCK): S.BLOCKED,
    (S.ON_BREAK, T.BLOCK): S.BLOCKED,
    (S.AWAY, T.BLOCK): S.BLOCKED,
    (S.BLOCKED, T.BLOCK): S.BLOCKED,  # change the stated reason
    (S.BLOCKED, T.UNBLOCK): S.READY,
    **{(status, T.FORCE_LOGOUT): S.OFFLINE for status in S if status is not S.OFFLINE},
}

#: Requests that cannot interrupt a call are remembered and applied when the wrap-up ends.
DEFERRABLE_DURING_CALL = frozenset({T.TAKE_BREAK, T.BLOCK, T.LOGOUT})

#: States in which the operator counts as logged in to their queues.
LOGGED_IN = frozenset(set(S) - {S.OFFLINE})
#: States in which the operator is working the queues (the "eligible" staff of a queue).
STAFFED = frozenset({S.READY, S.OFFERED, S.ON_CALL, S.WRAP_UP})


@dataclass(frozen=True, slots=True)
class Pending:
    """A change asked for during a call, applied when the wrap-up ends."""

    trigger: Trigger
    reason: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class OperatorState:
    """The persisted state of one operator; one row, rebuilt as it is after a restart."""

    operator_id: OperatorId
    status: OperatorStatus = S.OFFLINE
    since: float = 0.0
    reason: str = ""
    note: str = ""
    call_id: CallId | None = None
    queue_id: QueueId | None = None
    offer_expires_at: float | None = None
    wrap_up_until: float | None = None  # None while in wrap-up: the queue wants a manual return
    no_answer_count: int = 0
    idle_since: float = 0.0  # when the operator last became free after work; longest-idle uses it
    last_activity_at: float = 0.0
    work_since: float | None = None  # start of continuous work, for the break policy
    break_suggested: bool = False
    break_overrun_noticed: bool = False
    calls_answered: int = 0
    calls_missed: int = 0  # offers rejected or let ring out this shift (the senior's board)
    talk_seconds: float = 0.0
    pending: Pending | None = None
    block_note: str | None = None  # a senior's block survives logout and login

    @property
    def is_free(self) -> bool:
        return self.status is S.READY


def _move(
    state: OperatorState,
    trigger: Trigger,
    at: float,
    *,
    reason: str = "",
    note: str = "",
    **changes: object,
) -> tuple[OperatorState, OperatorStateChanged]:
    target = TRANSITIONS.get((state.status, trigger))
    if target is None:
        raise IllegalTransition(f"operator {state.operator_id}: {trigger} is not allowed in {state.status}")
    event = OperatorStateChanged(
        operator_id=state.operator_id,
        old_status=state.status.value,
        new_status=target.value,
        trigger=trigger.value,
        reason=reason,
        note=note,
        at=at,
        duration_s=max(0.0, at - state.since),
        call_id=state.call_id,
        queue_id=state.queue_id,
    )
    new_state = replace(state, status=target, since=at, reason=reason, note=note, **changes)  # type: ignore[arg-type]
    return new_state, event


Transitioned = tuple[OperatorState, tuple[OperatorStateChanged, ...]]


def login(state: OperatorState, at: float) -> Transitioned:
    new, event = _move(
        state,
        T.LOGIN,
        at,
        idle_since=at,
        last_activity_at=at,
        work_since=at,
        break_suggested=False,
        break_overrun_noticed=False,
        no_answer_count=0,
        calls_answered=0,
        calls_missed=0,
        talk_seconds=0.0,
        pending=None,
    )
    return new, (event,)


def offer(
    state: OperatorState, call_id: CallId, queue_id: QueueId, expires_at: float, at: float
) -> Transitioned:
    new, event = _move(state, T.OFFER, at, call_id=call_id, queue_id=queue_id, offer_expires_at=expires_at)
    return new, (event,)


def answer(state: OperatorState, at: float) -> Transitioned:
    new, event = _move(
        state,
        T.ANSWER,
        at,
        offer_expires_at=None,
        no_answer_count=0,
        last_activity_at=at,
        call_id=state.call_id,
    )
    return new, (event,)


def dial(state: OperatorState, at: float, call_id: str) -> Transitioned:
    """A call the operator places: busy for offers until it ends (then wrap-up, see `end_call`)."""
    new, event = _move(
        state,
        T.DIAL,
        at,
        wrap_up_until=None,
        last_activity_at=at,
        call_id=call_id,
        queue_id=None,
    )
    return new, (event,)


def miss_offer(state: OperatorState, at: float, cause: str, no_answer_limit: int) -> Transitioned:
    """A rejected or timed-out offer; the N-th in a row sends the operator on break "no answer"."""
    count = state.no_answer_count + 1
    if no_answer_limit > 0 and count >= no_answer_limit:
        new, event = _move(
            state,
            T.NO_ANSWER_LIMIT,
            at,
            reason=BreakReason.NO_ANSWER.value,
            note=f"{count} offers unanswered",
            call_id=None,
            queue_id=None,
            offer_expires_at=None,
            no_answer_count=0,
            calls_missed=state.calls_missed + 1,
        )
        return new, (event,)
    # A missed offer does not reset idle_since: the operator keeps their place in longest-idle order.
    new, event = _move(
        state,
        T.OFFER_MISSED,
        at,
        reason=cause,
        call_id=None,
        queue_id=None,
        offer_expires_at=None,
        no_answer_count=count,
        calls_missed=state.calls_missed + 1,
    )
    return new, (event,)


def withdraw_offer(state: OperatorState, at: float, cause: str) -> Transitioned:
    new, event = _move(
        state, T.OFFER_WITHDRAWN, at, reason=cause, call_id=None, queue_id=None, offer_expires_at=None
    )
    return new, (event,)


def end_call(state: OperatorState, at: float, wrap_up_until: float | None) -> Transitioned:
    """The call ended; wrap-up starts for the operator as a whole, whichever queues they serve."""
    talk = max(0.0, at - state.since)
    new, event = _move(
        state,
        T.CALL_ENDED,
        at,
        wrap_up_until=wrap_up_until,
        last_activity_at=at,
        calls_answered=state.calls_answered + 1,
        talk_seconds=state.talk_seconds + talk,
        call_id=state.call_id,
        queue_id=state.queue_id,
    )
    return new, (event,)


def _leave_wrap_up(state: OperatorState, trigger: Trigger, at: float) -> Transitioned:
    pending = state.pending
    if pending is not None:
        return _apply_pending(state, pending, at)
    # Work counts as activity: a long call must not make the operator look away right after it.
    new, event = _move(
        state,
        trigger,
        at,
        call_id=None,
        queue_id=None,
        wrap_up_until=None,
        idle_since=at,
        last_activity_at=at,
    )
    return new, (event,)


def end_wrap_up(state: OperatorState, at: float) -> Transitioned:
    return _leave_wrap_up(state, T.WRAP_UP_ELAPSED, at)


def ready(state: OperatorState, at: float) -> Transitioned:
    """The operator returns to work by hand: from wrap-up, a break, or away."""
    if state.status is S.WRAP_UP:
        return _leave_wrap_up(state, T.READY, at)
    work_since = state.work_since if state.status is S.AWAY else at
    resets_streak = state.status is S.ON_BREAK
    new, event = _move(
        state,
        T.READY,
        at,
        idle_since=at,
        last_activity_at=at,
        work_since=work_since,
        break_suggested=state.break_suggested and not resets_streak,
        break_overrun_noticed=False,
    )
    return new, (event,)


def take_break(state: OperatorState, at: float, reason: str, note: str = "") -> Transitioned:
    if not reason:
        raise IllegalTransition("a break needs a reason code")
    if reason == BreakReason.NOT_READY and not note.strip():
        raise IllegalTransition("not ready needs a stated reason")
    if state.status is S.ON_CALL:
        return replace(state, pending=Pending(T.TAKE_BREAK, reason, note)), ()
    new, event = _move(
        state,
        T.TAKE_BREAK,
        at,
        reason=reason,
        note=note,
        call_id=None,
        queue_id=None,
        wrap_up_until=None,
        pending=None,
        last_activity_at=at,
        break_overrun_noticed=False,
    )
    return new, (event,)


def go_idle(state: OperatorState, at: float) -> Transitioned:
    new, event = _move(state, T.IDLE, at, reason=state.reason, note=state.note)
    return new, (event,)


def idle_logout(state: OperatorState, at: float) -> Transitioned:
    new, event = _move(state, T.IDLE_LOGOUT, at, work_since=None)
    return new, (event,)


def logout(state: OperatorState, at: float) -> Transitioned:
    if state.status is S.ON_CALL:
        return replace(state, pending=Pending(T.LOGOUT)), ()
    new, event = _move(
        state, T.LOGOUT, at, call_id=None, queue_id=None, wrap_up_until=None, work_since=None, pending=None
    )
    return new, (event,)


_BLOCK_OWN = "blocked"
_BLOCK_GROUP = "group_blocked"


def block(state: OperatorState, at: float, note: str, *, own: bool = True) -> Transitioned:
    """A senior blocks the operator (SUP-03). During a call it takes effect when the wrap-up ends.

    `own` is False when the block comes from the operator's whole group: the operator's own block note
    is kept apart so unblocking the group does not lift a personal block.
    """
    if not note.strip():
        raise IllegalTransition("a block needs a stated reason")
    block_note = note if own else state.block_note
    if state.status is S.OFFLINE:
        return replace(state, block_note=block_note), ()
    if state.status is S.ON_CALL:
        return replace(
            state, block_note=block_note, pending=Pending(T.BLOCK, _BLOCK_OWN if own else _BLOCK_GROUP, note)
        ), ()
    new, event = _move(
        state,
        T.BLOCK,
        at,
        reason="blocked",
        note=note,
        call_id=None,
        queue_id=None,
        offer_expires_at=None,
        wrap_up_until=None,
        pending=None,
        block_note=block_note,
    )
    return new, (event,)


def unblock(state: OperatorState, at: float) -> Transitioned:
    if state.status is not S.BLOCKED:
        cleared = replace(state, block_note=None)
        if cleared.pending is not None and cleared.pending.trigger is T.BLOCK:
            cleared = replace(cleared, pending=None)
        return cleared, ()
    new, event = _move(
        state, T.UNBLOCK, at, block_note=None, idle_since=at, last_activity_at=at, work_since=at
    )
    return new, (event,)


def force_logout(state: OperatorState, at: float, note: str) -> Transitioned:
    """A senior forces the operator out (SUP-04), whatever they are doing."""
    new, event = _move(
        state,
        T.FORCE_LOGOUT,
        at,
        reason="forced",
        note=note,
        call_id=None,
        queue_id=None,
        offer_expires_at=None,
        wrap_up_until=None,
        work_since=None,
        pending=None,
    )
    return new, (event,)


def _apply_pending(state: OperatorState, pending: Pending, at: float) -> Transitioned:
    cleared = replace(state, pending=None)
    if pending.trigger is T.TAKE_BREAK:
        return take_break(cleared, at, pending.reason, pending.note)
    if pending.trigger is T.BLOCK:
        return block(cleared, at, pending.note, own=pending.reason != _BLOCK_GROUP)
    return logout(cleared, at)
