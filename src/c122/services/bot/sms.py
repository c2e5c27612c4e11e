"""The chat bot on SMS: an incoming SMS from a number with no case in work goes to the SMS channel's
bot (when the administrator set one up for SMS), whose answers go back by SMS — the menu's keys listed
after the text, to be answered with a digit."""

from __future__ import annotations

from c122.domain.citizen import Channel
from c122.domain.sms import Sms
from c122.services.bot.ports import Applicant
from c122.services.bot.service import BotReply, ChatBot
from c122.services.sms.service import SmsChannel


def sms_text(reply: BotReply) -> str:
    """The bot's texts as one SMS; the choices as the digits to answer with."""
    text = "\n".join(reply.texts)
    if reply.choices:
        text += "\nОтветьте цифрой: " + ", ".join(reply.choices)
    return text


class SmsConversations:
    def __init__(self, sms: SmsChannel, bot: ChatBot) -> None:
        self._sms = sms
        self._bot = bot

    async def receive(self, phone: str, data: bytes, coding: int, charset: str = "") -> Sms:
        """An SMS from a number with a case in work joins its conversation (or, with no bot for SMS,
        opens a request); otherwise the SMS channel's bot answers it, and its hand-over opens the case."""
        number = self._sms.sender_number(phone)
        if await self._sms.case_in_work(number) is not None or not await self._bot.serves(Channel.SMS):
            return await self._sms.receive(phone, data, coding, charset)
        stored = await self._sms.receive(phone, data, coding, charset, to_conversation=False)
        reply = await self._bot.on_text(Channel.SMS, stored.phone, stored.text, Applicant(phone=stored.phone))
        text = sms_text(reply)
        if text.strip():
            await self._sms.send_notice(stored.phone, text)
        return stored
