"""What a tabular export needs: a writer per file format (csv, xlsx, pdf) and the source of its rows.
The call journal exports through it now; the statistics' reports reuse the same writers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, Literal, Protocol, get_args

from c122.domain.users import Actor

ExportFormat = Literal["csv", "xlsx", "pdf"]
EXPORT_FORMATS: Final[tuple[ExportFormat, ...]] = get_args(ExportFormat)
MEDIA_TYPES: Final[dict[ExportFormat, str]] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
PDF_MAX_ROWS: Final = 5_000
"""A longer PDF table is unreadable and slow to lay out: such an export is refused, xlsx suggested."""

Cell = str | int | float | datetime | None
Row = Sequence[Cell]


@dataclass(frozen=True)
class ExportColumn:
    title: str
    width: int = 14
    """In characters (xlsx column width; PDF columns share the page in this proportion)."""
    duration: bool = False
    """Seconds shown as a duration: h:mm:ss text in csv and pdf, a time cell in xlsx."""


@dataclass(frozen=True)
class ExportHeader:
    """What the file says about itself above the table: its title, the filters, who exported it and when."""

    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ExportSpec:
    format: ExportFormat
    filename: str
    """Without the extension: `calls-2026-09-12`."""
    header: ExportHeader
    columns: tuple[ExportColumn, ...]
    expected_rows: int
    """As counted before the export (may be a cap): decides between answering at once and a job."""


class TableWriter(Protocol):
    """One file being written; rows arrive in batches and are not kept."""

    def write_rows(self, rows: Sequence[Row]) -> None: ...

    def close(self) -> None:
        """Finishes the file."""
        ...


class TableWriters(Protocol):
    def open(self, spec: ExportSpec, path: Path) -> TableWriter: ...


RowBatches = AsyncIterator[Sequence[Row]]


@dataclass(frozen=True)
class ExportSource:
    """Where a job's rows come from, as JSON values: enough to read them again after a restart.
    `kind` names the reader registered with the jobs (`calls`: the call journal), `params` its query."""

    kind: str
    params: Mapping[str, object]


SourceReader = Callable[[Mapping[str, object]], RowBatches]
"""Reads a source's rows again from its `params` (ValueError when they are not its own)."""


@dataclass(frozen=True)
class StoredExport:
    job: ExportJob
    spec: ExportSpec
    source: ExportSource | None


class ExportJobStore(Protocol):
    """Where export jobs are kept across restarts: each job's state, the spec of its file and its
    source. Written when a job starts, at each batch and when it ends."""

    def save(self, stored: StoredExport) -> None: ...

    def load(self) -> list[StoredExport]:
        """Every stored job; one that cannot be read back is left out (and logged)."""
        ...

    def forget(self, job_id: str) -> None: ...


class Exports(Protocol):
    """Runs an export: at once when it is small, otherwise as a background job (`in_progress`, then
    `finished` with a download link or `failed`) whose progress goes to its owner's event stream."""

    async def export(
        self, owner: Actor, spec: ExportSpec, batches: RowBatches, source: ExportSource | None = None
    ) -> ExportJob:
        """With a `source` whose kind has a reader, a background job interrupted by a restart is
        started again from its first row when the server is back; without one it is marked failed."""
        ...


@dataclass(frozen=True)
class ExportJob:
    id: str
    owner_id: int
    format: ExportFormat
    filename: str
    status: Literal["in_progress", "finished", "failed"]
    rows: int
    expected_rows: int
    started_at: datetime
    path: Path | None = None
    """The finished file (None until finished)."""
    error: str | None = None
    """Why it failed: the error's name, or `interrupted_by_restart`."""
    resumed: int = 0
    """How many times a restart started it again."""

    @property
    def download_name(self) -> str:
        return f"{self.filename}.{self.format}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]
