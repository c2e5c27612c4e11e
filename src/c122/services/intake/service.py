"""The intake of text channels (OPS-25, MM-02..MM-04): every channel — SMS, a messenger, a chat bot —
hands the hotline what a citizen wrote through this one service. A text from an address continues the
conversation of that address's open case or opens a new request (a case card of the channel's source);
a bot hands over a conversation with its transcript. Either way the conversation is then offered to an
operator by the distribution, like a call (a case already waiting or held is left as it is).

Channels register how an operator's answer leaves by them (`register_sender`)."""

from __future__ import annotations

import logging
from datetime import tzinfo

from c122.domain.cases import ApplicantData, Case, CaseDetails, CaseSource, new_case, sequence_key
from c122.domain.citizen import Author, Channel, CitizenRequest, Message, message_text
from c122.domain.clock import Clock
from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.intake import (
    Delivered,
    Handover,
    IncomingText,
    Speaker,
    TextWork,
    check_address,
    check_transcript,
)
from c122.domain.organisation import CaseType
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.services.cases.events import CASE_CREATED, CASE_UPDATED, case_event
from c122.services.citizen.service import CheckedMedia, CitizenApp
from c122.services.events import EventPublisher
from c122.services.intake.ports import IntakeUnitOfWork, ReplySender, TextDistribution
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)

SOURCES = {
    Channel.APP: CaseSource.MOBILE_APP,
    Channel.SMS: CaseSource.SMS,
    Channel.MESSENGER: CaseSource.MESSENGER,
}


