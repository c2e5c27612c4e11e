"""The case (обращение): its name and number, type (повод) with history, status with history, the
attention flag, source, details and links. Changes are pure functions returning a new Case."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from c122.domain.cases.details import CaseDetails
from c122.domain.cases.naming import SequenceKey, format_case_name
from c122.domain.cases.status import ACTIVE_STATUSES, CaseStatus, check_status_change


class CaseSource(StrEnum):
    MOBILE_APP = "mobile_app"
    PSTN = "pstn"
    WEB = "web"
    SMS = "sms"
    MESSENGER = "messenger"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS: dict[CaseSource, str] = {
    CaseSource.MOBILE_APP: "Мобильное приложение (SIP-звонок)",
    CaseSource.PSTN: "ТфОП-звонок",
    CaseSource.WEB: "Веб-интерфейс",
    CaseSource.SMS: "SMS",
    CaseSource.MESSENGER: "Мессенджер",
}


@dataclass(frozen=True)
class StatusChange:
    """One row of the status history: the status and attention flag after the change, who and when.

    `by` is a user id; None means the system or the applicant (closed from the mobile app)."""

    status: CaseStatus
    attention: bool
    by: int | None
    at: datetime


@dataclass(frozen=True)
class TypeChange:
    from_type_id: int
    to_type_id: int
    by: int | None
    at: datetime


class HandoverKind(StrEnum):
    """How a card reached its operator: with its call (OPS-20, TEL-12) or with its chat (OPS-25)."""

    ANSWERED = "answered"  # the operator answered the call the card was opened for
    QUEUE = "queue"  # the call was sent to a queue and answered there
    BLIND = "blind"  # put straight through to a colleague
    CONSULTED = "consulted"  # handed to the colleague after talking to them
    CHAT = "chat"  # the operator accepted the applicant's chat from a text queue (no call)


@dataclass(frozen=True)
class Handover:
    """One row of who had the card: from whom (None: nobody yet) to whom, with which call, how, when."""

    from_user_id: int | None
    to_user_id: int
    kind: HandoverKind
    call_id: str | None
    at: datetime


@dataclass(frozen=True)
class CallFacts:
    """What a desk shows of the call a card was handed over with (fig. 39)."""

    caller: str
    service_number: str
    service_name: str = ""


@dataclass(frozen=True)
class Case:
    id: int | None
    """None until stored."""
    name: str
    """Fixed at creation: a later type change or type rename does not touch it."""
    key: SequenceKey
    number: int
    type_id: int
    source: CaseSource
    status: CaseStatus
    attention: bool
    details: CaseDetails
    applicant_id: int | None
    operator_id: int | None
    group_id: int | None
    """The group that handles it (the queue's group for a call, the creator's for a web case): seniors see
    only their groups' cases."""
    created_at: datetime
    updated_at: datetime
    version: int = 1
    status_history: tuple[StatusChange, ...] = ()
    type_history: tuple[TypeChange, ...] = ()
    call_ids: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    missed: bool = False
    """Its call ended before any operator answered it (TEL-14): the card stays, marked missed."""
    handovers: tuple[Handover, ...] = ()

    @property
    def type_changed(self) -> bool:
        """The list shows `*` after the name once the type was changed, even if changed back later."""
        return bool(self.type_history)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def new_case(
    *,
    key: SequenceKey,
    number: int,
    type_name: str,
    source: CaseSource,
    created_at: datetime,
    by: int | None,
    details: CaseDetails | None = None,
    applicant_id: int | None = None,
    operator_id: int | None = None,
    group_id: int | None = None,
    call_id: str | None = None,
) -> Case:
    """A new case with the number allocated for `key`; `by` is the creating operator (None: a call)."""
    return Case(
        id=None,
        name=format_case_name(key.day, type_name, number),
        key=key,
        number=number,
        type_id=key.type_id,
        source=source,
        status=CaseStatus.NEW,
        attention=False,
        details=details or CaseDetails(),
        applicant_id=applicant_id,
        operator_id=operator_id,
        group_id=group_id,
        created_at=created_at,
        updated_at=created_at,
        status_history=(StatusChange(CaseStatus.NEW, False, by, created_at),),
        call_ids=(call_id,) if call_id else (),
    )


def change_status(case: Case, wanted: CaseStatus, *, by: int | None, at: datetime) -> Case:
    """Raises IllegalStatusChange for a change not in TRANSITIONS. Taking a case into work assigns it to
    the operator who did it, so it appears in their "cards in work" switcher (OPS-12)."""
    check_status_change(case.status, wanted)
    operator_id = by if wanted is CaseStatus.IN_WORK and by is not None else case.operator_id
    return _touched(
        case,
        at,
        status=wanted,
        operator_id=operator_id,
        status_history=(*case.status_history, StatusChange(wanted, case.attention, by, at)),
    )


def set_attention(case: Case, on: bool, *, by: int | None, at: datetime) -> Case:
    """Sets or clears «Внимание!» in any status; returns the case itself when nothing changes."""
    if case.attention is on:
        return case
    return _touched(
        case,
        at,
        attention=on,
        status_history=(*case.status_history, StatusChange(case.status, on, by, at)),
    )


def change_type(case: Case, type_id: int, *, by: int | None, at: datetime) -> Case:
    """Keeps the name and number; records the change, which sets the `*` mark. Same type: unchanged."""
    if type_id == case.type_id:
        return case
    return _touched(
        case,
        at,
        type_id=type_id,
        type_history=(*case.type_history, TypeChange(case.type_id, type_id, by, at)),
    )


def hand_over(case: Case, to_user_id: int, *, kind: HandoverKind, call_id: str | None, at: datetime) -> Case:
    """The card follows its call to `to_user_id` (assigned to them, a history row); the same holder:
    unchanged. A card handed over is no longer missed: someone has it."""
    if case.operator_id == to_user_id and case.handovers:
        return case
    row = Handover(case.operator_id, to_user_id, kind, call_id, at)
    return _touched(case, at, operator_id=to_user_id, missed=False, handovers=(*case.handovers, row))


def take_chat(case: Case, user_id: int, *, at: datetime) -> Case:
    """An operator accepted the case's chat from a text queue: the card is theirs (a history row when it
    had another holder) and, while new or registered, «в работе» by them, as a card taken into work."""
    taken = hand_over(case, user_id, kind=HandoverKind.CHAT, call_id=None, at=at)
    if taken.status in (CaseStatus.NEW, CaseStatus.REGISTERED):
        taken = change_status(taken, CaseStatus.IN_WORK, by=user_id, at=at)
    return taken


def mark_missed(case: Case, *, at: datetime) -> Case:
    """Nobody answered the card's call; a card someone already has is not missed."""
    if case.missed or case.handovers:
        return case
    return _touched(case, at, missed=True)


def update_details(case: Case, details: CaseDetails, *, at: datetime) -> Case:
    return case if details == case.details else _touched(case, at, details=details)


def link_call(case: Case, call_id: str, *, at: datetime) -> Case:
    return case if call_id in case.call_ids else _touched(case, at, call_ids=(*case.call_ids, call_id))


def link_message(case: Case, message_id: str, *, at: datetime) -> Case:
    if message_id in case.message_ids:
        return case
    return _touched(case, at, message_ids=(*case.message_ids, message_id))


def _touched(case: Case, at: datetime, **changes: object) -> Case:
    # Every stored change bumps the version the optimistic edit check compares against.
    return replace(case, updated_at=at, version=case.version + 1, **changes)  # type: ignore[arg-type]
