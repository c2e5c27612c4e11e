"""The citizen app's one-time codes by SMS: the citizen feature's code-sender port, fulfilled by the SMS
outbox, so a code waits out a gateway outage like any other message."""

from __future__ import annotations

from c122.services.sms.service import SmsChannel

CODE_TEXT = "Код для приложения 122: {code}. Никому его не сообщайте."


class SmsCodeSender:
    def __init__(self, channel: SmsChannel) -> None:
        self._channel = channel

    async def send(self, phone: str, code: str) -> None:
        await self._channel.send_notice(phone, CODE_TEXT.format(code=code))
