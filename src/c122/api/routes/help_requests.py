"""«Помощь старшего»: the operator raises and cancels a request for help on their call; a senior of
their groups takes it (docs/contact-center/supervision.md)."""

from __future__ import annotations

from fastapi import APIRouter

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import help_requests as h
from c122.api.security import Context, CurrentActor

router = APIRouter(prefix="/api/v1/help-requests", tags=["supervision"], responses=ERROR_RESPONSES)


@router.post("", response_model=h.RaisedHelpOut, status_code=201, operation_id="raise_hand")
async def raise_hand(actor: CurrentActor, context: Context) -> h.RaisedHelpOut:
    """The signed-in operator asks the seniors on shift of their groups for help on the call they are
    talking on. 409 `not_on_call` without a call; 409 `already_raised` when a request of theirs on this
    call is still open or taken."""
    raised = await context.help_requests.raise_hand(actor)
    return h.RaisedHelpOut(
        request=h.help_request_out(raised.request), seniors_notified=raised.seniors_notified
    )


@router.get("", response_model=h.HelpRequestsOut, operation_id="list_help_requests")
async def active_help_requests(actor: CurrentActor, context: Context) -> h.HelpRequestsOut:
    """Open and taken requests: an operator's own, a senior's groups', every one for an administrator
    (what a desktop shows after connecting; `help_request.changed` keeps it live)."""
    requests = await context.help_requests.active(actor)
    return h.HelpRequestsOut(
        items=[h.help_request_out(r) for r in requests], as_of=context.help_requests.now()
    )


@router.post("/{request_id}/take", response_model=h.HelpRequestOut, operation_id="take_help_request")
async def take_help_request(
    request_id: Id, actor: CurrentActor, context: Context, body: h.TakeHelpIn | None = None
) -> h.HelpRequestOut:
    """The first senior to take it answers it for everyone. 409 `already_taken` names who took it; 409
    `help_closed` when cancelled or the call ended; 403 `out_of_scope` for a senior of another group."""
    mode = body.mode if body is not None else "listen"
    return h.help_request_out(await context.help_requests.take(actor, request_id, mode))


@router.post("/{request_id}/cancel", response_model=h.HelpRequestOut, operation_id="cancel_help_request")
async def cancel_help_request(request_id: Id, actor: CurrentActor, context: Context) -> h.HelpRequestOut:
    """The operator withdraws their own request while nobody has taken it. 403 `not_yours` for anyone
    else's; 409 `already_taken` once a senior has it."""
    return h.help_request_out(await context.help_requests.cancel(actor, request_id))
