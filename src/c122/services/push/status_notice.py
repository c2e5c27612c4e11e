"""How the applicant of an app request learns of its status change (OPS-16): by push to their device;
when the device has no working push subscription — none, or every one failed or is gone (404/410) on
this change — by one SMS to the device's confirmed number through the SMS gateway, unless the setting
`status_sms_fallback` turns that off. The SMS is written into the case's conversation, where its
delivery state shows as an operator's SMS answer's does."""

from __future__ import annotations

import logging
from typing import Protocol

from c122.domain.citizen import Author, Channel, Message
from c122.domain.clock import Clock
from c122.domain.push import DeliveryState, status_push
from c122.domain.sms import Sms
from c122.services.citizen.ports import CitizenUnitOfWork
from c122.services.ports import UnitOfWorkFactory
from c122.services.push.service import AppPush

_log = logging.getLogger(__name__)

NOTICE_AUTHOR = "Уведомление о статусе"


class NoticeSms(Protocol):
    """The SMS channel (services/sms): queues a message of the hotline's own for a case."""

    @property
    def configured(self) -> bool: ...

    async def send_notice(self, phone: str, text: str, case_id: int | None = None) -> Sms: ...


def status_sms_text(name: str, status_label: str) -> str:
    return f"Обращение {name}: новый статус «{status_label}»."


class StatusNotices:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CitizenUnitOfWork],
        clock: Clock,
        push: AppPush,
        sms: NoticeSms | None,
        *,
        sms_fallback: bool = True,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._push = push
        self._sms = sms if sms_fallback else None

    async def status_changed(self, case_id: int, name: str, status_label: str) -> Message | None:
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
        async with self._uow() as uow:
            message = await uow.citizen.add_message(
                Message(
                    0,
                    case_id,
                    Channel.SMS,
                    Author.OPERATOR,
                    text,
                    self._clock.now(),
                    author_name=NOTICE_AUTHOR,
                    sms_id=sms.id,
                )
            )
            await uow.commit()
        _log.info("case %s: the status change went by SMS %s (no working push)", case_id, sms.id)
        return message
