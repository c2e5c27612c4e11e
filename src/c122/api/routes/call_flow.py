"""The operator's call from the desktop (hang up, hold) and how the operator takes calls (browser or
SIP phone, OPS-05)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Path, Response

from c122.api.context import ApiContext
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas.phones import (
    CallTargetIn,
    CallTargetsOut,
    ConsultCompleteIn,
    PhoneIn,
    PhoneOut,
    PlaceCallIn,
    PlacedCallOut,
    TargetGroupOut,
    TargetServiceOut,
    TransferIn,
)
from c122.api.security import Context, CurrentActor
from c122.services.call_flow import CallFlowService, NoCall

router = APIRouter(prefix="/api/v1/operators/me", tags=["operator calls"], responses=ERROR_RESPONSES)


def _calls(context: ApiContext) -> CallFlowService:
    if context.call_flow is None:
        raise NoCall("telephony does not run in this process, so there is no call")
    return context.call_flow


@router.post("/call/hang-up", status_code=204, operation_id="hang_up_my_call")
async def hang_up_my_call(actor: CurrentActor, context: Context) -> Response:
    """Ends the operator's conversation; the operator goes to wrap-up (409 `no_call` without a call)."""
    _calls(context).hang_up(actor.user_id)
    return Response(status_code=204)


@router.post("/call/hold", status_code=204, operation_id="hold_my_call")
async def hold_my_call(actor: CurrentActor, context: Context) -> Response:
    """The caller hears music on hold and stops hearing the operator."""
    _calls(context).hold(actor.user_id, True)
    return Response(status_code=204)


@router.post("/call/unhold", status_code=204, operation_id="unhold_my_call")
async def unhold_my_call(actor: CurrentActor, context: Context) -> Response:
    _calls(context).hold(actor.user_id, False)
    return Response(status_code=204)


@router.post("/call/transfer", status_code=204, operation_id="transfer_my_call")
async def transfer_my_call(body: TransferIn, actor: CurrentActor, context: Context) -> Response:
    """Blind transfer (TEL-12, TEL-18, OPS-20): the caller joins another queue or a group's queue, hears
    a service's entry menu again, is put straight through to a colleague (who gets the call's case card,
    `case.handed_over`), or to a public number over the trunk of its prefix; the operator goes to
    wrap-up. 404 `unknown_group`/`unknown_service`; 422 `no_queue` (a group without a queue), `no_entry`
    (a service without a line with a menu); 409 `not_a_line_call` for a service target on a call that
    did not come in on a line, `colleague_unavailable` (with the reason) for a colleague on a break, away
    or off shift, `colleague_busy` for one on a call: the call stays. On a call another node carries
    (reached through the media hop between nodes) only a queue or a group is taken: the others get
    409 `call_on_another_node`, and the call stays."""
    await _calls(context).transfer(
        actor.user_id,
        queue_id=body.queue_id,
        number=body.number,
        group_id=body.group_id,
        service_id=body.service_id,
        colleague=body.user_id,
    )
    return Response(status_code=204)


@router.post("/transfers/{call_id}/answer", status_code=204, operation_id="answer_put_through_call")
async def answer_put_through_call(
    actor: CurrentActor, context: Context, call_id: str = Path(max_length=128)
) -> Response:
    """The colleague whose desk rings with a call put through to them (a transfer or a consultation,
    `call.offered` with `from_user_id`) answers it: `call.connected` follows, and after a transfer the
    call is theirs (hold, hang-up, transfer). 409 `no_call` when the desk does not ring with that call."""
    _calls(context).answer_put_through(actor.user_id, call_id, answered=True)
    return Response(status_code=204)


@router.post("/transfers/{call_id}/decline", status_code=204, operation_id="decline_put_through_call")
async def decline_put_through_call(
    actor: CurrentActor, context: Context, call_id: str = Path(max_length=128)
) -> Response:
    """The colleague declines a call put through to them: the caller goes back to the operator who
    tried (`call.consultation_changed` «failed» on their desk). 409 `no_call` as for answering."""
    _calls(context).answer_put_through(actor.user_id, call_id, answered=False)
    return Response(status_code=204)


