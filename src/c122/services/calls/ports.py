"""What the call journal needs: stored call records and the recording files."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from c122.domain.calls import CallQuery, CallRecord, FilterOptions, JournalPage, JournalRow, JournalScope
from c122.services.ports import UnitOfWork


class CallRecordRepository(Protocol):
    """Call records with their legs (docs/contact-center/calls.md)."""

    async def save(self, record: CallRecord) -> None:
        """Inserts the record or replaces the stored one, with all its legs."""
        ...

    async def get(self, call_id: str) -> JournalRow | None: ...

    async def list_calls(self, query: CallQuery) -> JournalPage:
        """One page, newest first, within the query's scope and filter."""
        ...

    async def filter_options(self, scope: JournalScope) -> FilterOptions:
        """Groups and operators within the scope (an operator: themselves), every line and case type."""
        ...

    async def names(
        self, *, user_ids: Iterable[int] = (), group_id: int | None = None, case_type_id: int | None = None
    ) -> dict[str, str]:
        """Readable names for an export's header: `user:<id>`, `group`, `case_type` (missing: unknown)."""
        ...

    async def active(self) -> list[CallRecord]:
        """Every record still `active`, with its legs (after a restart: the calls it cut off)."""
        ...


class RecordingFiles(Protocol):
    """Where call recordings are kept."""

    def locate(self, recording_path: str) -> str | None:
        """The absolute path of the stored recording file, or None when there is no such file."""
        ...


class CallsUnitOfWork(UnitOfWork, Protocol):
    @property
    def calls(self) -> CallRecordRepository: ...
