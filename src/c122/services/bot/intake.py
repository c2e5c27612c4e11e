"""The chat bot's hand-over through the hotline's text intake (services/intake): the bot's transcript,
the case type the citizen chose and the queue become a request offered to operators; later texts of
the same address continue that case."""

from __future__ import annotations

from typing import Protocol

from c122.domain.bot import Speaker
from c122.domain.cases import ApplicantData
from c122.domain.intake import Handover, TranscriptLine
from c122.domain.intake import Speaker as IntakeSpeaker
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.services.bot.ports import HandedOver, HandOver
from c122.services.cases.ports import CaseRepository
from c122.services.ports import UnitOfWork, UnitOfWorkFactory


class DeliveredCase(Protocol):
    @property
    def case_id(self) -> int: ...


class TextIntake(Protocol):
    """The hotline's intake of text conversations (implemented by services/intake)."""

    async def hand_over(self, handover: Handover) -> DeliveredCase: ...


class CasesUnitOfWork(UnitOfWork, Protocol):
    @property
    def cases(self) -> CaseRepository: ...


class IntakeHandOver:
    """The bot's `Intake` port on the hotline's text intake."""

    def __init__(self, intake: TextIntake, uow_factory: UnitOfWorkFactory[CasesUnitOfWork]) -> None:
        self._intake = intake
        self._uow = uow_factory

    async def hand_over(self, handover: HandOver) -> HandedOver:
        delivered = await self._intake.hand_over(
            Handover(
                channel=handover.channel,
                address=handover.address,
                applicant=_applicant(handover),
                case_type_id=handover.case_type_id,
                queue_id=handover.queue_id,
                transcript=tuple(
                    TranscriptLine(
                        IntakeSpeaker.BOT if line.speaker is Speaker.BOT else IntakeSpeaker.CITIZEN,
                        line.text,
                        line.at,
                    )
                    for line in handover.transcript
                    if line.text.strip()
                ),
                description=handover.topic.strip(),
                device_id=handover.applicant.device_id,
            )
        )
        async with self._uow() as uow:
            case = await uow.cases.get_case(delivered.case_id)
        return HandedOver(delivered.case_id, case.name if case is not None else str(delivered.case_id))


def _applicant(handover: HandOver) -> ApplicantData:
    first, _, last = handover.applicant.name.strip().partition(" ")
    try:
        phones = (normalize_phone(handover.applicant.phone),) if handover.applicant.phone else ()
    except InvalidPhone:
        phones = ()
    return ApplicantData(first_name=first[:100], last_name=last.strip()[:100], phones=phones)
