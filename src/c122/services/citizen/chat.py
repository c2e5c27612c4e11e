"""The conversation of a case as the operator's card shows it (OPS-16, seed 4.3.3.7, fig. 30): one
thread whatever the channel — the app's messages and media, SMS both ways (with each answer's delivery
state), a messenger's — and the operator's answers by the channel they choose among those the applicant
is reached by. Only those who may see the card read it (refusals audited); only those who work on cards
write; the citizen's device learns of an answer by its event stream or long poll."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from c122.domain.cases import Case
from c122.domain.citizen import (
    Author,
    Channel,
    CitizenRequest,
    Media,
    MediaKind,
    Message,
    message_text,
    sniff,
)
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, NotFound, UnsupportedMedia
from c122.domain.sms import Sms
from c122.domain.users import Actor
from c122.services.citizen.answer_writer import AnswerWriter
from c122.services.citizen.events import OperatorAnswered
from c122.services.citizen.ports import CaseAccess
from c122.services.citizen.service import MAX_MESSAGES, CheckedMedia, CitizenApp
from c122.services.intake.ports import IntakeUnitOfWork, ReplySender
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory


@dataclass(frozen=True)
class CaseConversation:
    """`request` None: the case did not come from the app. `reply_channels`: the channels an answer can
    take, the first being the default (the app, else SMS, else a messenger)."""

    request: CitizenRequest | None
    messages: list[Message]
    media: list[Media]
    reply_channels: list[Channel]


class SmsReplies(Protocol):
    """The SMS channel (services/sms): queues an operator's text to a number on the case."""

    @property
    def configured(self) -> bool: ...

    async def send(self, actor: Actor, phone: str, text: str, case_id: int | None = None) -> Sms: ...


class ChannelSenders(Protocol):
    """The intake's registry of how answers leave by a channel (a messenger's bot API)."""

    def sender(self, channel: Channel) -> ReplySender | None: ...


