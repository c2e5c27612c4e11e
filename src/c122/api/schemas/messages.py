"""Messages, broadcasts and notification settings on the wire (docs/contact-center/messages.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from c122.api.bounded import Id
from c122.api.schemas.common import Strict
from c122.services.messages.service import MAX_TEXT

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]


class MessageIn(Strict):
    text: Text


class MessageOut(BaseModel):
    id: int
    sender_id: int | None
    sender_name: str
    recipient_id: int | None
    recipient_name: str
    text: str
    sent_at: datetime
    read_at: datetime | None


class CounterpartOut(BaseModel):
    user_id: int
    full_name: str
    role: Literal["operator", "senior", "admin"]
    group_ids: list[int]


class ConversationOut(BaseModel):
    counterpart: CounterpartOut
    unread: int
    last: MessageOut | None


class BroadcastIn(Strict):
    """To the chosen operators, or every operator of `group_id` (no `user_ids`), or `everyone` of the
    senior's groups."""

    text: Text
    group_id: Id | None = None
    user_ids: list[Id] = []
    everyone: bool = False


class RecipientOut(BaseModel):
    user_id: int
    full_name: str
    group_id: int
    read_at: datetime | None


class BroadcastOut(BaseModel):
    id: int
    sender_id: int | None
    sender_name: str
    text: str
    sent_at: datetime
    recipients: list[RecipientOut]


class ReceivedBroadcastOut(BaseModel):
    id: int
    sender_id: int | None
    sender_name: str
    text: str
    sent_at: datetime
    read_at: datetime | None


class NotificationSettingsIo(Strict):
    service: bool
    sound: bool
    browser: bool


# --- live event payloads (docs/events/messages.md) ---------------------------------------------


class MessageSentData(BaseModel):
    message: MessageOut


class MessageReadData(BaseModel):
    reader_id: int | None
    sender_id: int | None
    ids: list[int]
    read_at: datetime


class BroadcastNoticeOut(BaseModel):
    id: int
    sender_id: int | None
    sender_name: str
    text: str
    sent_at: datetime


class BroadcastSentData(BaseModel):
    broadcast: BroadcastNoticeOut


class BroadcastReadData(BaseModel):
    broadcast_id: int
    user_id: int
    read_at: datetime
