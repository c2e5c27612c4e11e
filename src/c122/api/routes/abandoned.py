"""The abandoned-calls list (TEL-06) and calling an applicant back from it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path

from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import abandoned as s
from c122.api.security import Context, CurrentActor
from c122.services.abandoned.service import AbandonedCall

router = APIRouter(prefix="/api/v1/abandoned-calls", tags=["abandoned calls"], responses=ERROR_RESPONSES)

EntryId = Annotated[str, Path(pattern=r"^[A-Za-z0-9._:@\-]{1,64}$")]


def _out(row: AbandonedCall) -> s.AbandonedCallOut:
    entry = row.entry
    return s.AbandonedCallOut(
        id=entry.entry_id,
        caller=entry.caller,
        queue_id=entry.queue_id,
        queue_name=entry.queue_name,
        group_id=entry.group_id,
        line_number=row.line_number,
        line_name=row.line_name,
        topic=row.topic,
        abandoned_at=datetime.fromtimestamp(entry.abandoned_at, UTC),
        waited_s=round(entry.waited_s, 1),
        over_normative_wait=entry.sla_breached,
        callback="taken" if entry.claimed_by is not None else "ringing" if entry.offered else "open",
        taken_by=entry.claimed_by,
        taken_by_name=entry.claimed_by_name,
    )


@router.get("", response_model=list[s.AbandonedCallOut], operation_id="list_abandoned_calls")
async def list_abandoned_calls(actor: CurrentActor, context: Context) -> list[s.AbandonedCallOut]:
    """Callers of the reader's groups who hung up while waiting, oldest first; the read is audited.
    An entry leaves the list when the applicant is called back, or calls again and is answered."""
    return [_out(row) for row in await context.abandoned.list(actor)]


@router.post("/{entry_id}/take", response_model=s.TakenOut, operation_id="take_abandoned_call")
async def take_abandoned_call(entry_id: EntryId, actor: CurrentActor, context: Context) -> s.TakenOut:
    """Call the applicant back: the entry becomes the operator's (nobody else is offered it). 403 for
    another group's entry, 404 for one that is gone, 409 `callback_taken` naming who took it."""
    return s.TakenOut(state=await context.abandoned.take(actor, entry_id))
