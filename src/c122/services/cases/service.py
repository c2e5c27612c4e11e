"""Use cases of case cards (OPS-09..OPS-13, TEL-14): create by hand or for a call, the card list,
read, edit with optimistic versions, status and «Внимание!». Events go out only after commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TypeVar

from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import (
    CASE_FIELDS,
    RECENT,
    ApplicantData,
    Case,
    CaseDetails,
    CaseSource,
    CaseStatus,
    FieldClash,
    SequenceKey,
    StatusFilter,
    change_status,
    change_type,
    check_edit,
    new_case,
    parse_case_name,
    read_applicant,
    read_case_details,
    sequence_key,
    set_attention,
    update_details,
)
from c122.domain.cases.reading import parse_date
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, FieldProblem, InvalidFields
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.domain.users import Actor
from c122.services.access_audit import record_refusal, refusals_audited
from c122.services.cases.access import list_scope, require_visible, require_worker
from c122.services.cases.applicants import ApplicantDesk, may_attach_applicant
from c122.services.cases.call_card_writer import CallCardRequest
from c122.services.cases.call_cards import CallCards
from c122.services.cases.cards import CaseCard, card_of, load_card
from c122.services.cases.case_types import KnownCaseTypes
from c122.services.cases.chat_cards import ChatCards
from c122.services.cases.events import (
    CASE_CREATED,
    CASE_UPDATED,
    call_case_changed,
    case_event,
    status_changed,
)
from c122.services.cases.ports import CaseQuery, CaseRows, CasesUnitOfWork
from c122.services.cases.questionnaires import Questionnaires
from c122.services.events import EventPublisher
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory

R = TypeVar("R")
MAX_PAGE = 200
_UNKNOWN_TYPE = FieldProblem("type_id", "not_found", "нет такого повода обращения")


class EditConflict(Conflict):
    """Someone stored another value of the same field since the client loaded the card."""

    code = "edit_conflict"

    def __init__(self, clashes: tuple[FieldClash, ...], current: CaseCard | None) -> None:
        super().__init__("карточку изменил другой оператор: обновите её или объедините изменения")
        self.clashes = clashes
        self.current = current


@dataclass(frozen=True)
class ListRequest:
    q: str = ""
    status: StatusFilter = StatusFilter.ANY
    since: datetime | None = None
    last_24h: bool = False
    type_id: int | None = None
    limit: int = 50
    offset: int = 0


class CaseDesk:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CasesUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        zone: tzinfo,
        internal: InternalPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self.zone = zone
        self._internal = internal or InternalEventBus()
        self.case_types = KnownCaseTypes()  # what the call path reads for each new card

    # --- creation ------------------------------------------------------------------------------

    async def create(self, actor: Actor, values: Mapping[str, object]) -> CaseCard:
        """A case by hand (OPS-09, source web): details at the top level, a new applicant under
        `applicant` or an existing one by `applicant_id`. Every bad field is reported at once.
        An applicant the actor may not attach is refused like an unknown one, and audited."""
        try:
            return await self._create(actor, values)
        except InvalidFields as error:
            if any(p.path == "applicant_id" and p.code == "not_found" for p in error.problems):
                await record_refusal(
                    self._uow, self._clock, actor, "attach_applicant", "applicant", values.get("applicant_id")
                )
            raise

    async def _create(self, actor: Actor, values: Mapping[str, object]) -> CaseCard:
        require_worker(actor)
        now = self._clock.now()
        type_id, group_id, applicant_id = _create_refs(actor, values)
        details_values = {k: v for k, v in values.items() if k in CASE_FIELDS}
        problems = [
            FieldProblem(key, "unknown_field", "неизвестное поле")
            for key in values
            if key not in CASE_FIELDS | {"type_id", "group_id", "applicant", "applicant_id"}
        ]
        details = _collect(problems, "", lambda: read_case_details(details_values))
        applicant_data: ApplicantData | None = None
        raw_applicant = values.get("applicant")
        if raw_applicant is not None:
            if not isinstance(raw_applicant, Mapping):
                problems.append(FieldProblem("applicant", "not_an_object", "ожидается объект с полями"))
            else:
                applicant_data = _collect(
                    problems, "applicant.", lambda: read_applicant(raw_applicant, today=self._today(now))
                )
        async with self._uow() as uow:
            type_name = await _type_name(uow, type_id, problems)
            if applicant_id is not None and not await may_attach_applicant(uow, actor, applicant_id):
                problems.append(FieldProblem("applicant_id", "not_found", "заявитель не найден"))
            if problems:
                raise InvalidFields(problems)
            assert details is not None
            if applicant_data is not None:
                applicant_id = (await uow.cases.add_applicant(applicant_data, now)).id
            case = await self._store_new(
                uow,
                type_id=type_id,
                type_name=type_name,
                source=CaseSource.WEB,
                now=now,
                by=actor.user_id,
                details=details,
                applicant_id=applicant_id,
                group_id=group_id,
                call_id=None,
            )
            card = await card_of(uow, actor, case, now)
            await uow.audit.record(
                at=now, actor_id=actor.user_id, action="create", entity="case", entity_id=str(case.id)
            )
            await uow.commit()
        self._publisher.publish(case_event(CASE_CREATED, card.row, now))
        return card

    async def create_case_for_call(
        self,
        *,
        caller: str,
        type_id: int,
        call_id: str,
        group_id: int | None,
        description: str = "",
        origin: CallOrigin | None = None,
    ) -> Case:
        """The card of a call (TEL-14): the type from the IVR choice, the applicant found by the caller's
        number (with what is known from earlier contacts, OPS-14) or created with just that number.
        An unusable caller number (anonymous, garbage) leaves the case without an applicant. A call from
        the app (`origin`) has that source and the device's location on the card."""
        request = CallCardRequest(caller, type_id, call_id, group_id, description, origin)
        (made,) = await self.create_cases_for_calls([request])
        if isinstance(made, InvalidFields):
            raise made
        return made

    async def create_cases_for_calls(self, requests: Sequence[CallCardRequest]) -> list[Case | InvalidFields]:
        """The cards of several calls in one transaction (services/cases/call_card_writer.py), each as
        `create_case_for_call` makes it; a request naming no stored type is refused alone. The
        applicants, numbers, cards and their rows of the whole batch take a few statements each."""
        now = self._clock.now()
        async with self._uow() as uow:
            types = {
                type_id: await self.case_types.get(uow, type_id) for type_id in {r.type_id for r in requests}
            }
            known = [r for r in requests if types[r.type_id] is not None]
            applicant_ids = await self._applicants_of_callers(uow, [r.caller for r in known], now)
            keys = [sequence_key(now, self.zone, r.type_id) for r in known]
            first_numbers = {key: await uow.cases.next_number(key, n) for key, n in Counter(keys).items()}
            numbers = Counter[SequenceKey]()
            new: list[Case] = []
            for request, key in zip(known, keys, strict=True):
                case_type = types[request.type_id]
                assert case_type is not None
                origin = request.origin
                new.append(
                    new_case(
                        key=key,
                        number=first_numbers[key] + numbers[key],
                        type_name=case_type.name,
                        source=origin.source if origin is not None else CaseSource.PSTN,
                        created_at=now,
                        by=None,
                        details=_call_details(request.description, origin),
                        applicant_id=applicant_ids.get(request.caller),
                        group_id=request.group_id,
                        call_id=request.call_id,
                    )
                )
                numbers[key] += 1
            stored = iter(await uow.cases.add_cases(new))
            made = [
                next(stored) if types[r.type_id] is not None else InvalidFields([_UNKNOWN_TYPE])
                for r in requests
            ]
            rows = await uow.cases.rows([case.id for case in made if isinstance(case, Case) and case.id])
            await uow.commit()
        for case in made:
            if isinstance(case, Case) and case.id in rows:
                self._publisher.publish(case_event(CASE_CREATED, rows[case.id], now))
        return made

    @staticmethod
    async def _applicants_of_callers(
        uow: CasesUnitOfWork, callers: Sequence[str], now: datetime
    ) -> dict[str, int]:
        """Per caller's number as dialled in, their applicant's id: found by the number, or a new
        applicant with just that number (two calls from one number share one); an unusable number has
        none."""
        phones: dict[str, str] = {}
        for caller in callers:
            try:
                phones[caller] = normalize_phone(caller)
            except InvalidPhone:
                continue
        found = await uow.cases.applicants_of_phones(sorted(set(phones.values())))
        missing = [phone for phone in dict.fromkeys(phones.values()) if phone not in found]
        added = await uow.cases.add_applicants([ApplicantData(phones=(phone,)) for phone in missing], now)
        found.update(zip(missing, (applicant.id for applicant in added), strict=True))
        return {caller: found[phone] for caller, phone in phones.items()}

    async def _store_new(
        self,
        uow: CasesUnitOfWork,
        *,
        type_id: int,
        type_name: str,
        source: CaseSource,
        now: datetime,
        by: int | None,
        details: CaseDetails | None,
        applicant_id: int | None,
        group_id: int | None,
        call_id: str | None,
    ) -> Case:
        # The allocation protocol: the counter upsert and the insert share this transaction.
        key = sequence_key(now, self.zone, type_id)
        number = await uow.cases.next_number(key)
        case = new_case(
            key=key,
            number=number,
            type_name=type_name,
            source=source,
            created_at=now,
            by=by,
            details=details,
            applicant_id=applicant_id,
            group_id=group_id,
            call_id=call_id,
        )
        return await uow.cases.add_case(case)

    # --- reading -------------------------------------------------------------------------------

    async def list(self, actor: Actor, request: ListRequest) -> CaseRows:
        now = self._clock.now()
        groups, user_id = list_scope(actor)
        since = request.since
        if request.last_24h:
            recent = now - RECENT
            since = recent if since is None else max(since, recent)
        query = CaseQuery(
            statuses=request.status.statuses,
            since=since,
            type_id=request.type_id,
            group_ids=groups,
            user_id=user_id,
            limit=max(1, min(request.limit, MAX_PAGE)),
            offset=max(0, request.offset),
        )
        query = with_search(query, request.q, self.zone)
        async with self._uow() as uow:
            return await uow.cases.list_cases(query)

    async def get(self, actor: Actor, case_id: int) -> CaseCard:
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="view_card", entity="case", entity_id=case_id
        ):
            return await self._get(actor, case_id)

    async def _get(self, actor: Actor, case_id: int) -> CaseCard:
        now = self._clock.now()
        async with self._uow() as uow:
            card = await load_card(uow, actor, case_id, now)
            await uow.commit()  # the audit entry of the personal data shown
        return card

    # --- changes -------------------------------------------------------------------------------

    async def update(
        self,
        actor: Actor,
        case_id: int,
        *,
        version: int,
        changes: Mapping[str, object],
        base: Mapping[str, object],
    ) -> CaseCard:
        """Edits case information (and the type) against the version the client loaded; a clash with a
        newer stored value raises EditConflict with the clashing fields and the current card."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="edit_card", entity="case", entity_id=case_id
        ):
            return await self._update(actor, case_id, version=version, changes=changes, base=base)

    async def _update(
        self,
        actor: Actor,
        case_id: int,
        *,
        version: int,
        changes: Mapping[str, object],
        base: Mapping[str, object],
    ) -> CaseCard:
        require_worker(actor)
        now = self._clock.now()
        async with self._uow() as uow:
            case = require_visible(actor, await uow.cases.get_case(case_id))
            stored = {**case.details.to_values(), "type_id": case.type_id}
            check = check_edit(
                stored_version=case.version, stored=stored, base_version=version, base=base, changes=changes
            )
            if check.conflict:
                raise EditConflict(check.clashes, await card_of(uow, actor, case, now))
            merged = dict(check.merged)
            type_id = merged.pop("type_id")
            problems: list[FieldProblem] = []
            details = _collect(problems, "", lambda: read_case_details(merged))
            if not isinstance(type_id, int) or isinstance(type_id, bool):
                problems.append(FieldProblem("type_id", "not_a_number", "ожидается номер повода"))
            elif type_id != case.type_id:
                await _type_name(uow, type_id, problems)
            if problems:
                raise InvalidFields(problems)
            assert details is not None
            assert isinstance(type_id, int)
            changed = update_details(case, details, at=now)
            changed = change_type(changed, type_id, by=actor.user_id, at=now)
            card = await self._save(uow, actor, case, changed, now)
        return card

    async def set_status(
        self, actor: Actor, case_id: int, *, status: CaseStatus | None, attention: bool | None
    ) -> CaseCard:
        """A status change and/or the «Внимание!» flag; each is a history row (who, when)."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="edit_card", entity="case", entity_id=case_id
        ):
            return await self._set_status(actor, case_id, status=status, attention=attention)

    async def _set_status(
        self, actor: Actor, case_id: int, *, status: CaseStatus | None, attention: bool | None
    ) -> CaseCard:
        require_worker(actor)
        now = self._clock.now()
        async with self._uow() as uow:
            case = require_visible(actor, await uow.cases.get_case(case_id))
            changed = case
            if status is not None:
                changed = change_status(changed, status, by=actor.user_id, at=now)
            if attention is not None:
                changed = set_attention(changed, attention, by=actor.user_id, at=now)
            return await self._save(uow, actor, case, changed, now)

    async def _save(
        self, uow: CasesUnitOfWork, actor: Actor, before: Case, after: Case, now: datetime
    ) -> CaseCard:
        if after is before:
            return await card_of(uow, actor, before, now)
        if not await uow.cases.save_case(before, after):
            # Another writer committed between our read and write: the version check in the UPDATE.
            raise Conflict("карточку только что изменил другой оператор: обновите её", code="edit_conflict")
        card = await card_of(uow, actor, after, now)
        await uow.commit()
        self._publisher.publish(case_event(CASE_UPDATED, card.row, now))
        if after.status is not before.status:
            assert after.id is not None
            self._internal.publish(status_changed(after))
        if after.call_ids and after.type_id != before.type_id:  # the board shows the card's type
            self._internal.publish(call_case_changed(card.row))
        return card

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()


