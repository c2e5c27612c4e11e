"""The card summary the list shows, and the `case.created` / `case.updated` events that carry it.

An event carries the whole summary, so a desktop that applies it twice ends in the same state. The
summary holds no health information, SNILS or OMS: it goes to every desktop of the case's group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from c122.domain.cases import CallFacts, Case
from c122.services.cases.ports import CaseRow
from c122.services.events import Audience, OutboundEvent

CASE_CREATED = "case.created"
CASE_UPDATED = "case.updated"
CASE_HANDED_OVER = "case.handed_over"


@dataclass(frozen=True, slots=True)
class CallCaseChanged:
    """A call's card was handed to the operator taking it, linked to a call they placed, or changed
    (its type): the call distribution shows it on the senior's board as the operator's case in work
    (contact_center/reactions.py). Internal: no personal data leaves with it."""

    call_ids: tuple[str, ...]
    case_id: int
    name: str
    number: int
    type_name: str


@dataclass(frozen=True, slots=True)
class CaseStatusChanged:
    """A card's status changed (after commit): the applicant's app learns of it (push/reactions.py); a
    card no longer active ends its chat in the distribution (contact_center/reactions.py)."""

    case_id: int
    name: str
    status_label: str
    active: bool = True


def status_changed(case: Case) -> CaseStatusChanged:
    assert case.id is not None
    return CaseStatusChanged(case.id, case.name, case.status.label, case.is_active)


def call_case_changed(row: CaseRow, call_ids: tuple[str, ...] | None = None) -> CallCaseChanged:
    case = row.case
    assert case.id is not None
    return CallCaseChanged(
        call_ids if call_ids is not None else tuple(case.call_ids),
        case.id,
        case.name,
        case.number,
        row.type_name,
    )


def case_summary(row: CaseRow) -> dict[str, Any]:
    case = row.case
    return {
        "id": case.id,
        "name": case.name,
        "number": case.number,
        "day": case.key.day.isoformat(),
        "type_id": case.type_id,
        "type_name": row.type_name,
        "type_icon": row.type_icon,
        "type_changed": row.type_changed,
        "status": case.status.value,
        "status_label": case.status.label,
        "attention": case.attention,
        "missed": case.missed,
        "source": case.source.value,
        "applicant_id": case.applicant_id,
        "applicant_name": row.applicant_name,
        "applicant_phone": row.applicant_phone,
        "operator_id": case.operator_id,
        "group_id": case.group_id,
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        "version": case.version,
    }


def case_audience(row: CaseRow) -> Audience:
    """The case's group and its assigned operator (administrators see every event)."""
    case = row.case
    return Audience(
        user_ids=frozenset({case.operator_id}) if case.operator_id is not None else frozenset(),
        group_ids=frozenset({case.group_id}) if case.group_id is not None else frozenset(),
    )


def case_event(event_type: str, row: CaseRow, at: datetime) -> OutboundEvent:
    return OutboundEvent(event_type, {"case": case_summary(row)}, case_audience(row), at)


def handed_over_event(
    case: Case,
    to_user_id: int,
    from_user_id: int | None,
    call_id: str,
    call: CallFacts,
    names: tuple[str, str],
    at: datetime,
) -> OutboundEvent:
    """`case.handed_over`, to the colleague a call was transferred to: their desk opens the card and
    shows the call as the first desk saw it (names: the transferring operator's and the group's)."""
    from_name, group_name = names
    return OutboundEvent(
        CASE_HANDED_OVER,
        {
            "user_id": to_user_id,
            "case_id": case.id,
            "call_id": call_id,
            "from_user_id": from_user_id,
            "from_name": from_name,
            "caller": call.caller,
            "service_number": call.service_number,
            "service_name": call.service_name,
            "group_name": group_name,
        },
        Audience(user_ids=frozenset({to_user_id})),
        at,
    )
