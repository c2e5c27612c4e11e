"""What the call journal needs: stored call records and the recording files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import NamedTuple, Protocol

from c122.domain.calls import (
    CallQuery,
    CallRecord,
    FilterOptions,
    JournalCount,
    JournalCursor,
    JournalPage,
    JournalRow,
    JournalScope,
)
from c122.services.ports import UnitOfWork


class CallRecordRepository(Protocol):
    """Call records with their legs (docs/contact-center/calls.md)."""

    async def save(self, record: CallRecord, zone: tzinfo) -> None:
        """Inserts the record or replaces the stored one, with all its legs, and the hotline day and
        minute of its start in `zone` (what reports group by). A wrap-up already stored is kept when
        the record brings none (the call flow writes 0: the operator's wrap-up ends after the call)."""
        ...

    async def save_many(self, records: Sequence[CallRecord], zone: tzinfo) -> None:
        """`save` of several records in one go (a later version of a call replacing an earlier one),
        in as many statements as one record takes."""
        ...

    async def set_wrap_ups(self, wrap_ups: Sequence[tuple[str, float]]) -> None:
        """The operators' wrap-ups after these calls (call id, seconds; the last of a call counts), in
        a fixed number of statements however many; nothing for a call without a record."""
        ...

    async def get(self, call_id: str) -> JournalRow | None: ...

    async def list_calls(self, query: CallQuery) -> JournalPage:
        """One page, newest first, within the query's scope and filter; nothing is counted."""
        ...

    async def count_calls(self, query: CallQuery) -> JournalCount:
        """How many calls the query's filter and scope match: exact up to a cap, or the database's
        estimate for a broad filter it can estimate well (the page and offset are ignored)."""
        ...

    async def export_names(self) -> ExportNames:
        """Every line's, group's, user's and case type's name: read once per export."""
        ...

    async def export_batch(self, query: CallQuery, after: JournalCursor | None, limit: int) -> ExportBatch:
        """Up to `limit` calls of the query after `after`, newest first, as plain rows (the page, offset and
        cursor of the query's filter are ignored), with their operators' legs and their cases."""
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

    async def uncompressed_recordings(self, ended_before: datetime, limit: int) -> list[RecordingToCompress]:
        """Calls ended before then whose recording has no stored (compressed) file yet, oldest first."""
        ...

    async def stored_recording(self, call_id: str) -> StoredRecording | None: ...

    async def store_recording(self, stored: StoredRecording) -> None: ...

    async def expired_recordings(
        self, group_cutoffs: Mapping[int, datetime], default_cutoff: datetime, limit: int
    ) -> list[StoredRecording]:
        """Recordings not deleted yet and stored before their group's cutoff (a group not among
        `group_cutoffs`, or none: `default_cutoff`), oldest first."""
        ...

    async def recording_deleted(self, call_id: str, at: datetime, reason: str) -> None: ...

    async def group_retention_days(self) -> dict[int, int]:
        """{group id: days} for the groups whose recording retention is set on the group itself."""
        ...


@dataclass(frozen=True)
class RecordingToCompress:
    call_id: str
    recording_path: str
    group_id: int | None


@dataclass(frozen=True)
class CompressedRecording:
    path: str
    """The compressed file, beside the WAV it was made from."""
    codec: str
    bytes: int
    wav_bytes: int
    sha256: str


@dataclass(frozen=True)
class StoredRecording:
    call_id: str
    path: str
    codec: str
    bytes: int
    wav_bytes: int
    sha256: str
    """Of the file as written; each read checks it."""
    group_id: int | None
    stored_at: datetime
    deleted_at: datetime | None = None
    deleted_reason: str | None = None


class RecordingFiles(Protocol):
    """Where call recordings are kept."""

    def locate(self, recording_path: str) -> str | None:
        """The absolute path of the stored recording file, or None when there is no such file."""
        ...

    def compress(self, wav_path: str) -> CompressedRecording:
        """The WAV as a compressed file beside it (the WAV is left); OSError or ValueError when it cannot
        be read or written. Blocking: called in a worker thread."""
        ...

    def digest(self, path: str) -> str | None:
        """The SHA-256 of the file as it is now; None when it is gone. Blocking."""
        ...

    def remove(self, path: str) -> None:
        """Deletes the file (nothing when it is gone already). Blocking."""
        ...

    def videos_beside(self, path: str) -> list[str]:
        """The recorded video files (absolute paths) of the call whose audio recording is `path`, whether
        or not the audio file itself is still there. Blocking."""
        ...

    def video_readable(self, path: str) -> bool:
        """The recorded video file opens and its first picture decodes. Blocking."""
        ...


class CallsUnitOfWork(UnitOfWork, Protocol):
    @property
    def calls(self) -> CallRecordRepository: ...


class ExportCall(NamedTuple):
    """A call as an export reads it: its own columns only, the names they refer to looked up apart."""

    id: str
    started_at: datetime
    direction: str
    status: str
    caller: str
    called: str
    line_number: str | None
    ivr_choice: str | None
    group_id: int | None
    operator_id: int | None
    case_type_id: int | None
    wait_s: float
    talk_s: float


class ExportCase(NamedTuple):
    name: str
    type_name: str
    status: str
    source: str
    applicant: str
    """The applicant's full name ("" when the case has none)."""


@dataclass(frozen=True)
class ExportBatch:
    calls: Sequence[ExportCall]
    parties: Mapping[str, Sequence[str]]
    """Per call id, the parties of its legs an operator talked on (OWN_LEG_ROLES), in leg order, other
    than the call's own operator (the record names them); calls with none are absent."""
    cases: Mapping[str, Sequence[ExportCase]]
    """Per call id, its cases by id."""


@dataclass(frozen=True)
class ExportNames:
    lines: Mapping[str, str]
    """By number."""
    groups: Mapping[int, str]
    users: Mapping[int, str]
    case_types: Mapping[int, str]