@router.post("/calls", status_code=201, response_model=PlacedCallOut, operation_id="place_call")
async def place_call(body: PlaceCallIn, actor: CurrentActor, context: Context) -> PlacedCallOut:
    """The operator calls a public number (over the trunk of its prefix, with the region's caller ID) or
    a colleague (TEL-03, OPS-21). A SIP-phone operator's own phone rings first. 409
    `illegal_transition` unless the operator is ready or in wrap-up, `colleague_busy` if the colleague
    is on a call or being offered one (a ready colleague gets no offers until the call ends); a group or
    a service reaches its longest-idle free operator (409 `no_free_operator` when nobody is free);
    `call.connected` follows when the far end answers, `call.ended` when it does not. With `case_id`
    (placed from a card) the call joins that card; 404 for a card the operator does not see."""
    cards = context.cases.calls
    if body.case_id is not None:
        await cards.check_linkable(actor, body.case_id)
    call_id = await _calls(context).dial(
        actor.user_id,
        colleague=body.user_id,
        number=body.number,
        group_id=body.group_id,
        service_id=body.service_id,
    )
    if body.case_id is not None:
        await cards.link_placed_call(actor, body.case_id, call_id)
    return PlacedCallOut(call_id=call_id)


@router.get("/call-targets", response_model=CallTargetsOut, operation_id="list_call_targets")
async def list_call_targets(actor: CurrentActor, context: Context) -> CallTargetsOut:
    """Every service and group, for the call, consultation and transfer dialogs (TEL-17, TEL-18)."""
    services, groups = await context.directory.call_targets()
    return CallTargetsOut(
        services=[TargetServiceOut(id=s.id, name=s.name) for s in services],
        groups=[TargetGroupOut(id=g.id, name=g.name, service_id=g.service_id) for g in groups],
    )


@router.post("/call/consult", status_code=204, operation_id="consult")
async def consult(body: CallTargetIn, actor: CurrentActor, context: Context) -> Response:
    """Consultation (TEL-17): the caller hears music while the operator calls a colleague or a number;
    `call.consultation_changed` follows (ringing, talking, failed, ended...). 409 `colleague_busy` if
    the colleague is on a call or being offered one; a ready colleague gets no offers meanwhile."""
    await _calls(context).consult(
        actor.user_id,
        colleague=body.user_id,
        number=body.number,
        group_id=body.group_id,
        service_id=body.service_id,
    )
    return Response(status_code=204)


@router.post("/call/consult/swap", status_code=204, operation_id="consult_swap")
async def consult_swap(actor: CurrentActor, context: Context) -> Response:
    """Talk to the other party; the one left waits with music (any number of times)."""
    _calls(context).consult_swap(actor.user_id)
    return Response(status_code=204)


@router.post("/call/consult/complete", status_code=204, operation_id="consult_complete")
async def consult_complete(body: ConsultCompleteIn, actor: CurrentActor, context: Context) -> Response:
    """`transfer`: the caller talks to the consultant and the operator leaves; `conference`: all three."""
    _calls(context).consult_complete(actor.user_id, conference=body.mode == "conference")
    return Response(status_code=204)


@router.post("/call/consult/cancel", status_code=204, operation_id="consult_cancel")
async def consult_cancel(actor: CurrentActor, context: Context) -> Response:
    _calls(context).consult_cancel(actor.user_id)
    return Response(status_code=204)


@router.get("/phone", response_model=PhoneOut, operation_id="get_my_phone")
async def get_my_phone(actor: CurrentActor, context: Context) -> PhoneOut:
    return PhoneOut.model_validate(asdict(await context.phones.settings(actor)))


@router.put("/phone", response_model=PhoneOut, operation_id="set_my_phone")
async def set_my_phone(body: PhoneIn, actor: CurrentActor, context: Context) -> PhoneOut:
    """Browser or SIP phone; the SIP password is stored only as digest H(A1)."""
    settings = await context.phones.update(actor, body.mode, body.sip_password)
    return PhoneOut.model_validate(asdict(settings))
