"""The hotline's intake of a text conversation: a case card of the channel's source for the applicant
(found by phone number or created), in the group of the chosen queue, with the transcript as the case's
conversation — what the operator reads before answering in the card."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol

from c122.domain.bot import Speaker
from c122.domain.cases import ApplicantData, CaseDetails, CaseSource, new_case, sequence_key
from c122.domain.citizen import Author, Channel, Message
from c122.domain.clock import Clock
from c122.domain.errors import Conflict
from c122.domain.organisation import Queue
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.services.bot.ports import HandedOver, HandOver
from c122.services.cases.events import CASE_CREATED, case_event
from c122.services.citizen.events import chat_message_event
from c122.services.citizen.ports import CitizenUnitOfWork
from c122.services.events import EventPublisher
from c122.services.ports import EntityRepository, UnitOfWorkFactory

SOURCES = {
    Channel.APP: CaseSource.MOBILE_APP,
    Channel.SMS: CaseSource.SMS,
    Channel.MESSENGER: CaseSource.MESSENGER,
}
BOT_NAME = "Чат-бот"
MAX_DESCRIPTION = 1000


class IntakeUnitOfWork(CitizenUnitOfWork, Protocol):
    @property
    def queues(self) -> EntityRepository[Queue]: ...


class CaseIntake:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[IntakeUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        zone: tzinfo,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._zone = zone

    async def hand_over(self, handover: HandOver) -> HandedOver:
        now = self._clock.now()
        async with self._uow() as uow:
            case_type = await uow.case_types.get(handover.case_type_id) if handover.case_type_id else None
            if case_type is None:  # the flow chose none: the first type, the operator corrects it
                first = (await uow.case_types.search("", 1, 0)).items
                if not first:
                    raise Conflict("нет ни одного типа обращения", code="no_case_types")
                case_type = first[0]
            queue = await uow.queues.get(handover.queue_id) if handover.queue_id else None
            group_id = queue.group_id if queue else await _first_group(uow)
            applicant_id = await _applicant(uow, handover, now)
            key = sequence_key(now, self._zone, case_type.id)
            number = await uow.cases.next_number(key)
            case = await uow.cases.add_case(
                new_case(
                    key=key,
                    number=number,
                    type_name=case_type.name,
                    source=SOURCES[handover.channel],
                    created_at=now,
                    by=None,
                    details=CaseDetails(description=_description(handover)),
                    applicant_id=applicant_id,
                    group_id=group_id,
                )
            )
            assert case.id is not None
            messages = [
                await uow.citizen.add_message(
                    Message(
                        0,
                        case.id,
                        handover.channel,
                        Author.CITIZEN if line.speaker is Speaker.CITIZEN else Author.OPERATOR,
                        line.text,
                        line.at,
                        author_name="" if line.speaker is Speaker.CITIZEN else BOT_NAME,
                    )
                )
                for line in handover.transcript
                if line.text.strip()
            ]
            row = await uow.cases.row(case.id)
            assert row is not None
            await uow.commit()
        self._publisher.publish(case_event(CASE_CREATED, row, now))
        for message in messages:
            self._publisher.publish(chat_message_event(case, message))
        return HandedOver(case.id, case.name)


async def _first_group(uow: IntakeUnitOfWork) -> int | None:
    groups = await uow.groups.search("", 1, 0)
    return groups.items[0].id if groups.items else None


async def _applicant(uow: IntakeUnitOfWork, handover: HandOver, now: datetime) -> int | None:
    phone = _phone(handover)
    if phone:
        found = await uow.cases.find_applicant_by_phone(phone)
        if found is not None:
            return found.id
    if not phone and not handover.applicant.name:
        return None
    first, _, last = handover.applicant.name.strip().partition(" ")
    data = ApplicantData(first_name=first[:100], last_name=last[:100], phones=(phone,) if phone else ())
    stored = await uow.cases.add_applicant(data, now)
    return stored.id


def _phone(handover: HandOver) -> str:
    candidate = handover.applicant.phone or (handover.address if handover.channel is Channel.SMS else "")
    try:
        return normalize_phone(candidate) if candidate else ""
    except InvalidPhone:
        return ""


def _description(handover: HandOver) -> str:
    """The topic, else what the citizen wrote last: the card's description before the operator's."""
    if handover.topic.strip():
        return handover.topic.strip()[:MAX_DESCRIPTION]
    said = [
        line.text for line in handover.transcript if line.speaker is Speaker.CITIZEN and line.text.strip()
    ]
    return (said[-1] if said else "")[:MAX_DESCRIPTION]
