"""The citizen API (`/api/citizen/v1`, its own section of the OpenAPI document): what a region's app
calls — register a device with a one-time code, create requests with location and media, read their
status history, chat with the operator (docs/channels/citizen-api.md). And the conversation of a case
as the operator's card shows it (`/api/v1/cases/{id}/chat`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, StreamingResponse

from c122.api.bounded import Count, Id
from c122.api.client_address import request_source
from c122.api.context import context_of
from c122.api.errors import ERROR_RESPONSES, ErrorBody
from c122.api.schemas import citizen as c
from c122.api.security import Context, CurrentActor
from c122.domain.citizen import Channel, Device, Location, Media, Message

PREFIX = "/api/citizen/v1"
MEDIA_UPLOAD_PATH = PREFIX + "/cases/{case_id}/media"
UPLOAD_OVERHEAD_BYTES = 64 * 1024
STREAM_HEARTBEAT_S = 15.0
TAG = "citizen"
TAG_DOC = {
    "name": TAG,
    "description": "The citizen API, version 1: for a region's mobile app. A device authenticates with "
    "`Authorization: Bearer <device token>`, obtained by confirming a phone number with a one-time code. "
    "See docs/channels/citizen-api.md.",
}


async def count_address(request: Request) -> None:
    """Every citizen request counts against its address's limit (429 with Retry-After)."""
    context = context_of(request)
    context.citizen.count_request(request_source(request, context.settings.trusted_proxies))


async def device_of(request: Request) -> Device:
    authorization = request.headers.get("authorization", "")
    token = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
    return await context_of(request).citizen.authenticate(token)


# The device is authenticated inside each handler, after the request's own fields are validated: a
# malformed request is 422 whoever sends it (tests/integration/api/test_request_bounds.py).

router = APIRouter(
    prefix=PREFIX,
    tags=[TAG],
    responses={**ERROR_RESPONSES, 415: {"model": ErrorBody}},
    dependencies=[Depends(count_address)],
)


# A file sent as the raw request body (its type is read from the bytes, not from Content-Type).
RAW_FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/devices", response_model=c.DeviceRegisteredOut, status_code=201, operation_id="citizen_register"
)
async def register(body: c.DeviceRegisterIn, request: Request, context: Context) -> c.DeviceRegisteredOut:
    """A new device for a phone number; a one-time code is sent to it. 422 `invalid_phone`; 429 when
    this address or this number registered too often."""
    address = request_source(request, context.settings.trusted_proxies)
    registered = await context.citizen.register(address, body.phone, body.platform)
    return _registered(registered.device, registered.resend_after_s)


def _registered(device: Device, resend_after_s: int) -> c.DeviceRegisteredOut:
    assert device.code_expires_at is not None
    return c.DeviceRegisteredOut(
        device_id=device.id,
        phone=device.phone,
        code_expires_at=device.code_expires_at,
        resend_after_s=resend_after_s,
    )


@router.post(
    "/devices/{device_id}/code",
    response_model=c.DeviceRegisteredOut,
    status_code=202,
    operation_id="citizen_resend_code",
)
async def resend_code(device_id: Id, context: Context) -> c.DeviceRegisteredOut:
    """A new code (the old one stops working). 429 sooner than `resend_after_s` or while locked; 409
    `already_confirmed`."""
    registered = await context.citizen.resend(device_id)
    return _registered(registered.device, registered.resend_after_s)


@router.post(
    "/devices/{device_id}/confirm", response_model=c.DeviceConfirmedOut, operation_id="citizen_confirm"
)
async def confirm(device_id: Id, body: c.DeviceConfirmIn, context: Context) -> c.DeviceConfirmedOut:
    """The code answered: the device token. A wrong code: 422 `wrong_code` naming the attempts left; the
    last one locks the device (429 with Retry-After); an expired code: 422 `code_expired`."""
    device, token = await context.citizen.confirm(device_id, body.code)
    return c.DeviceConfirmedOut(device_id=device.id, token=token)


@router.delete("/devices/current", status_code=204, operation_id="citizen_sign_out")
async def sign_out(request: Request, context: Context) -> None:
    """The app signs out: its token is refused from now on (401); the phone registers again to return."""
    await context.citizen.sign_out(await device_of(request))


@router.get("/case-types", response_model=list[c.CitizenCaseTypeOut], operation_id="citizen_case_types")
async def case_types(request: Request, context: Context) -> list[c.CitizenCaseTypeOut]:
    """The topics a request may have (its `type_id`)."""
    await device_of(request)
    return [
        c.CitizenCaseTypeOut(id=t.id, name=t.name, icon=t.icon.value)
        for t in await context.citizen.case_types()
    ]


@router.post("/cases", response_model=c.CitizenCaseOut, status_code=201, operation_id="citizen_create_case")
async def create_case(body: c.CitizenCaseIn, request: Request, context: Context) -> c.CitizenCaseOut:
    """A request: a case card of source "mobile app" for the device's phone number. Coordinates out of
    range: 422; 429 when the device writes too often."""
    device = await device_of(request)
    location = None
    if body.location is not None:
        location = Location(
            body.location.latitude,
            body.location.longitude,
            body.location.accuracy_m,
            body.location.measured_at,
        )
    view = await context.citizen.create_case(
        device, type_id=body.type_id, description=body.description, location=location
    )
    return c.citizen_case_out(view)


