"""How the applicant of an app request learns of its status change (OPS-16): by push to their device;
when the device has no working push subscription — none, or every one failed or is gone (404/410) on
this change — by one SMS to the device's confirmed number through the SMS gateway, unless the setting
`status_sms_fallback` turns that off. The SMS is written into the case's conversation, where its
delivery state shows as an operator's SMS answer's does.

A request that came by SMS or a messenger is told when it is finished (its chat ended with it): by the
messenger chat it came from, else by SMS to its number; the notice is in the conversation too."""

from __future__ import annotations

import logging
from typing import Protocol

from c122.domain.citizen import Author, Channel, Message
from c122.domain.clock import Clock
from c122.domain.errors import Conflict
from c122.domain.push import DeliveryState, status_push
from c122.domain.sms import Sms
from c122.services.citizen.events import chat_message_event
from c122.services.events import EventPublisher
from c122.services.intake.ports import IntakeUnitOfWork, ReplySender
from c122.services.ports import UnitOfWorkFactory
from c122.services.push.service import AppPush

_log = logging.getLogger(__name__)

NOTICE_AUTHOR = "Уведомление о статусе"


class NoticeSms(Protocol):
    """The SMS channel (services/sms): queues a message of the hotline's own for a case."""

    @property
    def configured(self) -> bool: ...

    async def send_notice(self, phone: str, text: str, case_id: int | None = None) -> Sms: ...


class ChannelSenders(Protocol):
    """The intake's registry of how texts leave by a channel (a messenger's bot API)."""

    def sender(self, channel: Channel) -> ReplySender | None: ...


def status_sms_text(name: str, status_label: str) -> str:
    return f"Обращение {name}: новый статус «{status_label}»."


def closing_text(name: str, status_label: str) -> str:
    return f"{status_label}: обращение {name}. Напишите сюда снова, если нужно: откроется новое обращение."


class StatusNotices:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[IntakeUnitOfWork],
        clock: Clock,
        push: AppPush,
        sms: NoticeSms | None,
        *,
        senders: ChannelSenders | None = None,
        sms_fallback: bool = True,
        publisher: EventPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._push = push
        self._all_sms = sms
        self._sms = sms if sms_fallback else None
        self._senders = senders
        self._publisher = publisher

    async def status_changed(
        self, case_id: int, name: str, status_label: str, active: bool = True
    ) -> Message | None:
        """Tells the applicant by the case's channel; the notice written into the conversation, if any."""
        async with self._uow() as uow:
            from_app = await uow.citizen.request_for_case(case_id) is not None
        if from_app:
            return await self._app_status(case_id, name, status_label)
        if not active:
            return await self._closing_notice(case_id, closing_text(name, status_label))
        return None

    async def _closing_notice(self, case_id: int, text: str) -> Message | None:
        async with self._uow() as uow:
            chat = await uow.contacts.contact_of(case_id, Channel.MESSENGER)
            phone = await uow.contacts.contact_of(case_id, Channel.SMS)
        sender = self._senders.sender(Channel.MESSENGER) if self._senders is not None else None
        if chat and sender is not None:
            try:
                await sender.send_reply(chat, text, case_id)
            except Conflict as error:
                _log.warning("case %s: the closing notice did not reach the messenger: %s", case_id, error)
                return None
            return await self._written(case_id, Channel.MESSENGER, text, None)
        if phone and self._all_sms is not None and self._all_sms.configured:
            sms = await self._all_sms.send_notice(phone, text, case_id)
            return await self._written(case_id, Channel.SMS, text, sms.id)
        return None

    async def _app_status(self, case_id: int, name: str, status_label: str) -> Message | None:
        """Pushes the change; the SMS written into the conversation when it went by SMS instead."""
        deliveries = await self._push.notify_case(case_id, status_push(case_id, name, status_label))
        if any(d.state is DeliveryState.DELIVERED for d in deliveries):
            return None
        if self._sms is None or not self._sms.configured:
            return None
        async with self._uow() as uow:
            request = await uow.citizen.request_for_case(case_id)
            device = await uow.citizen.get_device(request.device_id) if request is not None else None
        if device is None or device.confirmed_at is None:
            return None  # not an app request, or no number the citizen confirmed
        text = status_sms_text(name, status_label)
        sms = await self._sms.send_notice(device.phone, text, case_id)
        _log.info("case %s: the status change goes by SMS %s (no working push)", case_id, sms.id)
        return await self._written(case_id, Channel.SMS, text, sms.id)

    async def _written(self, case_id: int, channel: Channel, text: str, sms_id: int | None) -> Message:
        async with self._uow() as uow:
            message = await uow.citizen.add_message(
                Message(
                    0,
                    case_id,
                    channel,
                    Author.SYSTEM,
                    text,
                    self._clock.now(),
                    author_name=NOTICE_AUTHOR,
                    sms_id=sms_id,
                )
            )
            case = await uow.cases.get_case(case_id)
            await uow.commit()
        if self._publisher is not None and case is not None:  # the card and the app's chat see it live
            self._publisher.publish(chat_message_event(case, message))
        return message
