"""The senior's console: the operators board, forced logout, and listen / whisper / barge (queue and
block actions are under the contact centre's routes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path

from c122.api.bounded import Id
from c122.api.context import ApiContext
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import supervision as s
from c122.api.security import Context, CurrentActor
from c122.domain.errors import Conflict, FieldProblem, InvalidFields
from c122.domain.monitoring import MonitoringSession, MonitorMode
from c122.services.supervision.monitoring import Monitoring
from c122.services.supervision.service import BoardOperator

SessionId = Annotated[str, Path(max_length=40)]

router = APIRouter(prefix="/api/v1", tags=["supervision"], responses=ERROR_RESPONSES)


@router.post(
    "/operators/{user_id}/force-logout", response_model=s.ForcedLogoutOut, operation_id="force_logout"
)
async def force_logout(
    user_id: Id, actor: CurrentActor, context: Context, body: s.ForcedLogoutIn | None = None
) -> s.ForcedLogoutOut:
    reason = body.reason if body is not None else ""
    return s.ForcedLogoutOut(sessions_closed=await context.supervision.force_logout(actor, user_id, reason))


@router.get("/supervision/operators", response_model=s.OperatorsBoardOut, operation_id="get_operators_board")
async def operators_board(actor: CurrentActor, context: Context) -> s.OperatorsBoardOut:
    """The operators of the groups the viewer supervises; `operator.state_changed` keeps it live."""
    board = context.supervision.board(actor)
    return s.OperatorsBoardOut(
        as_of=board.as_of,
        groups=[s.BoardGroupOut(id=g, name=name) for g, name in sorted(board.groups.items())],
        operators=[_row(row) for row in board.operators],
    )


def _row(row: BoardOperator) -> s.BoardOperatorOut:
    live = row.live
    call = live.call
    return s.BoardOperatorOut(
        user_id=live.user_id,
        login=live.login,
        full_name=live.full_name,
        role=live.role,
        group_ids=sorted(live.group_ids),
        status=live.status,
        since=at(live.since),
        reason=live.reason,
        note=live.note,
        pending=live.pending,
        blocked=live.blocked,
        calls_answered=live.calls_answered,
        calls_missed=live.calls_missed,
        break_limit_s=live.break_limit_s,
        long_call_s=live.long_call_s,
        call=None
        if call is None
        else s.LiveCallOut(
            call_id=call.call_id,
            caller=call.caller,
            queue_id=call.queue_id,
            direction=call.direction,
            since=at(call.since),
            held=call.held,
        ),
        case=None
        if live.case is None
        else s.CaseInWorkOut(
            case_id=live.case.case_id,
            name=live.case.name,
            number=live.case.number,
            type_name=live.case.type_name,
        ),
        audio=s.AudioConnectionOut(mode=row.audio_mode, registered=row.audio_registered),
    )


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _monitoring(context: ApiContext) -> Monitoring:
    if context.monitoring is None:
        raise Conflict("this server runs no telephony", code="no_telephony")
    return context.monitoring


def session_out(session: MonitoringSession) -> s.MonitoringSessionOut:
    return s.MonitoringSessionOut(
        id=session.id,
        call_id=session.call_id,
        supervisor_id=session.supervisor_id,
        operator_id=session.operator_id,
        group_id=session.group_id,
        audio=session.audio,
        mode=session.mode.value,
        operator_notified=session.operator_notified,
        started_at=session.started_at,
        ended_at=session.ended_at,
        end_reason=session.end_reason.value if session.end_reason else None,
        modes=[
            s.MonitoringModeOut(mode=span.mode.value, started_at=span.started_at, ended_at=span.ended_at)
            for span in session.modes
        ],
    )


@router.get(
    "/supervision/monitoring", response_model=s.MonitoringSessionsOut, operation_id="list_my_monitoring"
)
async def my_monitoring(actor: CurrentActor, context: Context) -> s.MonitoringSessionsOut:
    """The viewer's own monitoring sessions in progress (the bar on the board after a reload)."""
    sessions = context.monitoring.active(actor) if context.monitoring is not None else []
    return s.MonitoringSessionsOut(items=[session_out(one) for one in sessions])


@router.post(
    "/supervision/monitoring",
    response_model=s.MonitoringSessionOut,
    status_code=201,
    operation_id="start_monitoring",
)
async def start_monitoring(
    body: s.MonitoringStartIn, actor: CurrentActor, context: Context
) -> s.MonitoringSessionOut:
    """Listen to (whisper to, barge into) a call of the senior's groups with their own audio: 403
    `out_of_scope` another group's call, 409 `call_ended`, `operator_not_on_call`,
    `call_not_connected`, `no_audio_connection` (the reason names what to connect)."""
    if (body.call_id is None) == (body.operator_id is None):
        raise InvalidFields(problems=[FieldProblem("call_id", "one_of", "give call_id or operator_id")])
    session = await _monitoring(context).start(
        actor, MonitorMode(body.mode), call_id=body.call_id, operator_id=body.operator_id
    )
    return session_out(session)


@router.post(
    "/supervision/monitoring/{session_id}/mode",
    response_model=s.MonitoringSessionOut,
    operation_id="switch_monitoring",
)
async def switch_monitoring(
    session_id: SessionId, body: s.MonitoringModeIn, actor: CurrentActor, context: Context
) -> s.MonitoringSessionOut:
    """Another mode without re-dialling: 403 `not_your_session`, 409 `monitoring_ended`."""
    return session_out(await _monitoring(context).switch(actor, session_id, MonitorMode(body.mode)))


@router.delete(
    "/supervision/monitoring/{session_id}",
    response_model=s.MonitoringSessionOut,
    operation_id="stop_monitoring",
)
async def stop_monitoring(
    session_id: SessionId, actor: CurrentActor, context: Context
) -> s.MonitoringSessionOut:
    """The senior leaves the call: 403 `not_your_session`, 409 `monitoring_ended`."""
    return session_out(await _monitoring(context).stop(actor, session_id))
