"""Background export jobs over HTTP: their state, and the file once finished (only for their owner)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import FileResponse

from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import exports as exports_out
from c122.api.security import Context, CurrentActor

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], responses=ERROR_RESPONSES)

JobId = Annotated[str, Path(max_length=32)]


@router.get("/{job_id}", response_model=exports_out.ExportJobOut, operation_id="get_export")
async def get_export(job_id: JobId, actor: CurrentActor, context: Context) -> Any:
    """The job's state: `in_progress`, `finished` (with its download link) or `failed`; 404 for
    someone else's job."""
    return exports_out.job_out(await context.export_access.job(actor, job_id))


@router.get(
    "/{job_id}/file",
    response_class=FileResponse,
    responses={200: {"description": "the exported file"}},
    operation_id="get_export_file",
)
async def get_export_file(job_id: JobId, actor: CurrentActor, context: Context) -> FileResponse:
    """The finished file; 409 while the job still runs or when it failed. Every download is audited,
    and so is a refused one (someone else's job answers 404 like an unknown one)."""
    return exports_out.file_response(await context.export_access.file(actor, job_id))
