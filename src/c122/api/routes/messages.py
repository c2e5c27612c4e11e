"""Messages between an operator and the seniors of their group, broadcasts, notification settings."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from fastapi import APIRouter

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas.messages import (
    BroadcastIn,
    BroadcastOut,
    ConversationOut,
    CounterpartOut,
    MessageIn,
    MessageOut,
    NotificationSettingsIo,
    ReceivedBroadcastOut,
    RecipientOut,
)
from c122.api.security import Context, CurrentActor
from c122.services.messages.ports import Broadcast, Conversation, DirectMessage, NotificationSettings

router = APIRouter(prefix="/api/v1", tags=["messages"], responses=ERROR_RESPONSES)


def _message(message: DirectMessage) -> MessageOut:
    return MessageOut(**asdict(message))


def _conversation(item: Conversation) -> ConversationOut:
    who = item.counterpart
    return ConversationOut(
        counterpart=CounterpartOut(
            user_id=who.user_id, full_name=who.full_name, role=who.role.value, group_ids=sorted(who.group_ids)
        ),
        unread=item.unread,
        last=_message(item.last) if item.last else None,
    )


def _broadcast(item: Broadcast) -> BroadcastOut:
    return BroadcastOut(
        id=item.id,
        sender_id=item.sender_id,
        sender_name=item.sender_name,
        text=item.text,
        sent_at=item.sent_at,
        # read from the attributes: `asdict` deep-copies each of a thousand recipients first
        recipients=[RecipientOut.model_validate(r, from_attributes=True) for r in item.recipients],
    )


def _received(item: Broadcast) -> ReceivedBroadcastOut:
    mine = item.recipients[0] if item.recipients else None
    return ReceivedBroadcastOut(
        id=item.id,
        sender_id=item.sender_id,
        sender_name=item.sender_name,
        text=item.text,
        sent_at=item.sent_at,
        read_at=mine.read_at if mine else None,
    )


@router.get("/conversations", response_model=list[ConversationOut], operation_id="list_conversations")
async def list_conversations(actor: CurrentActor, context: Context) -> list[ConversationOut]:
    return [_conversation(item) for item in await context.messages.conversations(actor)]


@router.get("/conversations/{user_id}", response_model=list[MessageOut], operation_id="conversation_history")
async def conversation_history(user_id: Id, actor: CurrentActor, context: Context) -> list[MessageOut]:
    return [_message(m) for m in await context.messages.history(actor, user_id)]


@router.post(
    "/conversations/{user_id}", response_model=MessageOut, status_code=201, operation_id="send_message"
)
async def send_message(user_id: Id, body: MessageIn, actor: CurrentActor, context: Context) -> MessageOut:
    return _message(await context.messages.send(actor, user_id, body.text))


@router.post("/messages/{message_id}/read", response_model=MessageOut, operation_id="mark_message_read")
async def mark_message_read(message_id: Id, actor: CurrentActor, context: Context) -> MessageOut:
    return _message(await context.messages.mark_read(actor, message_id))


@router.post("/broadcasts", response_model=BroadcastOut, status_code=201, operation_id="send_broadcast")
async def send_broadcast(body: BroadcastIn, actor: CurrentActor, context: Context) -> BroadcastOut:
    sent = await context.messages.broadcast(
        actor, body.text, group_id=body.group_id, user_ids=frozenset(body.user_ids), everyone=body.everyone
    )
    # The publish woke every recipient's stream: let them write the notice before this answer (a
    # row per recipient) is built and serialised, or a thousand operators wait for the sender's list.
    await asyncio.sleep(0)
    return _broadcast(sent)


@router.get("/broadcasts/sent", response_model=list[BroadcastOut], operation_id="list_sent_broadcasts")
async def list_sent_broadcasts(actor: CurrentActor, context: Context) -> list[BroadcastOut]:
    return [_broadcast(b) for b in await context.messages.sent_broadcasts(actor)]


@router.get(
    "/broadcasts/received", response_model=list[ReceivedBroadcastOut], operation_id="list_received_broadcasts"
)
async def list_received_broadcasts(actor: CurrentActor, context: Context) -> list[ReceivedBroadcastOut]:
    return [_received(b) for b in await context.messages.received_broadcasts(actor)]


@router.post("/broadcasts/{broadcast_id}/read", status_code=204, operation_id="mark_broadcast_read")
async def mark_broadcast_read(broadcast_id: Id, actor: CurrentActor, context: Context) -> None:
    await context.messages.mark_broadcast_read(actor, broadcast_id)


@router.get(
    "/me/notifications", response_model=NotificationSettingsIo, operation_id="get_notification_settings"
)
async def get_notification_settings(actor: CurrentActor, context: Context) -> NotificationSettingsIo:
    return NotificationSettingsIo(**asdict(await context.messages.settings(actor)))


@router.put(
    "/me/notifications", response_model=NotificationSettingsIo, operation_id="put_notification_settings"
)
async def put_notification_settings(
    body: NotificationSettingsIo, actor: CurrentActor, context: Context
) -> NotificationSettingsIo:
    saved = await context.messages.set_settings(
        actor, NotificationSettings(body.service, body.sound, body.browser)
    )
    return NotificationSettingsIo(**asdict(saved))
