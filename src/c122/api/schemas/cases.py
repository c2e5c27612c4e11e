"""Request and response bodies of the case card API. Shapes only: the domain checks the content and
answers with Russian per-field messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from c122.api.bounded import Count, Id
from c122.domain.cases import format_snils
from c122.services.cases.applicants import ApplicantView
from c122.services.cases.cards import CaseCard
from c122.services.cases.events import case_summary
from c122.services.cases.ports import CaseRow, StoredApplicant

CaseStatusName = Literal["new", "in_work", "rejected", "completed", "closed_by_user", "registered"]
CaseSourceName = Literal["mobile_app", "pstn", "web", "sms", "messenger"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CaseSummaryOut(BaseModel):
    """One row of the card list and the payload of `case.created` / `case.updated`."""

    id: int
    name: str
    number: int
    day: date
    type_id: int
    type_name: str
    type_icon: str
    type_changed: bool
    status: CaseStatusName
    status_label: str
    attention: bool
    missed: bool
    """Its call ended before any operator answered (TEL-14)."""
    source: CaseSourceName
    applicant_id: int | None
    applicant_name: str
    applicant_phone: str
    operator_id: int | None
    group_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class CasePageOut(BaseModel):
    items: list[CaseSummaryOut]
    total: int
    total_capped: bool = False
    """True: more than `total` cases match (counting stops there); the desktop shows "более 1000"."""


class EmergencyContactIO(Strict):
    name: str
    relation: str = ""
    phone: str


class ApplicantIn(Strict):
    last_name: str | None = None
    first_name: str | None = None
    patronymic: str | None = None
    birth_date: str | None = Field(None, description="2024-09-12 or 12.09.2024")
    phones: list[str] | None = None
    oms: str | None = None
    snils: str | None = None
    health_info: str | None = None
    home_address: str | None = None
    emergency_contacts: list[EmergencyContactIO] | None = None


class CaseCreateIn(Strict):
    type_id: Id
    group_id: Id | None = None
    applicant_id: Id | None = None
    applicant: ApplicantIn | None = None
    description: str | None = None
    operator_comment: str | None = None
    address: str | None = None
    location_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class EditIn(Strict):
    """An edit of the fields in `changes`, made on the loaded `version`; `base` holds the values the
    client saw for those fields, so an edit of a newer version can be merged when nothing clashes."""

    version: Count
    changes: dict[str, Any]
    base: dict[str, Any] = {}


class CaseStatusIn(Strict):
    status: CaseStatusName | None = None
    attention: bool | None = None


class StatusChangeOut(BaseModel):
    status: CaseStatusName
    status_label: str
    attention: bool
    by: int | None
    at: datetime


class TypeChangeOut(BaseModel):
    from_type_id: int
    to_type_id: int
    by: int | None
    at: datetime


class HandoverOut(BaseModel):
    """One row of who had the card as it followed its call (OPS-20)."""

    from_user_id: int | None
    from_name: str
    to_user_id: int
    to_name: str
    kind: Literal["answered", "queue", "blind", "consulted", "chat"]
    call_id: str | None
    at: datetime


class ApplicantOut(BaseModel):
    id: int
    version: int
    full_name: str
    last_name: str
    first_name: str
    patronymic: str
    birth_date: date | None
    phones: list[str]
    oms: str
    snils: str
    snils_formatted: str
    health_info: str
    home_address: str
    emergency_contacts: list[EmergencyContactIO]
    personal_data_visible: bool
    """False: health information, SNILS and OMS are blank because this user may not see them."""


class AnswerSheetOut(BaseModel):
    script_id: int
    script_version: int
    answers: dict[str, Any]


class CaseCardOut(BaseModel):
    case: CaseSummaryOut
    description: str
    operator_comment: str
    address: str
    location_text: str
    latitude: float | None
    longitude: float | None
    call_ids: list[str]
    message_ids: list[str]
    status_history: list[StatusChangeOut]
    type_history: list[TypeChangeOut]
    handovers: list[HandoverOut]
    applicant: ApplicantOut | None
    answers: list[AnswerSheetOut]


class ApplicantViewOut(BaseModel):
    applicant: ApplicantOut
    history: list[CaseSummaryOut]
    contacts_24h: int


class FieldClashOut(BaseModel):
    path: str
    base: Any
    theirs: Any
    mine: Any


class CaseConflictOut(BaseModel):
    code: Literal["edit_conflict"]
    message: str
    clashes: list[FieldClashOut]
    current: CaseCardOut | None


class ApplicantConflictOut(BaseModel):
    code: Literal["edit_conflict"]
    message: str
    clashes: list[FieldClashOut]
    current: ApplicantViewOut


class BranchIO(Strict):
    when: str
    goto: str


class QuestionIO(Strict):
    id: str
    text: str
    kind: Literal["text", "choice", "date", "number", "yes_no"]
    choices: list[str] = []
    binding: str | None = None
    branches: list[BranchIO] = []


class ScriptIn(Strict):
    script_id: Id | None = Field(None, description="None: a new script; else the script to revise")
    version: Count | None = Field(None, description="The version the editor loaded (required to revise)")
    title: str
    questions: list[QuestionIO]


class ScriptOut(BaseModel):
    id: int
    case_type_id: int
    title: str
    version: int
    questions: list[QuestionIO]


class AnswersIn(Strict):
    script_id: Id
    script_version: Count | None = Field(None, description="The version answered; None: the current one")
    answers: dict[str, Any]


# --- conversions ---------------------------------------------------------------------------------


def summary_out(row: CaseRow) -> dict[str, Any]:
    return case_summary(row)


def applicant_out(stored: StoredApplicant, personal: bool) -> dict[str, Any]:
    data = stored.data
    return {
        **data.to_values(),
        "birth_date": data.birth_date,
        "id": stored.id,
        "version": stored.version,
        "full_name": data.full_name,
        "snils_formatted": format_snils(data.snils) if data.snils else "",
        "personal_data_visible": personal,
    }


def card_out(card: CaseCard) -> dict[str, Any]:
    case = card.case
    return {
        "case": summary_out(card.row),
        **case.details.to_values(),
        "call_ids": list(case.call_ids),
        "message_ids": list(case.message_ids),
        "status_history": [
            {
                "status": h.status.value,
                "status_label": h.status.label,
                "attention": h.attention,
                "by": h.by,
                "at": h.at,
            }
            for h in case.status_history
        ],
        "type_history": [
            {"from_type_id": h.from_type_id, "to_type_id": h.to_type_id, "by": h.by, "at": h.at}
            for h in case.type_history
        ],
        "handovers": [
            {
                "from_user_id": h.from_user_id,
                "from_name": card.people.get(h.from_user_id, "") if h.from_user_id else "",
                "to_user_id": h.to_user_id,
                "to_name": card.people.get(h.to_user_id, ""),
                "kind": h.kind.value,
                "call_id": h.call_id,
                "at": h.at,
            }
            for h in case.handovers
        ],
        "applicant": applicant_out(card.applicant, card.personal) if card.applicant else None,
        "answers": [
            {"script_id": sheet.script_id, "script_version": sheet.script_version, "answers": raw}
            for sheet, raw in card.answers
        ],
    }


def applicant_view_out(view: ApplicantView) -> dict[str, Any]:
    return {
        "applicant": applicant_out(view.applicant, view.personal),
        "history": [summary_out(row) for row in view.history],
        "contacts_24h": view.contacts_24h,
    }


class CaseEventData(BaseModel):
    """`case.created` and `case.updated`: the whole card summary, so applying one twice is harmless."""

    case: CaseSummaryOut


class CaseHandedOverData(BaseModel):
    """`case.handed_over`, to the operator a call was transferred to: the desk opens this card."""

    user_id: int
    case_id: int
    call_id: str
    from_user_id: int | None
    from_name: str
    caller: str
    service_number: str
    service_name: str
    group_name: str
