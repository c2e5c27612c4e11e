"""The senior's console: the operators board and forced logout (queue and block actions are under
the contact centre's routes)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import supervision as s
from c122.api.security import Context, CurrentActor
from c122.services.supervision.service import BoardOperator

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
        call=None
        if call is None
        else s.LiveCallOut(
            call_id=call.call_id,
            caller=call.caller,
            queue_id=call.queue_id,
            direction=call.direction,
            since=at(call.since),
        ),
        audio=s.AudioConnectionOut(mode=row.audio_mode, registered=row.audio_registered),
    )


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
