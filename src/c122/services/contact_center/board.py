"""The senior's operators board as the call distribution sees it: one live row per operator."""

from __future__ import annotations

from c122.domain.acd import AcdState, OperatorStatus
from c122.domain.users import User
from c122.services.contact_center.views import break_limit, optional_int
from c122.services.supervision.ports import LiveCall, LiveOperator

_ON_A_CALL = (OperatorStatus.OFFERED, OperatorStatus.ON_CALL)


def live_call(state: AcdState, operator_id: str) -> LiveCall | None:
    op = state.operator(operator_id)
    if op.status not in _ON_A_CALL or op.call_id is None:
        return None
    connected = state.connected.get(op.call_id)
    if connected is not None:
        return LiveCall(
            op.call_id, connected.caller, int(connected.queue_id), "inbound", connected.connected_at
        )
    waiting = state.waiting.get(op.call_id)
    if waiting is not None:  # ringing on the desktop
        return LiveCall(op.call_id, waiting.caller, int(waiting.queue_id), "inbound", op.since)
    return LiveCall(op.call_id, None, optional_int(op.queue_id), "outbound", op.since)


def live_operator(state: AcdState, user: User) -> LiveOperator:
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
        call=live_call(state, operator_id),
    )
