"""The message board (SUP-05): notices seniors pin for their groups."""

from __future__ import annotations

from fastapi import APIRouter

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas.board import NoticeIn, NoticeOut
from c122.api.security import Context, CurrentActor
from c122.services.board.ports import NoticeDraft

router = APIRouter(prefix="/api/v1/board", tags=["board"], responses=ERROR_RESPONSES)


def _draft(body: NoticeIn) -> NoticeDraft:
    return NoticeDraft(body.text, frozenset(body.group_ids), body.expires_at)


@router.get("", response_model=list[NoticeOut], operation_id="list_board_notices")
async def list_board_notices(actor: CurrentActor, context: Context) -> list[NoticeOut]:
    return [NoticeOut.of(n) for n in await context.board.notices(actor)]


@router.post("", response_model=NoticeOut, status_code=201, operation_id="pin_board_notice")
async def pin_board_notice(body: NoticeIn, actor: CurrentActor, context: Context) -> NoticeOut:
    return NoticeOut.of(await context.board.pin(actor, _draft(body)))


@router.put("/{notice_id}", response_model=NoticeOut, operation_id="edit_board_notice")
async def edit_board_notice(
    notice_id: Id, body: NoticeIn, actor: CurrentActor, context: Context
) -> NoticeOut:
    return NoticeOut.of(await context.board.edit(actor, notice_id, _draft(body)))


@router.delete("/{notice_id}", status_code=204, operation_id="unpin_board_notice")
async def unpin_board_notice(notice_id: Id, actor: CurrentActor, context: Context) -> None:
    await context.board.unpin(actor, notice_id)
