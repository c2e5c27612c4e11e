"""An outside chat bot hands a conversation to operators (docs/channels/bot.md): with the key set in
`bot_handover_api_key` (header `X-Api-Key`), the transcript, the applicant's data and the topic. And the
citizen app's chat with the app channel's bot (`/api/citizen/v1/bot`, the device's token)."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request

from c122.api.errors import ERROR_RESPONSES
from c122.api.routes.citizen import PREFIX, TAG, count_address, device_of
from c122.api.schemas import channels as s
from c122.api.security import Context
from c122.domain.citizen import Channel
from c122.domain.errors import Forbidden
from c122.services.bot.ports import Applicant, HandOver
from c122.services.bot.service import transcript_of

_log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/bot", tags=["bot"], responses=ERROR_RESPONSES)


@router.post("/handover", response_model=s.HandedOverOut, status_code=201, operation_id="bot_handover")
async def hand_over(
    body: s.HandOverIn,
    request: Request,
    context: Context,
    api_key: Annotated[str | None, Header(alias="X-Api-Key")] = None,
) -> s.HandedOverOut:
    """A case card in the queue (the given one, else the channel's) with the transcript as its
    conversation. 403 without the right key (logged); 422 for an unknown topic or queue."""
    expected = context.settings.bot_handover_api_key
    if not expected or api_key is None or not hmac.compare_digest(api_key.encode(), expected.encode()):
        _log.warning(
            "bot hand-over refused from %s: %s key", request.client, "no" if api_key is None else "a wrong"
        )
        raise Forbidden("wrong API key", code="bad_api_key")
    handed = await context.bot.hand_over_from_outside(
        HandOver(
            channel=Channel(body.channel),
            address=body.address,
            applicant=Applicant(name=body.name, phone=body.phone),
            transcript=transcript_of([(line.speaker, line.text, line.at) for line in body.transcript]),
            case_type_id=body.topic_id,
            queue_id=body.queue_id,
            topic=body.topic,
        )
    )
    return s.HandedOverOut(case_id=handed.case_id, case_number=handed.case_number)


citizen_router = APIRouter(
    prefix=PREFIX + "/bot", tags=[TAG], responses=ERROR_RESPONSES, dependencies=[Depends(count_address)]
)


@citizen_router.get("", response_model=s.AppBotOut, operation_id="citizen_bot")
async def app_bot(request: Request, context: Context) -> s.AppBotOut:
    """Whether the app's chat has a bot (the app channel's flow), and the device's open conversation."""
    state = await context.app_bot.state(await device_of(request))
    return s.AppBotOut(
        enabled=state.enabled,
        transcript=[
            s.BotLineOut(speaker=line.speaker.value, text=line.text, at=line.at) for line in state.transcript
        ],
        choices=list(state.choices),
    )


@citizen_router.post("", response_model=s.AppBotReplyOut, operation_id="citizen_bot_say")
async def app_bot_say(body: s.AppBotIn, request: Request, context: Context) -> s.AppBotReplyOut:
    """The citizen's answer to the bot; an empty text opens the conversation. Once the flow hands it
    over, `case_id` is the new request (its chat continues with the operator). 409 `no_bot` when the app
    channel has no flow."""
    reply = await context.app_bot.say(await device_of(request), body.text)
    handed = reply.handed_over
    return s.AppBotReplyOut(
        texts=list(reply.texts),
        choices=list(reply.choices),
        case_id=handed.case_id if handed else None,
        case_number=handed.case_number if handed else None,
    )
