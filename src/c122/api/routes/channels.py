"""The text channels for administrators (docs/channels/bot.md): the SMS gateway's and the Telegram
bot's settings and health, a test message through each, and each channel's flow and queue."""

from __future__ import annotations

from typing import get_args

from fastapi import APIRouter, Path

from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import channels as s
from c122.api.security import Context, CurrentActor
from c122.domain.citizen import Channel
from c122.services.bot.ports import ChannelSetting

router = APIRouter(prefix="/api/v1/channels", tags=["channels"], responses=ERROR_RESPONSES)
WEBHOOK_PATH = "/api/v1/messenger/telegram/webhook"
ChannelPath = Path(description=", ".join(get_args(s.ChannelName)))


def _setting_out(setting: ChannelSetting) -> s.ChannelSettingOut:
    return s.ChannelSettingOut(
        channel=setting.channel.value,
        flow_name=setting.flow_name,
        queue_id=setting.queue_id,
        updated_at=setting.updated_at,
    )


@router.get("", response_model=s.ChannelsOut, operation_id="get_channels")
async def channels(actor: CurrentActor, context: Context) -> s.ChannelsOut:
    """For administrators: the SMS gateway's settings (from the configuration file) and health, the
    Telegram bot's, and every text channel's flow and queue."""
    settings = await context.bot.settings(actor)
    config = context.settings
    sms_problem = await context.sms.health() if context.sms.configured else None
    messenger = await context.messenger.health(actor)
    return s.ChannelsOut(
        sms=s.SmsGatewayStateOut(
            configured=context.sms.configured,
            url=config.sms_gateway_url,
            username=config.sms_gateway_username,
            sender=config.sms_sender,
            callback_url=config.sms_callback_url,
            healthy=context.sms.configured and sms_problem is None,
            problem=sms_problem or "",
            outbound=await context.sms.counts(),
        ),
        messenger=s.MessengerStateOut(
            configured=messenger.configured,
            platform=messenger.platform,
            api_base=config.telegram_api_base,
            bot_name=messenger.bot_name,
            webhook_path=WEBHOOK_PATH,
            healthy=messenger.configured and not messenger.problem,
            problem=messenger.problem,
        ),
        settings=[_setting_out(setting) for setting in settings],
    )


@router.put("/{channel}", response_model=s.ChannelSettingOut, operation_id="save_channel_setting")
async def save_setting(
    channel: s.ChannelName, body: s.ChannelSettingIn, actor: CurrentActor, context: Context
) -> s.ChannelSettingOut:
    """The channel's bot flow and queue. 422 names a flow that cannot run as text — a menu whose prompt
    has no text form is named on its node — or a flow or queue that does not exist."""
    saved = await context.bot.save_setting(
        actor, ChannelSetting(Channel(channel), body.flow_name or None, body.queue_id)
    )
    return _setting_out(saved)


@router.post("/sms/test", status_code=202, operation_id="test_sms_channel")
async def test_sms(body: s.ChannelTestIn, actor: CurrentActor, context: Context) -> dict[str, int]:
    """«Отправить тест»: an SMS to the number, queued like any other (its state on the gateway screen)."""
    context.sms.require_admin(actor)
    sent = await context.sms.send(actor, body.to, body.text)
    return {"sms_id": sent.id}


@router.post("/messenger/test", status_code=204, operation_id="test_messenger_channel")
async def test_messenger(body: s.ChannelTestIn, actor: CurrentActor, context: Context) -> None:
    """«Отправить тест»: a message to the chat id through the bot; 409 with the platform's answer."""
    await context.messenger.send_test(actor, body.to, body.text)
