"""What the user-defined reports need stored: the compiled queries of a definition and the saved reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from c122.domain.reports import Dataset, Key, ReportDefinition, ReportResult
from c122.domain.shifts import Shift
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


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedReportDraft:
    name: str
    definition: Mapping[str, Any]
    view: Mapping[str, Any]
    shared_roles: tuple[str, ...]
    shared_group_ids: tuple[int, ...]


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

    async def add_saved(self, owner_id: int, draft: SavedReportDraft, at: datetime) -> int: ...

    async def update_saved(self, report_id: int, draft: SavedReportDraft, at: datetime) -> None: ...

    async def delete_saved(self, report_id: int) -> None: ...

    async def existing_groups(self, group_ids: tuple[int, ...]) -> set[int]: ...


class ReportsUnitOfWork(UnitOfWork, Protocol):
    @property
    def reports(self) -> ReportRepository: ...

    @property
    def shifts(self) -> EntityRepository[Shift]: ...
