"""The senior's operators board as the call distribution sees it: one live row per operator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import datetime

from c122.domain.acd import AcdState, OperatorStatus
from c122.domain.users import Actor, User
from c122.services.contact_center.views import at, break_limit, optional_int
from c122.services.supervision.ports import CaseInWork, LiveCall, LiveOperator

_ON_A_CALL = (OperatorStatus.OFFERED, OperatorStatus.ON_CALL)
_WORKING_ON_A_CASE = (OperatorStatus.ON_CALL, OperatorStatus.WRAP_UP)


def case_in_work(state: AcdState, operator_id: str, cases: Mapping[str, CaseInWork]) -> CaseInWork | None:
    """The card of the call the operator is on or wrapping up (`cases`: by call id)."""
    op = state.operator(operator_id)
    if op.status not in _WORKING_ON_A_CASE or op.call_id is None:
        return None
    return cases.get(op.call_id)


def live_call(state: AcdState, operator_id: str, held: Set[str] = frozenset()) -> LiveCall | None:
    """`held`: the calls on hold now (the call flow tells the distribution, which keeps no state of it)."""
    op = state.operator(operator_id)
    if op.status not in _ON_A_CALL or op.call_id is None:
        return None
    connected = state.connected.get(op.call_id)
    if connected is not None:
        return LiveCall(
            op.call_id,
            connected.caller,
            int(connected.queue_id),
            "inbound",
            connected.connected_at,
            held=op.call_id in held,
        )
    waiting = state.waiting.get(op.call_id)
    if waiting is not None:  # ringing on the desktop
        return LiveCall(op.call_id, waiting.caller, int(waiting.queue_id), "inbound", op.since)
    return LiveCall(
        op.call_id, None, optional_int(op.queue_id), "outbound", op.since, held=op.call_id in held
    )


@dataclass(frozen=True)
class Colleague:
    """An operator of one's groups as the «Передать» list shows them: whom a call can go to now."""

    user_id: int
    login: str
    full_name: str
    status: str
    reason: str
    since: datetime
    group_names: tuple[str, ...]


def colleagues_of(
    state: AcdState, staff: Iterable[User], actor: Actor, group_names: Mapping[int, str]
) -> list[Colleague]:
    """Operators on shift sharing a group with `actor` (not `actor`), by name, with their live state."""
    found = []
    for user in staff:
        shared = user.group_ids & actor.group_ids
        if user.id == actor.user_id or not shared or str(user.id) not in state.operators:
            continue
        op = state.operator(str(user.id))
        if op.status is OperatorStatus.OFFLINE:
            continue
        names = tuple(sorted(group_names.get(g, str(g)) for g in shared))
        found.append(
            Colleague(user.id, user.login, user.full_name, op.status.value, op.reason, at(op.since), names)
        )
    return sorted(found, key=lambda c: (c.full_name, c.user_id))


def long_call_threshold(state: AcdState, operator_id: str) -> float | None:
    """The operator's group's long-call threshold for the board (None: never marked)."""
    profile = state.profiles.get(operator_id)
    return state.policy(profile.group_id).long_call_s if profile is not None else None


def live_operator(
    state: AcdState,
    user: User,
    held: Set[str] = frozenset(),
    cases: Mapping[str, CaseInWork] | None = None,
) -> LiveOperator:
    operator_id = str(user.id)
    op = state.operator(operator_id)
    return LiveOperator(
        user_id=user.id,
        login=user.login,
        full_name=user.full_name,
        role=user.role.value,
        group_ids=user.group_ids,
        status=op.status.value,
        since=op.since,
        reason=op.reason,
        note=op.note,
        pending=op.pending.trigger.value if op.pending is not None else None,
        blocked=op.status is OperatorStatus.BLOCKED or op.block_note is not None,
        calls_answered=op.calls_answered,
        calls_missed=op.calls_missed,
        break_limit_s=break_limit(state, operator_id),
        long_call_s=long_call_threshold(state, operator_id),
        call=live_call(state, operator_id, held),
        case=case_in_work(state, operator_id, cases) if cases else None,
    )
