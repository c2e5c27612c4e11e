"""The messenger channel (MM-03): a citizen writes to the hotline's bot in a messenger. Until the chat
has a case the chat bot answers (the channel's flow); once handed over, every message, photo and voice
message joins the case's conversation and the operator answers from the card.

The platform's webhook carries a secret: a call without it is refused (403) and logged. An update id
seen before is ignored, so the platform's retries never double a message."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from c122.domain.cases.status import INACTIVE_STATUSES
from c122.domain.citizen import MESSAGE_MAX, Channel, MediaKind, message_text
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, FieldProblem, Forbidden, InvalidFields, TooLarge, UnsupportedMedia
from c122.domain.intake import IncomingMedia, IncomingText
from c122.domain.users import Actor
from c122.services.bot.ports import Applicant
from c122.services.bot.service import ChatBot
from c122.services.events import EventPublisher
from c122.services.messenger.ports import (
    FileTooLarge,
    Incoming,
    MessengerBot,
    MessengerChat,
    MessengerUnavailable,
    MessengerUnitOfWork,
    TextIntake,
)
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)

MB = 1024 * 1024


@dataclass(frozen=True)
class MessengerLimits:
    photo_max_bytes: int = 10 * MB
    voice_max_bytes: int = 5 * MB


@dataclass(frozen=True)
class MessengerHealth:
    configured: bool
    platform: str
    bot_name: str = ""
    problem: str = ""


def too_large_text(kind: MediaKind, limit: int) -> str:
    what = "Фото" if kind is MediaKind.PHOTO else "Голосовое сообщение"
    return f"{what} больше {limit // MB} МБ: мы не можем его принять. Отправьте файл поменьше."


class MessengerChannel:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[MessengerUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        bot: ChatBot,
        messenger: MessengerBot | None,
        *,
        webhook_secret: str,
        intake: TextIntake,
        limits: MessengerLimits | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._bot = bot
        self._messenger = messenger
        self._secret = webhook_secret
        self._intake = intake
        self.limits = limits or MessengerLimits()

    @property
    def configured(self) -> bool:
        return self._messenger is not None

    def _require(self) -> MessengerBot:
        if self._messenger is None:
            raise Conflict(
                "мессенджер не настроен: задайте telegram_bot_token (C122_TELEGRAM_BOT_TOKEN)",
                code="messenger_not_configured",
            )
        return self._messenger

    def check_secret(self, given: str | None, client: object) -> None:
        """The webhook's secret header; a missing or wrong one is refused and logged."""
        self._require()
        if given is None or not hmac.compare_digest(given.encode(), self._secret.encode()):
            _log.warning(
                "messenger webhook %s secret from %s",
                "without a" if given is None else "with a wrong",
                client,
            )
            raise Forbidden("wrong webhook secret", code="bad_secret")

    async def close(self) -> None:
        if self._messenger is not None:
            await self._messenger.close()

    # --- incoming ------------------------------------------------------------------------------------

    async def receive(self, update: Mapping[str, Any]) -> None:
        """One webhook update. A replay is ignored; a platform failure while answering is logged (the
        message itself is stored first, so the platform's retry would only repeat the answer)."""
        messenger = self._require()
        try:
            incoming = messenger.parse(update)
        except ValueError as exc:
            raise InvalidFields([FieldProblem("update", "invalid_update", str(exc))]) from exc
        if incoming is None:
            return
        now = self._clock.now()
        async with self._uow() as uow:
            if not await uow.messenger.take_update(messenger.platform, incoming.update_id, now):
                _log.info("messenger update %s replayed: ignored", incoming.update_id)
                return
            chat = await uow.messenger.chat(messenger.platform, incoming.chat_id)
            case = await uow.cases.get_case(chat.case_id) if chat and chat.case_id else None
            await uow.commit()
        try:
            if case is not None and case.status not in INACTIVE_STATUSES:
                await self._into_case(messenger, incoming)
            else:
                await self._to_bot(messenger, incoming)
        except MessengerUnavailable as exc:
            _log.warning("messenger did not take the answer to update %s: %s", incoming.update_id, exc)

    async def _to_bot(self, messenger: MessengerBot, incoming: Incoming) -> None:
        if incoming.file is not None and not incoming.text:
            await messenger.send_text(
                incoming.chat_id, "Сначала выберите тему обращения: фото можно отправить после."
            )
            return
        reply = await self._bot.on_text(
            Channel.MESSENGER,
            self.address(messenger, incoming.chat_id),
            incoming.text,
            Applicant(name=incoming.name),
        )
        if reply.handed_over is not None:
            async with self._uow() as uow:
                await uow.messenger.save_chat(
                    MessengerChat(
                        messenger.platform,
                        incoming.chat_id,
                        incoming.name[:200],
                        reply.handed_over.case_id,
                        self._clock.now(),
                    )
                )
                await uow.commit()
        for index, text in enumerate(reply.texts):
            last = index == len(reply.texts) - 1
            await messenger.send_text(incoming.chat_id, text, reply.choices if last else ())

    async def _into_case(self, messenger: MessengerBot, incoming: Incoming) -> None:
        """A message of a chat whose case is open: into its conversation through the text intake. A
        file over the limit or of a type not taken is refused with a message to the citizen."""
        media: tuple[IncomingMedia, ...] = ()
        if incoming.file is not None:
            content = await self._download(messenger, incoming)
            if content is None:
                return
            media = (IncomingMedia(content),)
        try:
            await self._intake.deliver(
                IncomingText(
                    Channel.MESSENGER,
                    self.address(messenger, incoming.chat_id),
                    incoming.text.strip()[:MESSAGE_MAX],
                    media,
                    incoming.name,
                )
            )
        except (TooLarge, UnsupportedMedia, InvalidFields, Conflict) as exc:
            _log.info("messenger message of chat %s refused: %s", incoming.chat_id, exc)
            await messenger.send_text(incoming.chat_id, f"Сообщение не принято: {exc}")

    async def _download(self, messenger: MessengerBot, incoming: Incoming) -> bytes | None:
        file = incoming.file
        assert file is not None
        limit = self.limits.photo_max_bytes if file.kind is MediaKind.PHOTO else self.limits.voice_max_bytes
        try:
            if file.size is not None and file.size > limit:
                raise FileTooLarge(f"{file.size} bytes")  # never fetched: the announced size says no
            return await messenger.download(file, limit)
        except FileTooLarge:
            _log.info("messenger file of chat %s refused: over %d bytes", incoming.chat_id, limit)
            await messenger.send_text(incoming.chat_id, too_large_text(file.kind, limit))
            return None

    # --- the operator's side -------------------------------------------------------------------------

    async def send_reply(self, address: str, text: str, case_id: int) -> None:
        """The intake's reply sender for the messenger: an operator's answer to `platform:chat`."""
        messenger, chat_id = self._chat_of(address)
        try:
            await messenger.send_text(chat_id, text)
        except MessengerUnavailable as exc:
            raise Conflict(f"мессенджер не принял сообщение: {exc}", code="messenger_unavailable") from exc

    async def send_photo(self, address: str, content: bytes, case_id: int) -> None:
        """An operator's photo to `platform:chat` (the bot API's photo upload)."""
        messenger, chat_id = self._chat_of(address)
        try:
            await messenger.send_photo(chat_id, content)
        except MessengerUnavailable as exc:
            raise Conflict(f"мессенджер не принял фото: {exc}", code="messenger_unavailable") from exc

    def _chat_of(self, address: str) -> tuple[MessengerBot, str]:
        messenger = self._require()
        platform, _, chat_id = address.partition(":")
        if platform != messenger.platform or not chat_id:
            raise Conflict(
                f"адрес «{address}» не относится к {messenger.platform}", code="messenger_unavailable"
            )
        return messenger, chat_id

    # --- administration ------------------------------------------------------------------------------

    async def health(self, actor: Actor) -> MessengerHealth:
        _require_admin(actor)
        if self._messenger is None:
            return MessengerHealth(False, "telegram")
        try:
            return MessengerHealth(True, self._messenger.platform, await self._messenger.whoami())
        except MessengerUnavailable as exc:
            return MessengerHealth(True, self._messenger.platform, problem=str(exc)[:300])

    async def send_test(self, actor: Actor, chat_id: str, text: str) -> None:
        """«Отправить тест»: a text to a chat the administrator names (their own, usually)."""
        _require_admin(actor)
        messenger = self._require()
        cleaned = message_text(text)
        if not chat_id.strip() or len(chat_id) > 64:
            raise InvalidFields([FieldProblem("to", "required", "укажите чат (chat_id)")])
        try:
            await messenger.send_text(chat_id.strip(), cleaned)
        except MessengerUnavailable as exc:
            raise Conflict(f"мессенджер не принял сообщение: {exc}", code="messenger_unavailable") from exc

    @staticmethod
    def address(messenger: MessengerBot, chat_id: str) -> str:
        return f"{messenger.platform}:{chat_id}"


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators manage the channels")
