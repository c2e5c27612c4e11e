"""The softphone's conference of up to five (TEL-21, seed 4.3.8): start it from the call in progress or
with no call, invite, mute, remove, leave or end it (docs/contact-center/call-flow.md, "Conferences")."""

from __future__ import annotations

from fastapi import APIRouter, Path, Response

from c122.api.errors import ERROR_RESPONSES
from c122.api.routes.call_flow import _calls
from c122.api.schemas.conference import (
    ConferenceInvitedOut,
    ConferenceInviteIn,
    ConferenceOut,
    ConferencePartyIn,
    ConferenceStartedOut,
)
from c122.api.security import Context, CurrentActor

router = APIRouter(prefix="/api/v1/operators/me/conference", tags=["conference"], responses=ERROR_RESPONSES)
PartyId = Path(max_length=32)


@router.get("", response_model=ConferenceOut | None, operation_id="get_my_conference")
async def get_my_conference(actor: CurrentActor, context: Context) -> ConferenceOut | None:
    """The conference the user takes part in now (null: none), as `conference.changed` gives it."""
    if context.call_flow is None:
        return None
    found = context.call_flow.conference_of(actor.user_id)
    return ConferenceOut.model_validate(found) if found is not None else None


@router.post("", status_code=201, response_model=ConferenceStartedOut, operation_id="start_conference")
async def start_conference(
    actor: CurrentActor, context: Context, body: ConferenceInviteIn | None = None
) -> ConferenceStartedOut:
    """The call in progress becomes a conference of the caller and the operator (its organiser); with no
    call, a conference of the operator and the first invitee in the body (a colleague, a group or a
    number, refused as by `POST /parties`). 409 `no_call` (no call, nobody invited), `consulting`,
    `on_hold`, `in_conference`, and for a conference without a call the operator's state (ready or
    wrap-up needed)."""
    calls = _calls(context)
    if body is None:
        return ConferenceStartedOut(call_id=await calls.conference_start(actor.user_id))
    call_id = await calls.conference_start(
        actor.user_id, colleague=body.user_id, number=body.number, group_id=body.group_id
    )
    return ConferenceStartedOut(call_id=call_id)


@router.post(
    "/parties", status_code=201, response_model=ConferenceInvitedOut, operation_id="invite_to_conference"
)
async def invite_to_conference(
    body: ConferenceInviteIn, actor: CurrentActor, context: Context
) -> ConferenceInvitedOut:
    """Calls a colleague (their phone or desk rings), a group's free operator or a number in. 409
    `conference_full` past five parties, `colleague_busy` for a colleague on a call,
    `already_in_conference`, `no_free_operator`, `no_conference`; 422 for a number no trunk serves."""
    party_id = await _calls(context).conference_invite(
        actor.user_id, colleague=body.user_id, number=body.number, group_id=body.group_id
    )
    return ConferenceInvitedOut(party_id=party_id)


@router.patch("/parties/{party_id}", status_code=204, operation_id="mute_conference_party")
async def mute_conference_party(
    body: ConferencePartyIn, actor: CurrentActor, context: Context, party_id: str = PartyId
) -> Response:
    """Mutes (nobody hears them; they hear all) or unmutes a party: the organiser any, another operator
    in the conference their own microphone. 404 `unknown_party`, 409 `not_organiser` for another's."""
    _calls(context).conference_mute(actor.user_id, party_id, body.muted)
    return Response(status_code=204)


@router.delete("/parties/{party_id}", status_code=204, operation_id="remove_conference_party")
async def remove_conference_party(actor: CurrentActor, context: Context, party_id: str = PartyId) -> Response:
    """The party leaves (a phone or number is hung up). 409 `organiser` for the organiser."""
    _calls(context).conference_remove(actor.user_id, party_id)
    return Response(status_code=204)


@router.post("/leave", status_code=204, operation_id="leave_conference")
async def leave_conference(actor: CurrentActor, context: Context) -> Response:
    """The organiser leaves; the operator there longest becomes the organiser (none: it ends)."""
    _calls(context).conference_leave(actor.user_id)
    return Response(status_code=204)


@router.post("/end", status_code=204, operation_id="end_conference")
async def end_conference(actor: CurrentActor, context: Context) -> Response:
    """Ends the conference for everyone: the caller, phones and numbers are hung up."""
    _calls(context).conference_end(actor.user_id)
    return Response(status_code=204)