def _collect(problems: list[FieldProblem], prefix: str, read: Callable[[], R]) -> R | None:
    try:
        return read()
    except InvalidFields as error:
        problems.extend(FieldProblem(prefix + p.path, p.code, p.message) for p in error.problems)
        return None


def _create_refs(actor: Actor, values: Mapping[str, object]) -> tuple[int, int | None, int | None]:
    problems: list[FieldProblem] = []
    type_id = values.get("type_id")
    if not isinstance(type_id, int) or isinstance(type_id, bool):
        problems.append(FieldProblem("type_id", "required", "выберите повод обращения"))
    group_id = values.get("group_id")
    if group_id is None:
        group_id = min(actor.group_ids) if actor.group_ids else None
    elif not isinstance(group_id, int) or group_id not in actor.group_ids:
        problems.append(FieldProblem("group_id", "forbidden", "можно выбрать только свою группу"))
    applicant_id = values.get("applicant_id")
    if applicant_id is not None and (not isinstance(applicant_id, int) or "applicant" in values):
        problems.append(FieldProblem("applicant_id", "invalid", "укажите либо заявителя, либо его данные"))
    if problems:
        raise InvalidFields(problems)
    assert isinstance(type_id, int)
    return (
        type_id,
        group_id if isinstance(group_id, int) else None,
        applicant_id if isinstance(applicant_id, int) else None,
    )


