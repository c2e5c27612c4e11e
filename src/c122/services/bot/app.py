"""The chat bot in the citizen app (MM-04): the app's «Написать в чат» talks to the app channel's flow
before any case exists — the prompts as texts, the menu's keys as buttons — and the hand-over opens a
request of the device (listed in the app, answered in its case's chat) with the transcript. Only when
the administrator set a flow for the app; otherwise the app's own request form is the way in."""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.bot import Line
from c122.domain.citizen import Channel, Device
from c122.domain.errors import Conflict
from c122.services.bot.ports import Applicant
from c122.services.bot.service import BotReply, ChatBot


@dataclass(frozen=True)
class AppBotState:
    """What the app shows on opening the bot's chat: whether there is a bot, the open session's lines
    and the buttons it waits on."""

    enabled: bool
    transcript: tuple[Line, ...] = ()
    choices: tuple[str, ...] = ()


class AppConversations:
    def __init__(self, bot: ChatBot) -> None:
        self._bot = bot

    @staticmethod
    def address(device: Device) -> str:
        """A device's bot session is keyed by the device: one conversation per installed app."""
        return str(device.id)

    async def state(self, device: Device) -> AppBotState:
        if not await self._bot.runs_flow(Channel.APP):
            return AppBotState(False)
        view = await self._bot.session_view(Channel.APP, self.address(device))
        return AppBotState(True, view.transcript, view.choices) if view else AppBotState(True)

    async def say(self, device: Device, text: str) -> BotReply:
        """The citizen's text or button. An empty text opens the conversation (the greeting and the
        first menu) or, with one open, repeats nothing and steps nothing. 409 `no_bot` when the app
        channel has no flow."""
        if not await self._bot.runs_flow(Channel.APP):
            raise Conflict("чат-бот приложения не настроен: создайте обращение через форму", code="no_bot")
        address = self.address(device)
        if not text.strip():
            view = await self._bot.session_view(Channel.APP, address)
            if view is not None:
                return BotReply((), view.choices)
        return await self._bot.on_text(
            Channel.APP, address, text, Applicant(phone=device.phone, device_id=device.id)
        )
