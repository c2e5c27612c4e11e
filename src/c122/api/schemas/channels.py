"""The text channels as the administrator's screen sees them, and an outside bot's hand-over."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from c122.api.bounded import Id
from c122.api.schemas.common import Strict

ChannelName = Literal["app", "sms", "messenger"]


class SmsGatewayStateOut(BaseModel):
    configured: bool
    url: str = Field(description="smsbox's sendsms address (credentials are not shown)")
    username: str
    sender: str
    callback_url: str
    healthy: bool
    problem: str = Field(description="What is wrong with the gateway; empty when it answers")
    outbound: dict[str, int]


class MessengerStateOut(BaseModel):
    configured: bool
    platform: str
    api_base: str
    bot_name: str
    webhook_path: str = Field(description="Where the platform sends updates (set as the webhook URL)")
    healthy: bool
    problem: str


class ChannelSettingOut(BaseModel):
    channel: ChannelName
    flow_name: str | None
    queue_id: int | None
    updated_at: datetime | None


class ChannelsOut(BaseModel):
    sms: SmsGatewayStateOut
    messenger: MessengerStateOut
    settings: list[ChannelSettingOut]


class ChannelSettingIn(Strict):
    flow_name: str | None = Field(None, max_length=200, description="null: no bot, straight to the queue")
    queue_id: Id | None = None


class ChannelTestIn(Strict):
    to: str = Field(
        min_length=1, max_length=64, description="A phone number for SMS, a chat id for the messenger"
    )
    text: str = Field("Проверка канала С-122", min_length=1, max_length=1000)


class TranscriptLineIn(Strict):
    speaker: Literal["bot", "citizen"]
    text: str = Field(max_length=4000)
    at: datetime


class HandOverIn(Strict):
    """A conversation an outside bot hands to operators."""

    channel: ChannelName
    address: str = Field(min_length=1, max_length=200, description="The citizen's phone number or chat id")
    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=32)
    topic: str = Field("", max_length=1000, description="What the conversation is about, for the card")
    topic_id: Id | None = Field(None, description="The case type, if the bot knows it")
    queue_id: Id | None = None
    transcript: list[TranscriptLineIn] = Field(default_factory=list, max_length=200)


class HandedOverOut(BaseModel):
    case_id: int
    case_number: str


class BotLineOut(BaseModel):
    speaker: Literal["bot", "citizen"]
    text: str
    at: datetime


class AppBotOut(BaseModel):
    """The citizen app's bot chat: whether the app channel runs a bot, the open session's lines, the keys
    it waits for (shown as buttons)."""

    enabled: bool
    transcript: list[BotLineOut]
    choices: list[str]


class AppBotIn(Strict):
    text: str = Field(max_length=4000, description="A typed answer or a button's key; empty opens the chat")


class AppBotReplyOut(BaseModel):
    """The bot's answer: its texts, the keys to offer as buttons, and the request once handed over."""

    texts: list[str]
    choices: list[str]
    case_id: int | None = None
    case_number: str | None = None