async def _type_name(uow: CasesUnitOfWork, type_id: int, problems: list[FieldProblem]) -> str:
    case_type = await uow.case_types.get(type_id)
    if case_type is None:
        problems.append(_UNKNOWN_TYPE)
        return ""
    return case_type.name


def with_search(query: CaseQuery, q: str, zone: tzinfo) -> CaseQuery:
    """What the search box means: a case name, a date, a phone number, or words of names and types.
    A date is the range of that hotline day, so the creation-time index answers it."""
    text = " ".join(q.split())
    if not text:
        return query
    if parse_case_name(text) is not None:
        return replace(query, name=text)
    day = parse_date(text)
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
        since = start if query.since is None else max(start, query.since)
        return replace(query, since=since, until=end)
    if sum(ch.isdigit() for ch in text) >= 10:
        try:
            return replace(query, phone=normalize_phone(text))
        except InvalidPhone:
            pass
    return replace(query, text=text)


@dataclass(frozen=True)
class CaseServices:
    """The case card use cases, as the HTTP layer is given them."""

    cards: CaseDesk
    applicants: ApplicantDesk
    questionnaires: Questionnaires
    calls: CallCards
    chats: ChatCards

    @classmethod
    def build(
        cls,
        uow_factory: UnitOfWorkFactory[CasesUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        zone: tzinfo,
        internal: InternalPublisher | None = None,
    ) -> CaseServices:
        """`internal`: where a call's card in work is announced (the senior's board shows it)."""
        desk = CaseDesk(uow_factory, clock, publisher, zone, internal)
        return cls(
            desk,
            ApplicantDesk(uow_factory, clock, publisher, zone),
            Questionnaires(uow_factory, clock, publisher, zone),
            CallCards(uow_factory, clock, publisher, desk, internal),
            ChatCards(uow_factory, clock, publisher, internal),
        )


def _call_details(description: str, origin: CallOrigin | None) -> CaseDetails | None:
    if origin is None:
        return CaseDetails(description=description) if description else None
    return CaseDetails(
        description=description,
        location_text=origin.location_text(),
        latitude=origin.latitude,
        longitude=origin.longitude,
    )
