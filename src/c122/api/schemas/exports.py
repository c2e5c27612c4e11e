"""Export jobs as the API shows them, and a finished export as a file response."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi.responses import FileResponse
from pydantic import BaseModel

from c122.services.exports.ports import ExportJob


class ExportJobOut(BaseModel):
    id: str
    status: Literal["in_progress", "finished", "failed"]
    format: Literal["csv", "xlsx", "pdf"]
    rows: int
    """Written so far."""
    expected_rows: int
    started_at: datetime
    download_url: str | None
    """Set once finished."""
    error: str | None
    """Why it failed: the error's name, or `interrupted_by_restart`."""
    resumed: int = 0
    """How many restarts started it again from its first row."""


def job_out(job: ExportJob) -> ExportJobOut:
    return ExportJobOut(
        id=job.id,
        status=job.status,
        format=job.format,
        rows=job.rows,
        expected_rows=job.expected_rows,
        started_at=job.started_at,
        download_url=f"/api/v1/exports/{job.id}/file" if job.status == "finished" else None,
        error=job.error,
        resumed=job.resumed,
    )


def file_response(job: ExportJob) -> FileResponse:
    assert job.path is not None
    return FileResponse(
        job.path,
        media_type=job.media_type,
        filename=job.download_name,
        headers={"Cache-Control": "no-store"},
    )
