"""Case statuses (OPS-11), the allowed changes between them and the groupings of the list filter (OPS-09)."""

from __future__ import annotations

from enum import StrEnum

from c122.domain.errors import DomainError


class CaseStatus(StrEnum):
    NEW = "new"
    IN_WORK = "in_work"
    REJECTED = "rejected"
    COMPLETED = "completed"
    CLOSED_BY_USER = "closed_by_user"
    REGISTERED = "registered"

    @property
    def label(self) -> str:
        """The name the desktop shows."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.NEW: "Новое обращение",
    CaseStatus.IN_WORK: "В работе",
    CaseStatus.REJECTED: "Отклонено",
    CaseStatus.COMPLETED: "Завершено",
    CaseStatus.CLOSED_BY_USER: "Закрыто пользователем",
    CaseStatus.REGISTERED: "Зарегистрировано",
}

ATTENTION_LABEL = "Внимание!"
"""The attention flag is listed with the statuses in the drop-down but is a separate flag on the case."""

ACTIVE_STATUSES = frozenset({CaseStatus.NEW, CaseStatus.IN_WORK})
INACTIVE_STATUSES = frozenset({CaseStatus.COMPLETED, CaseStatus.REJECTED, CaseStatus.CLOSED_BY_USER})
# `registered` is in neither group: the list filter shows it only under "any status".

_FINISHED = (CaseStatus.REJECTED, CaseStatus.COMPLETED, CaseStatus.CLOSED_BY_USER)

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.IN_WORK, CaseStatus.REGISTERED, *_FINISHED}),
    CaseStatus.IN_WORK: frozenset({CaseStatus.REGISTERED, *_FINISHED}),
    CaseStatus.REGISTERED: frozenset({CaseStatus.IN_WORK, *_FINISHED}),
    # A finished case is reopened into work (the applicant called back); it never goes back to "new".
    CaseStatus.REJECTED: frozenset({CaseStatus.IN_WORK}),
    CaseStatus.COMPLETED: frozenset({CaseStatus.IN_WORK}),
    CaseStatus.CLOSED_BY_USER: frozenset({CaseStatus.IN_WORK}),
}


class StatusFilter(StrEnum):
    """The status choice of the card list filter."""

    ANY = "any"
    ACTIVE = "active"
    INACTIVE = "inactive"

    @property
    def statuses(self) -> frozenset[CaseStatus]:
        if self is StatusFilter.ACTIVE:
            return ACTIVE_STATUSES
        if self is StatusFilter.INACTIVE:
            return INACTIVE_STATUSES
        return frozenset(CaseStatus)


class IllegalStatusChange(DomainError):
    code = "illegal_status_change"

    def __init__(self, current: CaseStatus, wanted: CaseStatus) -> None:
        super().__init__(f"нельзя сменить статус «{current.label}» на «{wanted.label}»")
        self.current = current
        self.wanted = wanted


def can_change_status(current: CaseStatus, wanted: CaseStatus) -> bool:
    return wanted in TRANSITIONS[current]


def check_status_change(current: CaseStatus, wanted: CaseStatus) -> None:
    """Raises IllegalStatusChange unless the change is in TRANSITIONS (setting the same status is not)."""
    if not can_change_status(current, wanted):
        raise IllegalStatusChange(current, wanted)
