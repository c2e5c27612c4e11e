"""The citizen app's voice call to the hotline (`/api/citizen/v1/calls`): the server offers, the app
answers, the call enters the line's flow; its state is read by polling; the app hangs up with DELETE
(docs/channels/citizen-api.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from c122.api.errors import ERROR_RESPONSES
from c122.api.routes.citizen import PREFIX, TAG, count_address, device_of
from c122.api.schemas import citizen_call as c
from c122.api.security import Context
from c122.domain.citizen import Location

CallId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]

router = APIRouter(
    prefix=PREFIX + "/calls",
    tags=[TAG],
    responses=ERROR_RESPONSES,
    dependencies=[Depends(count_address)],
)


@router.post("", response_model=c.AppCallOfferOut, status_code=201, operation_id="citizen_place_call")
async def place_call(body: c.AppCallIn, request: Request, context: Context) -> c.AppCallOfferOut:
    """A call to the hotline: the server's SDP offer. 429 while this device has a call under way; 503
    where this server takes no app calls."""
    device = await device_of(request)
    location = None
    if body.location is not None:
        location = Location(
            body.location.latitude,
            body.location.longitude,
            body.location.accuracy_m,
            body.location.measured_at,
        )
    return c.offer_out(await context.citizen_calls.place(device, location))


@router.post("/{call_id}/answer", response_model=c.AppCallOut, operation_id="citizen_answer_call")
async def answer_call(
    call_id: CallId, body: c.AppCallAnswerIn, request: Request, context: Context
) -> c.AppCallOut:
    """The app's SDP answer. 400 `bad_sdp` with the reason (the call ends; place a new one); 409
    `already_answered`; another device's call: 404."""
    device = await device_of(request)
    return c.call_out(await context.citizen_calls.answer(device, call_id, body.sdp))


@router.get("/{call_id}", response_model=c.AppCallOut, operation_id="citizen_get_call")
async def get_call(call_id: CallId, request: Request, context: Context) -> c.AppCallOut:
    """The call's state: connecting, connected (in the line's menu, queue or with an operator), ended."""
    device = await device_of(request)
    return c.call_out(await context.citizen_calls.status(device, call_id))


@router.post("/{call_id}/dtmf", response_model=c.AppCallOut, operation_id="citizen_call_dtmf")
async def call_dtmf(
    call_id: CallId, body: c.AppCallDtmfIn, request: Request, context: Context
) -> c.AppCallOut:
    """Keys for the line's voice menu. 409 `not_connected` before the call is connected."""
    device = await device_of(request)
    return c.call_out(await context.citizen_calls.dtmf(device, call_id, body.digits))


@router.delete("/{call_id}", response_model=c.AppCallOut, operation_id="citizen_hang_up_call")
async def hang_up_call(call_id: CallId, request: Request, context: Context) -> c.AppCallOut:
    """The citizen hangs up (the call flow hears the caller left). An ended call answers as it is."""
    device = await device_of(request)
    return c.call_out(await context.citizen_calls.hang_up(device, call_id))
