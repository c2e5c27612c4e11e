"""What the desktop and the API show of the call distribution: an operator's state, a queue's figures
and callers; built from the ACD state, with the records' integer ids and real datetimes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from c122.domain.acd import AcdState, OperatorStatus, estimate_wait, queue_figures
from c122.domain.organisation import Queue
from c122.services.contact_center.ports import OfferContext

# queue.updated carries the first callers only; the full list is one GET away.
CALLS_SHOWN = 50


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def optional_int(value: str | None) -> int | None:
    return None if value is None else int(value)


@dataclass(frozen=True)
class OfferView:
    call_id: str
    queue_id: int
    queue_name: str
    caller: str
    expires_at: datetime
    is_callback: bool
    service_number: str | None = None  # the line the caller dialled (OPS-18)
    service_name: str | None = None
    group_name: str | None = None
    auto_answer: bool = False


@dataclass(frozen=True)
class OfferExtras:
    """Names an offer shows besides the ACD's own facts."""

    contexts: Mapping[str, OfferContext] = field(default_factory=dict)
    group_names: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OperatorView:
    user_id: int
    status: str
    since: datetime
    reason: str
    note: str
    call_id: str | None
    queue_id: int | None
    offer: OfferView | None
    pending: str | None  # a break, logout or block asked for during a call, applied after wrap-up
    wrap_up_until: datetime | None
    # The group's idle policy, so the desk can warn before «Нет на месте» and the logout (OPS-02).
    idle_to_away_s: float | None = None
    away_to_logout_s: float | None = None
    # The allowance of the current break's reason, so the desk shows the break timer against it (OPS-04).
    break_limit_s: float | None = None
    # The server's time when the state was read: with `since`, the time already spent in the state, so
    # a desk reloaded mid-break counts on from there (OPS-04).
    server_time: datetime | None = None
    early_ready: bool = True  # the group lets «Готов» end a timed wrap-up early (OPS-19)


@dataclass(frozen=True)
class WaitingCallView:
    call_id: str
    caller: str
    priority: int
    position: int
    waited_s: float
    estimated_wait_s: float | None
    is_callback: bool
    ringing: bool
    ivr_choice: str | None = None  # "menu:key": what the caller chose in the IVR before queueing


@dataclass(frozen=True)
class LeftCallView:
    """A caller who left the queue, and why: answered, abandoned, timeout, no_operators, queue_full,
    removed (by a senior, with their reason), transferred (removed to a number) or gone."""

    call_id: str
    caller: str
    reason: str
    left_at: datetime
    waited_s: float
    destination: str | None = None
    removed_by: int | None = None
    note: str = ""
    ivr_choice: str | None = None


@dataclass(frozen=True)
class QueueView:
    id: int
    group_id: int
    name: str
    waiting: int
    waiting_by_priority: dict[str, int]
    callbacks_waiting: int
    longest_wait_s: float
    available_operators: int
    eligible_operators: int
    logged_in_operators: int
    on_break_operators: int
    calls: list[WaitingCallView]
    left: list[LeftCallView] = field(default_factory=list)  # the latest first


def offer_view(
    state: AcdState, queues: dict[int, Queue], call_id: str, extras: OfferExtras | None = None
) -> OfferView | None:
    call = state.waiting.get(call_id)
    if call is None:
        return None
    operator = next((state.operators[o] for o in call.offered_to if o in state.operators), None)
    expires = operator.offer_expires_at if operator is not None else None
    queue = queues.get(int(call.queue_id))
    context = extras.contexts.get(call_id) if extras is not None else None
    return OfferView(
        call_id=call_id,
        queue_id=int(call.queue_id),
        queue_name=queue.name if queue else "",
        caller=call.caller,
        expires_at=at(expires if expires is not None else call.joined_at),
        is_callback=call.is_callback,
        service_number=context.service_number if context else None,
        service_name=context.service_name if context else None,
        group_name=extras.group_names.get(queue.group_id) if queue and extras else None,
        auto_answer=queue.auto_answer if queue else False,
    )


def break_limit(state: AcdState, operator_id: str) -> float | None:
    """The group's allowance for the operator's current break reason; None when not on a break."""
    op = state.operator(operator_id)
    profile = state.profiles.get(operator_id)
    if op.status is not OperatorStatus.ON_BREAK or profile is None:
        return None
    return state.policy(profile.group_id).breaks.allowed_for(op.reason)


def operator_view(
    state: AcdState, queues: dict[int, Queue], user_id: int, extras: OfferExtras | None = None
) -> OperatorView:
    op = state.operator(str(user_id))
    profile = state.profiles.get(op.operator_id)
    policy = state.operator_policy(op.operator_id) if profile is not None else None
    offer = None
    if op.status is OperatorStatus.OFFERED and op.call_id is not None:
        offer = offer_view(state, queues, op.call_id, extras)
    return OperatorView(
        user_id=user_id,
        status=op.status.value,
        since=at(op.since),
        reason=op.reason,
        note=op.note,
        call_id=op.call_id,
        queue_id=optional_int(op.queue_id),
        offer=offer,
        pending=op.pending.trigger.value if op.pending is not None else None,
        wrap_up_until=at(op.wrap_up_until)
        if op.status is OperatorStatus.WRAP_UP and op.wrap_up_until is not None
        else None,
        idle_to_away_s=policy.idle_to_away_s if policy is not None else None,
        away_to_logout_s=policy.away_to_logout_s if policy is not None else None,
        break_limit_s=break_limit(state, op.operator_id),
        early_ready=policy.early_ready if policy is not None else True,
    )


def queue_view(
    state: AcdState,
    queue: Queue,
    now: float,
    *,
    calls_limit: int | None = None,
    choices: Mapping[str, str | None] | None = None,
    left: Sequence[LeftCallView] = (),
) -> QueueView:
    """`choices`: each waiting call's IVR choice; `left`: the callers who left the queue lately."""
    queue_id = str(queue.id)
    figures = queue_figures(state, queue_id, now)
    calls: list[WaitingCallView] = []
    for position, key in enumerate(state.orders[queue_id], start=1):
        if calls_limit is not None and len(calls) >= calls_limit:
            break
        call = state.waiting[key[4]]
        calls.append(
            WaitingCallView(
                call_id=call.call_id,
                caller=call.caller,
                priority=call.priority,
                position=position,
                waited_s=max(0.0, now - call.joined_at),
                estimated_wait_s=estimate_wait(state, call.call_id, now).wait_s,
                is_callback=call.is_callback,
                ringing=bool(call.offered_to),
                ivr_choice=choices.get(call.call_id) if choices else None,
            )
        )
    return QueueView(
        id=queue.id,
        group_id=queue.group_id,
        name=queue.name,
        waiting=figures.waiting,
        waiting_by_priority={str(p): n for p, n in figures.waiting_by_priority.items()},
        callbacks_waiting=figures.callbacks_waiting,
        longest_wait_s=figures.longest_wait_s,
        available_operators=figures.available_operators,
        eligible_operators=figures.eligible_operators,
        logged_in_operators=figures.logged_in_operators,
        on_break_operators=figures.on_break_operators,
        calls=calls,
        left=list(left),
    )
