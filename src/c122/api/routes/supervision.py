"""Senior operators' actions on operators of their groups."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.security import Context, CurrentActor

router = APIRouter(prefix="/api/v1/operators", tags=["supervision"], responses=ERROR_RESPONSES)


class ForcedLogout(BaseModel):
    sessions_closed: int


@router.post("/{user_id}/force-logout", response_model=ForcedLogout, operation_id="force_logout")
async def force_logout(user_id: Id, actor: CurrentActor, context: Context) -> ForcedLogout:
    return ForcedLogout(sessions_closed=await context.supervision.force_logout(actor, user_id))