class CaseChat:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[IntakeUnitOfWork],
        clock: Clock,
        access: CaseAccess,
        app: CitizenApp,
        *,
        sms: SmsReplies | None = None,
        senders: ChannelSenders | None = None,
        internal: InternalPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._writer = AnswerWriter(uow_factory)  # the operators' answers, stored together
        self._clock = clock
        self._access = access
        self._app = app
        self._sms = sms
        self._senders = senders
        self._internal = internal or InternalEventBus()

    async def conversation(self, actor: Actor, case_id: int) -> CaseConversation:
        async with self._uow() as uow:
            found = await uow.cases.get_case(case_id)
            case = await self._access.check_case(actor, case_id, found, write=False)
            request = await uow.citizen.request_for_case(case_id)
            messages = await uow.citizen.messages(case_id, 0, MAX_MESSAGES)
            media = await uow.citizen.media_of_case(case_id)
            reach = await self._reach(uow, case)
        return CaseConversation(request, messages, media, list(reach))

    async def _reach(self, uow: IntakeUnitOfWork, case: Case) -> dict[Channel, str]:
        """Each channel an answer can take now, with the applicant's address on it."""
        case_id = case.id
        assert case_id is not None  # a stored case
        reach: dict[Channel, str] = {}
        if await uow.citizen.request_for_case(case_id) is not None:
            reach[Channel.APP] = ""
        if self._sms is not None and self._sms.configured:
            phone = await uow.contacts.contact_of(case_id, Channel.SMS)
            if phone is None and case.applicant_id is not None:
                applicant = await uow.cases.get_applicant(case.applicant_id)
                phone = applicant.data.phones[0] if applicant is not None and applicant.data.phones else None
            if phone:
                reach[Channel.SMS] = phone
        address = await uow.contacts.contact_of(case_id, Channel.MESSENGER)
        if address and self._senders is not None and self._senders.sender(Channel.MESSENGER) is not None:
            reach[Channel.MESSENGER] = address
        return reach

    async def send(self, actor: Actor, case_id: int, text: str, channel: Channel | None = None) -> Message:
        """The operator's answer by `channel` (None: the default one). 409 `not_reachable` when the
        applicant cannot be reached by it (no app request, no phone number or no SMS gateway, no
        messenger chat), naming the channels that can be used. The card, the right to write on it and
        where the applicant is reached are read in one transaction; the answer is stored by the answer
        writer (answer_writer.py) with the other operators' answers of the moment."""
        async with self._uow() as uow:
            found = await uow.cases.get_case(case_id)
            case = await self._access.check_case(actor, case_id, found, write=True)
            reach = await self._reach(uow, case)
            user = await uow.users.get(actor.user_id)
        cleaned = message_text(text)
        chosen = self._chosen(reach, channel)
        author_name = user.full_name if user else ""
        if chosen is Channel.APP:  # nothing leaves before it is stored
            message = await self._writer.store(self._answer(actor, case_id, chosen, cleaned, author_name))
        else:
            message = await self._send_elsewhere(actor, case_id, chosen, reach, cleaned, author_name)
        self._app.tell(case, message)
        self._internal.publish(OperatorAnswered(case_id, case.name, message.text))
        return message

    async def _send_elsewhere(
        self,
        actor: Actor,
        case_id: int,
        chosen: Channel,
        reach: dict[Channel, str],
        text: str,
        author_name: str,
    ) -> Message:
        """An answer by SMS or a messenger: sent first (a refused answer is not kept), then stored."""
        if chosen is Channel.MESSENGER:
            sender = self._senders.sender(Channel.MESSENGER) if self._senders is not None else None
            assert sender is not None  # `_reach` offers the messenger only with its sender
            await sender.send_reply(reach[Channel.MESSENGER], text, case_id)
        sms_id = None
        if chosen is Channel.SMS:
            assert self._sms is not None
            sms_id = (await self._sms.send(actor, reach[Channel.SMS], text, case_id)).id
        return await self._writer.store(self._answer(actor, case_id, chosen, text, author_name, sms_id))

    def _answer(
        self,
        actor: Actor,
        case_id: int,
        channel: Channel,
        text: str,
        author_name: str,
        sms_id: int | None = None,
    ) -> Message:
        return Message(
            0,
            case_id,
            channel,
            Author.OPERATOR,
            text,
            self._clock.now(),
            author_user_id=actor.user_id,
            author_name=author_name,
            sms_id=sms_id,
        )

    async def send_photo(
        self, actor: Actor, case_id: int, content: bytes, channel: Channel | None = None
    ) -> Message:
        """The operator's photo by `channel` (None: the default one): checked by its bytes like the
        citizen's (415 not a photo, 413 over the photo limit), sent without its metadata. SMS carries
        no photo: 409 `no_media_by_sms` (the product has no public links to a case's files). A
        messenger that refuses it: 409, and the photo is not kept."""
        await self._access.check(actor, case_id, write=True)
        checked = await self._photo(content, "оператор отправляет только фото")
        async with self._uow() as uow:
            case = await uow.cases.get_case(case_id)
            if case is None:
                raise NotFound("no such case")
            reach = await self._reach(uow, case)
            await self._app.check_room(uow, case_id)
        chosen = self._chosen(reach, channel)
        if chosen is Channel.SMS:
            raise Conflict(
                "по SMS фото не отправить: ответьте текстом или через приложение или мессенджер",
                code="no_media_by_sms",
            )
        if chosen is Channel.MESSENGER:  # sent before it is kept: a refused photo is not kept
            sender = self._senders.sender(Channel.MESSENGER) if self._senders is not None else None
            assert sender is not None
            await sender.send_photo(reach[Channel.MESSENGER], checked.cleaned.content, case_id)
        async with self._uow() as uow:
            _media, message = await self._keep_operators_photo(uow, actor, case_id, checked, chosen)
            await uow.commit()
        self._app.tell(case, message)
        return message

    async def _photo(self, content: bytes, refusal: str) -> CheckedMedia:
        """The bytes checked as the citizen's are (413 over the limit), and a photo (415 otherwise)."""
        sniffed = sniff(content[:32])
        if sniffed is not None and sniffed.kind is not MediaKind.PHOTO:
            raise UnsupportedMedia(f"{refusal}, а это {sniffed.content_type}")
        return await self._app.check_media(content)

    async def _keep_operators_photo(
        self, uow: IntakeUnitOfWork, actor: Actor, case_id: int, checked: CheckedMedia, channel: Channel
    ) -> tuple[Media, Message]:
        user = await uow.users.get(actor.user_id)
        return await self._app.keep_media(
            uow,
            case_id,
            checked,
            channel,
            None,
            by=Author.OPERATOR,
            author_user_id=actor.user_id,
            author_name=user.full_name if user else "",
        )

    @staticmethod
    def _chosen(reach: dict[Channel, str], channel: Channel | None) -> Channel:
        """`channel`, else the default one; 409 `not_reachable` naming the usable ones."""
        chosen = channel or next(iter(reach), Channel.APP)
        if chosen not in reach:
            usable = ", ".join(c.value for c in reach) or "нет"
            raise Conflict(
                f"заявителю нельзя написать через «{chosen.value}»; доступно: {usable}", code="not_reachable"
            )
        return chosen

    async def add_snapshot(self, actor: Actor, case_id: int, content: bytes) -> Media:
        """A still from the caller's video (TEL-25), kept on the card like the app's photos (JPEG or
        PNG, read from the bytes: 415 otherwise; 413 over the photo limit); audited."""
        await self._access.check(actor, case_id, write=True)
        checked = await self._photo(content, "снимок должен быть изображением")
        async with self._uow() as uow:
            if await uow.cases.get_case(case_id) is None:
                raise NotFound("no such case")
            media, _message = await self._keep_operators_photo(uow, actor, case_id, checked, Channel.APP)
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="add_snapshot",
                entity="case",
                entity_id=str(case_id),
                detail={"media_id": media.id, "size": media.size},
            )
            await uow.commit()
        return media

    async def media_file(
        self, actor: Actor, case_id: int, media_id: int, *, poster: bool = False
    ) -> tuple[Media, Path]:
        """A photo, video or voice note of the case, or with `poster` a video's still (a frame of the
        citizen's video: personal data like the video); each view is audited."""
        await self._access.check(actor, case_id, write=False)
        async with self._uow() as uow:
            media = await uow.citizen.get_media(media_id)
            found = self._app.file_of(media, case_id, poster=poster)
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="view_media",
                entity="case",
                entity_id=str(case_id),
                detail={"media_id": media_id, **({"still": True} if poster else {})},
            )
            await uow.commit()
        return found