@router.get("/cases", response_model=list[c.CitizenCaseOut], operation_id="citizen_list_cases")
async def list_cases(request: Request, context: Context) -> list[c.CitizenCaseOut]:
    """The device's own requests, newest first (the last 100)."""
    device = await device_of(request)
    return [c.citizen_case_out(view) for view in await context.citizen.cases(device)]


@router.get("/cases/{case_id}", response_model=c.CitizenCaseOut, operation_id="citizen_get_case")
async def get_case(case_id: Id, request: Request, context: Context) -> c.CitizenCaseOut:
    """One request with its status history and media. Another device's request: 404, like none."""
    device = await device_of(request)
    return c.citizen_case_out(await context.citizen.case(device, case_id))


@router.post(
    "/cases/{case_id}/media",
    response_model=c.CitizenMediaOut,
    status_code=201,
    operation_id="citizen_add_media",
    openapi_extra=RAW_FILE_BODY,
)
async def add_media(case_id: Id, request: Request, context: Context) -> c.CitizenMediaOut:
    """A photo (JPEG, PNG, WebP), short video (MP4, QuickTime, WebM) or voice note (Ogg, WebM, M4A) as the
    raw body. The type is read from the bytes and the tracks inside, whatever `Content-Type` claims:
    anything else, or bytes that do not open as the container they start as, is 415 with the reason;
    over the kind's size limit 413; a video or voice note longer than its limit 422 `too_long`. A photo
    is kept without its EXIF, a video without its container's tags; where either was taken is returned
    as data."""
    device = await device_of(request)
    content = await request.body()
    return c.media_out(await context.citizen.add_media(device, case_id, content))


def _file(media: Media, path: object) -> FileResponse:
    return FileResponse(
        str(path), media_type=media.content_type, headers={"Cache-Control": "private, no-store"}
    )


KEPT_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/jpeg": {}, "video/mp4": {}, "video/webm": {}, "audio/ogg": {}},
        "description": "the file as kept",
    }
}
POSTER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/jpeg": {}}, "description": "the video's first picture"}
}


