"""What the user-defined reports need stored: the compiled queries of a definition and the saved reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from c122.domain.report_schedules import ScheduleStatus
from c122.domain.reports import Dataset, Key, ReportDefinition, ReportResult
from c122.domain.shifts import Shift
from c122.domain.users import Actor
from c122.services.ports import EntityRepository, UnitOfWork


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportScope:
    """Whose data a run reads: None — every group's (administrators); otherwise those groups' only."""

    group_ids: frozenset[int] | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DrillRow:
    """One call or case behind a cell."""

    id: str
    at: datetime
    kind: Dataset
    title: str
    """A call: its applicant's number; a case: its name."""
    status: str
    operator: str
    group: str
    figures: Mapping[str, float | None]
    """A call: wait_s, talk_s; a case: nothing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedReport:
    id: int
    owner_id: int
    owner_name: str
    name: str
    definition: Mapping[str, Any]
    """As stored (the API's JSON form): read back through the same checks as a new one."""
    view: Mapping[str, Any]
    shared_roles: tuple[str, ...]
    shared_group_ids: tuple[int, ...]
    created_at: datetime
    updated_at: datetime
    schedule: Mapping[str, Any] | None = None
    """The e-mail schedule as stored (domain/report_schedules.py); None: not sent."""
    schedule_status: ScheduleStatus | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedReportDraft:
    name: str
    definition: Mapping[str, Any]
    view: Mapping[str, Any]
    shared_roles: tuple[str, ...]
    shared_group_ids: tuple[int, ...]
    schedule: Mapping[str, Any] | None = None


class ReportRepository(Protocol):
    async def run(
        self, definition: ReportDefinition, scope: ReportScope, zone: ZoneInfo, shifts: list[Shift]
    ) -> ReportResult: ...

    async def drill(
        self,
        definition: ReportDefinition,
        scope: ReportScope,
        zone: ZoneInfo,
        shifts: list[Shift],
        keys: tuple[Key, ...],
        limit: int,
    ) -> tuple[list[DrillRow], int]:
        """The rows of the cell whose dimension values are `keys`, newest first, and how many there are."""
        ...

    async def saved(self) -> list[SavedReport]: ...

    async def get_saved(self, report_id: int) -> SavedReport | None: ...

    async def add_saved(
        self, owner_id: int, draft: SavedReportDraft, at: datetime, status: ScheduleStatus | None
    ) -> int: ...

    async def update_saved(
        self, report_id: int, draft: SavedReportDraft, at: datetime, status: ScheduleStatus | None
    ) -> None:
        """`status` (with its next send) is stored with the draft's schedule; None clears both."""
        ...

    async def due_schedules(self, at: datetime) -> list[SavedReport]:
        """Scheduled reports whose next send is at or before `at`, the earliest first."""
        ...

    async def set_schedule_status(self, report_id: int, status: ScheduleStatus) -> None: ...

    async def owner(self, user_id: int) -> Actor | None:
        """A report's owner as the actor its scheduled runs read as; None: the account is gone or off."""
        ...

    async def delete_saved(self, report_id: int) -> None: ...

    async def existing_groups(self, group_ids: tuple[int, ...]) -> set[int]: ...


class ReportsUnitOfWork(UnitOfWork, Protocol):
    @property
    def reports(self) -> ReportRepository: ...

    @property
    def shifts(self) -> EntityRepository[Shift]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class MailAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportMail:
    recipients: tuple[str, ...]
    subject: str
    body: str
    attachments: tuple[MailAttachment, ...]


class MailRefused(Exception):
    """The mail server could not be reached or refused the message; the text says why, for the report."""


class ReportMailer(Protocol):
    """Sends scheduled reports by e-mail through the configured SMTP server."""

    @property
    def unavailable(self) -> str | None:
        """Why nothing can be sent (no mail server configured), or None."""
        ...

    async def send(self, mail: ReportMail) -> None:
        """Raises MailRefused when the server is unreachable or refuses the message."""
        ...
