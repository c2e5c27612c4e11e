"""Export jobs kept beside their files: one JSON file per job (`<id>.job.json`) in the exports folder,
replaced atomically (written aside, then renamed), so a crash leaves the old state or the new one."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from c122.services.exports.ports import (
    EXPORT_FORMATS,
    ExportColumn,
    ExportHeader,
    ExportJob,
    ExportSource,
    ExportSpec,
    StoredExport,
)

log = logging.getLogger(__name__)

SUFFIX: Final = ".job.json"
_STATUSES: Final = ("in_progress", "finished", "failed")


class FileExportJobStore:
    """The ExportJobStore port over a folder."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def save(self, stored: StoredExport) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        path = self._path(stored.job.id)
        aside = path.with_suffix(".tmp")
        aside.write_text(json.dumps(_encode(stored), ensure_ascii=False), encoding="utf-8")
        os.replace(aside, path)

    def load(self) -> list[StoredExport]:
        if not self._directory.is_dir():
            return []
        kept: list[StoredExport] = []
        for path in sorted(self._directory.glob(f"*{SUFFIX}")):
            try:
                kept.append(_decode(json.loads(path.read_text(encoding="utf-8")), self._directory))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("export job %s cannot be read back: %s", path.name, exc)
        return kept

    def forget(self, job_id: str) -> None:
        self._path(job_id).unlink(missing_ok=True)

    def _path(self, job_id: str) -> Path:
        if not job_id.isalnum():
            raise ValueError(f"not a job id: {job_id!r}")
        return self._directory / f"{job_id}{SUFFIX}"


def _encode(stored: StoredExport) -> dict[str, Any]:
    job, spec = stored.job, stored.spec
    return {
        "job": {
            "id": job.id,
            "owner_id": job.owner_id,
            "format": job.format,
            "filename": job.filename,
            "status": job.status,
            "rows": job.rows,
            "expected_rows": job.expected_rows,
            "started_at": job.started_at.isoformat(),
            "file": job.path.name if job.path is not None else None,
            "error": job.error,
            "resumed": job.resumed,
        },
        "spec": {
            "header": {"title": spec.header.title, "lines": list(spec.header.lines)},
            "columns": [{"title": c.title, "width": c.width} for c in spec.columns],
        },
        "source": (
            None
            if stored.source is None
            else {"kind": stored.source.kind, "params": dict(stored.source.params)}
        ),
    }


def _decode(data: Mapping[str, Any], directory: Path) -> StoredExport:
    raw = data["job"]
    format_ = raw["format"]
    status = raw["status"]
    if format_ not in EXPORT_FORMATS or status not in _STATUSES:
        raise ValueError(f"unknown format or status: {format_!r}, {status!r}")
    started_at = datetime.fromisoformat(raw["started_at"])
    if started_at.tzinfo is None:
        raise ValueError("a start time without its zone")
    file_name = raw["file"]
    job = ExportJob(
        id=str(raw["id"]),
        owner_id=int(raw["owner_id"]),
        format=format_,
        filename=str(raw["filename"]),
        status=status,
        rows=int(raw["rows"]),
        expected_rows=int(raw["expected_rows"]),
        started_at=started_at,
        path=None if file_name is None else directory / Path(str(file_name)).name,
        error=None if raw["error"] is None else str(raw["error"]),
        resumed=int(raw.get("resumed", 0)),
    )
    spec_data = data["spec"]
    spec = ExportSpec(
        format=format_,
        filename=job.filename,
        header=ExportHeader(
            str(spec_data["header"]["title"]), tuple(str(line) for line in spec_data["header"]["lines"])
        ),
        columns=tuple(ExportColumn(str(c["title"]), int(c["width"])) for c in spec_data["columns"]),
        expected_rows=job.expected_rows,
    )
    source_data = data["source"]
    source = (
        None if source_data is None else ExportSource(str(source_data["kind"]), dict(source_data["params"]))
    )
    return StoredExport(job, spec, source)