def _poster(path: object) -> FileResponse:
    return FileResponse(str(path), media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.get(
    "/cases/{case_id}/media/{media_id}",
    response_class=FileResponse,
    responses=KEPT_FILE,
    operation_id="citizen_get_media",
)
async def get_media(case_id: Id, media_id: Id, request: Request, context: Context) -> FileResponse:
    """The file as kept (a photo without its EXIF, a video without its tags)."""
    device = await device_of(request)
    media, path = await context.citizen.media_file(device, case_id, media_id)
    return _file(media, path)


@router.get(
    "/cases/{case_id}/media/{media_id}/poster",
    response_class=FileResponse,
    responses=POSTER,
    operation_id="citizen_get_media_poster",
)
async def get_media_poster(case_id: Id, media_id: Id, request: Request, context: Context) -> FileResponse:
    """A video's first picture (JPEG) to show before it plays; 404 `no_poster` for anything else."""
    device = await device_of(request)
    _media, path = await context.citizen.media_file(device, case_id, media_id, poster=True)
    return _poster(path)


@router.get(
    "/cases/{case_id}/messages", response_model=list[c.ChatMessageOut], operation_id="citizen_messages"
)
async def messages(
    case_id: Id,
    request: Request,
    context: Context,
    after: Annotated[Count, Query(description="Only messages with a larger id.")] = 0,
    wait: Annotated[float, Query(ge=0, le=30, description="Seconds to wait for one (long poll).")] = 0,
) -> list[c.ChatMessageOut]:
    """The conversation of the request, oldest first. With `wait`, answers as soon as a message after
    `after` exists, or with an empty list when the wait is over."""
    device = await device_of(request)
    return [c.message_out(m) for m in await context.citizen.messages(device, case_id, after, wait)]


@router.get(
    "/cases/{case_id}/messages/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "server-sent events"}},
    operation_id="citizen_message_stream",
)
async def message_stream(
    case_id: Id,
    request: Request,
    context: Context,
    after: Annotated[Count, Query(description="Only messages with a larger id.")] = 0,
) -> StreamingResponse:
    """The conversation as server-sent events, for a chat screen kept open: each message (event
    `message`, its id as the event id, the JSON of `citizen_messages`) as soon as it is stored, and a
    comment line every 15 s of quiet. One connection instead of a poll after each answer; ends when the
    token is revoked. Another device's request: 404 before the stream opens."""
    device = await device_of(request)
    batches = context.citizen.follow(device, case_id, after, STREAM_HEARTBEAT_S)
    first = await anext(batches)  # refusals (404) are answered before the stream opens

    async def events() -> AsyncIterator[str]:
        batch = first
        while True:
            yield "".join(_event(m) for m in batch) if batch else ": keep-alive\n\n"
            try:
                batch = await anext(batches)
            except StopAsyncIteration:
                return

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _event(message: Message) -> str:
    return f"id: {message.id}\nevent: message\ndata: {c.message_out(message).model_dump_json()}\n\n"


@router.post(
    "/cases/{case_id}/messages",
    response_model=c.ChatMessageOut,
    status_code=201,
    operation_id="citizen_send_message",
)
async def send_message(
    case_id: Id, body: c.ChatMessageIn, request: Request, context: Context
) -> c.ChatMessageOut:
    """A message to the operator. 409 `case_closed` when the request is completed, rejected or closed:
    the app offers a new request instead."""
    device = await device_of(request)
    return c.message_out(await context.citizen.send_message(device, case_id, body.text))


operator_router = APIRouter(prefix="/api/v1/cases/{case_id}", tags=["cases"], responses=ERROR_RESPONSES)


@operator_router.get("/chat", response_model=c.CaseChatOut, operation_id="get_case_chat")
async def case_chat(case_id: Id, actor: CurrentActor, context: Context) -> c.CaseChatOut:
    """The conversation with the applicant (the app), with the media they sent. 404 for a card the
    reader does not see (audited)."""
    return c.conversation_out(await context.case_chat.conversation(actor, case_id))


@operator_router.post(
    "/chat", response_model=c.ChatMessageOut, status_code=201, operation_id="send_case_chat"
)
async def send_case_chat(
    case_id: Id, body: c.OperatorChatIn, actor: CurrentActor, context: Context
) -> c.ChatMessageOut:
    """The operator's answer by the app, SMS or a messenger (`channel`; null: the first of the
    conversation's `reply_channels`). 409 `not_reachable` when the applicant cannot be reached by it."""
    channel = Channel(body.channel) if body.channel is not None else None
    return c.message_out(await context.case_chat.send(actor, case_id, body.text, channel))


@operator_router.post(
    "/chat/photo",
    response_model=c.ChatMessageOut,
    status_code=201,
    operation_id="send_case_chat_photo",
    openapi_extra=RAW_FILE_BODY,
)
async def send_case_chat_photo(
    case_id: Id,
    request: Request,
    actor: CurrentActor,
    context: Context,
    channel: Annotated[c.ChannelName | None, Query(description="null: the first reply channel")] = None,
) -> c.ChatMessageOut:
    """The operator's photo (JPEG, PNG, WebP as the raw body) by the app or a messenger: 415 when the
    bytes are no photo, 413 over the photo limit, 409 `no_media_by_sms` by SMS, `not_reachable` or
    `messenger_unavailable` as for a text answer."""
    content = await request.body()
    chosen = Channel(channel) if channel is not None else None
    return c.message_out(await context.case_chat.send_photo(actor, case_id, content, chosen))


@operator_router.get(
    "/media/{media_id}",
    response_class=FileResponse,
    responses=KEPT_FILE,
    operation_id="get_case_media",
)
async def case_media(case_id: Id, media_id: Id, actor: CurrentActor, context: Context) -> FileResponse:
    """A photo, video or voice note of the case; every view is audited."""
    media, path = await context.case_chat.media_file(actor, case_id, media_id)
    return _file(media, path)


@operator_router.get(
    "/media/{media_id}/poster",
    response_class=FileResponse,
    responses=POSTER,
    operation_id="get_case_media_poster",
)
async def case_media_poster(case_id: Id, media_id: Id, actor: CurrentActor, context: Context) -> FileResponse:
    """A video's first picture (JPEG), shown on the card before it plays; 404 `no_poster` for anything
    else."""
    _media, path = await context.case_chat.media_file(actor, case_id, media_id, poster=True)
    return _poster(path)


OPERATOR_PHOTO_PATH = "/api/v1/cases/{case_id}/chat/photo"
SNAPSHOT_PATH = "/api/v1/cases/{case_id}/snapshots"


@operator_router.post(
    "/snapshots",
    response_model=c.CitizenMediaOut,
    status_code=201,
    operation_id="add_case_snapshot",
    openapi_extra=RAW_FILE_BODY,
)
async def add_snapshot(
    case_id: Id, request: Request, actor: CurrentActor, context: Context
) -> c.CitizenMediaOut:
    """A still from the caller's video (JPEG or PNG as the raw body) kept on the card with the app's
    media; 415 for anything else, 404 for a card the operator does not work on; audited."""
    content = await request.body()
    return c.media_out(await context.case_chat.add_snapshot(actor, case_id, content))


def upload_limits(max_bytes: int, photo_max_bytes: int) -> dict[str, int]:
    """Bodies refused as they stream in: the citizen's file over the largest kind's limit, the
    operator's photo or still over the photo limit."""
    return {
        MEDIA_UPLOAD_PATH: max_bytes + UPLOAD_OVERHEAD_BYTES,
        OPERATOR_PHOTO_PATH: photo_max_bytes + UPLOAD_OVERHEAD_BYTES,
        SNAPSHOT_PATH: photo_max_bytes + UPLOAD_OVERHEAD_BYTES,
    }
