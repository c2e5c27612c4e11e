"""What the use cases of case cards share: the card as one desk sees it, loading it with the access
rules applied (and the audit entry when personal data is shown), and the applicant's masking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from c122.domain.cases import AnswerSheet, ApplicantData, Case
from c122.domain.errors import NotFound
from c122.domain.users import Actor
from c122.services.cases.access import PERSONAL_FIELDS, require_visible, sees_personal_data
from c122.services.cases.ports import CaseRow, CasesUnitOfWork, StoredApplicant


@dataclass(frozen=True)
class CaseCard:
    """A case with its applicant as `actor` may see them: `personal` False means health information,
    SNILS and OMS were blanked."""

    row: CaseRow
    applicant: StoredApplicant | None
    personal: bool
    answers: Sequence[tuple[AnswerSheet, dict[str, object]]]
    people: Mapping[int, str] = field(default_factory=dict)
    """The names of the operators in the card's handover history, by user id."""

    @property
    def case(self) -> Case:
        return self.row.case


def masked(data: ApplicantData) -> ApplicantData:
    return replace(data, health_info="", snils="", oms="")


async def audit_personal_view(
    uow: CasesUnitOfWork,
    actor: Actor,
    applicant: StoredApplicant,
    at: datetime,
    action: str,
    case_id: int | None,
) -> None:
    await uow.audit.record(
        at=at,
        actor_id=actor.user_id,
        action=action,
        entity="applicant",
        entity_id=str(applicant.id),
        detail={"fields": list(PERSONAL_FIELDS), "case_id": case_id},
    )


async def load_card(uow: CasesUnitOfWork, actor: Actor, case_id: int, at: datetime) -> CaseCard:
    """The full case as `actor` may see it (NotFound if not at all); shown personal data is audited."""
    case = require_visible(actor, await uow.cases.get_case(case_id))
    return await card_of(uow, actor, case, at)


async def card_of(uow: CasesUnitOfWork, actor: Actor, case: Case, at: datetime) -> CaseCard:
    assert case.id is not None
    row = await uow.cases.row(case.id)
    if row is None:
        raise NotFound("no such case")
    # The row carries no history; the card shows it in full.
    row = replace(row, case=case)
    applicant = await uow.cases.get_applicant(case.applicant_id) if case.applicant_id else None
    personal = sees_personal_data(actor, case)
    if applicant is not None:
        if personal:
            await audit_personal_view(uow, actor, applicant, at, "view_personal_data", case.id)
        else:
            applicant = replace(applicant, data=masked(applicant.data))
    return CaseCard(row, applicant, personal, await uow.cases.answers(case.id), await _people(uow, case))


async def _people(uow: CasesUnitOfWork, case: Case) -> dict[int, str]:
    ids = {h.to_user_id for h in case.handovers} | {h.from_user_id for h in case.handovers if h.from_user_id}
    if not ids:
        return {}
    return {user.id: user.full_name for user in await uow.users.list_by_ids(frozenset(ids))}
