"""Use cases of applicants (OPS-13, OPS-14, OPS-17): the applicant panel with its case history and the
number of contacts in the last 24 hours, and edits with optimistic versions."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from c122.domain.cases import RECENT, FieldClash, StatusFilter, check_edit, contacts_within, read_applicant
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, Forbidden, NotFound
from c122.domain.users import Actor
from c122.services.access_audit import refusals_audited
from c122.services.cases.access import PERSONAL_FIELDS, list_scope, require_worker, sees_personal_data
from c122.services.cases.cards import audit_personal_view, masked
from c122.services.cases.events import CASE_UPDATED, case_event
from c122.services.cases.ports import CaseQuery, CaseRow, CasesUnitOfWork, StoredApplicant
from c122.services.events import EventPublisher
from c122.services.ports import UnitOfWorkFactory

HISTORY_LIMIT = 50


@dataclass(frozen=True)
class ApplicantView:
    applicant: StoredApplicant
    personal: bool
    history: list[CaseRow]
    """The applicant's cases the viewer may see, newest first."""
    contacts_24h: int


class ApplicantConflict(Conflict):
    code = "edit_conflict"

    def __init__(self, clashes: tuple[FieldClash, ...], current: ApplicantView) -> None:
        super().__init__("данные заявителя изменил другой оператор: обновите их или объедините изменения")
        self.clashes = clashes
        self.current = current


class ApplicantDesk:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CasesUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        zone: tzinfo,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._zone = zone

    async def get(self, actor: Actor, applicant_id: int) -> ApplicantView:
        async with self._refusals(actor, "view_applicant", applicant_id):
            return await self._get(actor, applicant_id)

    async def _get(self, actor: Actor, applicant_id: int) -> ApplicantView:
        now = self._clock.now()
        async with self._uow() as uow:
            view = await self._view(uow, actor, applicant_id, now)
            await uow.commit()  # the audit entry of the personal data shown
        return view

    async def update(
        self,
        actor: Actor,
        applicant_id: int,
        *,
        version: int,
        changes: Mapping[str, object],
        base: Mapping[str, object],
    ) -> ApplicantView:
        async with self._refusals(actor, "edit_applicant", applicant_id):
            return await self._update(actor, applicant_id, version=version, changes=changes, base=base)

    def _refusals(self, actor: Actor, wanted: str, applicant_id: int) -> AbstractAsyncContextManager[None]:
        return refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity="applicant", entity_id=applicant_id
        )

    async def _update(
        self,
        actor: Actor,
        applicant_id: int,
        *,
        version: int,
        changes: Mapping[str, object],
        base: Mapping[str, object],
    ) -> ApplicantView:
        require_worker(actor)
        now = self._clock.now()
        async with self._uow() as uow:
            view = await self._view(uow, actor, applicant_id, now, audit=False)
            if not view.personal and any(field in changes for field in PERSONAL_FIELDS):
                raise Forbidden(
                    "медицинские данные, СНИЛС и полис ОМС может менять только тот, кто ведёт обращение"
                )
            stored = await uow.cases.get_applicant(applicant_id)
            assert stored is not None
            check = check_edit(
                stored_version=stored.version,
                stored=stored.data.to_values(),
                base_version=version,
                base=base,
                changes=changes,
            )
            if check.conflict:
                raise ApplicantConflict(check.clashes, view)
            data = read_applicant(check.merged, today=now.astimezone(self._zone).date())
            saved = await uow.cases.save_applicant(stored, data, now) if data != stored.data else stored
            if saved is None:
                raise Conflict(
                    "данные заявителя только что изменил другой оператор: обновите их", code="edit_conflict"
                )
            result = await self._view(uow, actor, applicant_id, now, audit=saved is not stored)
            await uow.commit()
        if saved is not stored:
            for row in result.history:
                self._publisher.publish(case_event(CASE_UPDATED, row, now))
        return result

    async def _view(
        self, uow: CasesUnitOfWork, actor: Actor, applicant_id: int, now: datetime, *, audit: bool = True
    ) -> ApplicantView:
        """NotFound unless the actor sees at least one of the applicant's cases."""
        applicant = await uow.cases.get_applicant(applicant_id)
        history = await visible_cases(uow, actor, applicant_id)
        if applicant is None or not history:
            raise NotFound("no such applicant")
        personal = any(sees_personal_data(actor, row.case) for row in history)
        if personal and audit:
            await audit_personal_view(uow, actor, applicant, now, "view_personal_data", None)
        if not personal:
            applicant = replace(applicant, data=masked(applicant.data))
        times = await uow.cases.contact_times(applicant_id, now - RECENT)
        return ApplicantView(applicant, personal, history, contacts_within(times, now))


async def visible_cases(uow: CasesUnitOfWork, actor: Actor, applicant_id: int) -> list[CaseRow]:
    """The applicant's cases the actor sees (the case access rule), newest first: an applicant is
    visible exactly when this is not empty."""
    groups, user_id = list_scope(actor)
    query = CaseQuery(
        statuses=StatusFilter.ANY.statuses,
        applicant_id=applicant_id,
        group_ids=groups,
        user_id=user_id,
        limit=HISTORY_LIMIT,
    )
    return (await uow.cases.list_cases(query)).items


async def may_attach_applicant(uow: CasesUnitOfWork, actor: Actor, applicant_id: int) -> bool:
    """A new card is unassigned in the actor's group, so it would show the applicant's health
    information, SNILS and OMS to the actor and the group: only one who already sees them through one
    of the applicant's cases may attach the applicant to a new case."""
    if await uow.cases.get_applicant(applicant_id) is None:
        return False
    return any(sees_personal_data(actor, row.case) for row in await visible_cases(uow, actor, applicant_id))