class Intake:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[IntakeUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        app: CitizenApp,
        *,
        zone: tzinfo,
        case_type_id: int | None = None,
        group_id: int | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._app = app
        self._zone = zone
        self._case_type_id = case_type_id
        self._group_id = group_id
        self._distribution: TextDistribution | None = None
        self._senders: dict[Channel, ReplySender] = {}

    # --- wiring ----------------------------------------------------------------------------------

    def use_distribution(self, distribution: TextDistribution) -> None:
        """The contact centre, once it exists (it is built after the channels)."""
        self._distribution = distribution

    def register_sender(self, channel: Channel, sender: ReplySender) -> None:
        """How operators' answers leave by `channel` (a messenger's bot API)."""
        self._senders[channel] = sender

    def sender(self, channel: Channel) -> ReplySender | None:
        return self._senders.get(channel)

    # --- a text from a channel -------------------------------------------------------------------

    async def deliver(self, incoming: IncomingText) -> Delivered:
        """A citizen's text (and files) from an address of a channel: added to the conversation of the
        address's open case, or a new request. 422 for an empty text without files or a bad address,
        413/415 for a file; nothing is stored when anything is refused."""
        address = _address(incoming.channel, incoming.address)
        text = message_text(incoming.text, media_id=0 if incoming.media else None)
        checked = [await self._app.check_media(item.content) for item in incoming.media]
        now = self._clock.now()
        async with self._uow() as uow:
            case_id = await uow.contacts.open_case_of(incoming.channel, address)
            created = case_id is None
            if case_id is None:
                applicant = _applicant(incoming.channel, address, incoming.display_name)
                case = await self._open_case(uow, incoming.channel, address, applicant, None, "")
            else:
                found = await uow.cases.get_case(case_id)
                assert found is not None
                case = found
            assert case.id is not None
            await uow.contacts.add_contact(case.id, incoming.channel, address, now)
            stored = await self._store_texts(uow, case.id, incoming.channel, [(Author.CITIZEN, text)])
            stored += await self._store_media(uow, case.id, incoming.channel, checked)
            row = await uow.cases.row(case.id)
            await uow.commit()
        if row is not None:
            self._publisher.publish(case_event(CASE_CREATED if created else CASE_UPDATED, row, now))
        for message in stored:
            self._app.tell(case, message)
        await self._route(case, incoming.channel, address, None)
        return Delivered(case.id, tuple(stored), created)

    # --- a conversation a bot hands over ---------------------------------------------------------

    async def hand_over(self, handover: Handover) -> Delivered:
        """A bot's conversation for the operators: a new request of the given type (or the default one)
        with the applicant's data and the transcript as its first messages (the citizen's lines and the
        bot's), queued in the given queue (or the channel's). When the address already has an open case
        the transcript continues that case's conversation."""
        address = _address(handover.channel, handover.address)
        lines = check_transcript(handover.transcript)
        now = self._clock.now()
        async with self._uow() as uow:
            case_id = await uow.contacts.open_case_of(handover.channel, address)
            created = case_id is None
            if case_id is None:
                case = await self._open_case(
                    uow,
                    handover.channel,
                    address,
                    handover.applicant,
                    handover.case_type_id,
                    handover.description,
                )
                if handover.device_id is not None:  # the app lists it and its answers reach the app
                    assert case.id is not None
                    await uow.citizen.add_request(CitizenRequest(case.id, handover.device_id, now))
            else:
                found = await uow.cases.get_case(case_id)
                assert found is not None
                case = found
            assert case.id is not None
            await uow.contacts.add_contact(case.id, handover.channel, address, now)
            texts = [
                (Author.BOT if line.speaker is Speaker.BOT else Author.CITIZEN, line.text.strip())
                for line in lines
            ]
            stored = await self._store_texts(uow, case.id, handover.channel, texts)
            row = await uow.cases.row(case.id)
            await uow.commit()
        if row is not None:
            self._publisher.publish(case_event(CASE_CREATED if created else CASE_UPDATED, row, now))
        for message in stored:
            self._app.tell(case, message)
        # An app device's address is its id: the queue shows the confirmed number instead.
        caller = handover.applicant.phones[0] if handover.device_id and handover.applicant.phones else address
        await self._route(case, handover.channel, caller, handover.queue_id)
        return Delivered(case.id, tuple(stored), created)

    # --- pieces ----------------------------------------------------------------------------------

    async def _open_case(
        self,
        uow: IntakeUnitOfWork,
        channel: Channel,
        address: str,
        applicant: ApplicantData,
        type_id: int | None,
        description: str,
    ) -> Case:
        now = self._clock.now()
        case_type = (
            await uow.case_types.get(type_id) if type_id is not None else await self._default_type(uow)
        )
        if case_type is None or case_type.id is None:
            field = "case_type_id" if type_id is not None else "case_type"
            raise InvalidFields([FieldProblem(field, "not_found", "нет такого повода обращения")])
        stored = None
        if applicant.phones:
            stored = await uow.cases.find_applicant_by_phone(applicant.phones[0])
        if stored is None:
            stored = await uow.cases.add_applicant(applicant, now)
        key = sequence_key(now, self._zone, case_type.id)
        case = await uow.cases.add_case(
            new_case(
                key=key,
                number=await uow.cases.next_number(key),
                type_name=case_type.name,
                source=SOURCES[channel],
                created_at=now,
                by=None,
                details=CaseDetails(description=description.strip()),
                applicant_id=stored.id,
                group_id=await self._group(uow),
            )
        )
        return case

    async def _default_type(self, uow: IntakeUnitOfWork) -> CaseType | None:
        if self._case_type_id is not None:
            return await uow.case_types.get(self._case_type_id)
        page = await uow.case_types.search("", 1, 0)  # ordered by id: the first type
        return page.items[0] if page.items else None

    async def _group(self, uow: IntakeUnitOfWork) -> int | None:
        if self._group_id is not None:
            return self._group_id
        groups = await uow.groups.search("", 1, 0)
        return groups.items[0].id if groups.items else None

    async def _store_texts(
        self, uow: IntakeUnitOfWork, case_id: int, channel: Channel, texts: list[tuple[Author, str]]
    ) -> list[Message]:
        now = self._clock.now()
        return [
            await uow.citizen.add_message(Message(0, case_id, channel, author, text, now))
            for author, text in texts
            if text
        ]

    async def _store_media(
        self, uow: IntakeUnitOfWork, case_id: int, channel: Channel, checked: list[CheckedMedia]
    ) -> list[Message]:
        return [(await self._app.keep_media(uow, case_id, item, channel, None))[1] for item in checked]

    async def _route(self, case: Case, channel: Channel, address: str, queue_id: int | None) -> None:
        if self._distribution is None or case.id is None:
            return
        try:
            await self._distribution.route_text(TextWork(case.id, channel, queue_id, caller=address))
        except Exception:  # the message is stored; the desk's queue view still shows the case
            _log.exception("text request %s could not be queued", case.id)


def _address(channel: Channel, address: str) -> str:
    cleaned = check_address(address)
    if channel is not Channel.SMS:
        return cleaned
    try:
        return normalize_phone(cleaned)
    except InvalidPhone as error:
        raise InvalidFields([FieldProblem("address", "invalid_phone", str(error))]) from error


def _applicant(channel: Channel, address: str, display_name: str) -> ApplicantData:
    if channel is Channel.SMS:
        return ApplicantData(phones=(address,))
    return ApplicantData(first_name=display_name.strip()[:100])
