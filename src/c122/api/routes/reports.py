"""User-defined reports (ADM-03): the model the builder offers, running a definition, the calls or cases
behind a cell, exports through the journal's exporter, and saved reports shared with roles or groups."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import exports as exports_out
from c122.api.schemas import reports as s
from c122.api.security import Context, CurrentActor
from c122.domain.reports import (
    DATASET_TITLES,
    DATASETS,
    DIMENSIONS,
    DRILLS_TO,
    MAX_RANGE_DAYS,
    MEASURES,
    ReportResult,
)
from c122.domain.users import Actor
from c122.services.exports.ports import MEDIA_TYPES
from c122.services.reports.ports import SavedReport, SavedReportDraft

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=ERROR_RESPONSES)


def _result(result: ReportResult) -> s.ReportResultOut:
    return s.ReportResultOut(
        dimensions=list(result.definition.dimensions),
        measures=list(result.definition.measures),
        rows=[
            s.ReportRowOut(
                keys=list(row.keys),
                labels=list(row.labels),
                figures=[None if f is None else float(f) for f in row.figures],
            )
            for row in result.rows
        ],
        truncated=result.truncated,
        time_zone=result.time_zone,
    )


def _saved(report: SavedReport, actor: Actor) -> s.SavedReportOut:
    return s.SavedReportOut(
        id=report.id,
        owner_id=report.owner_id,
        owner_name=report.owner_name,
        name=report.name,
        definition=dict(report.definition),
        view=dict(report.view),
        shared_roles=list(report.shared_roles),
        shared_group_ids=list(report.shared_group_ids),
        editable=actor.is_admin or report.owner_id == actor.user_id,
        created_at=report.created_at,
        updated_at=report.updated_at,
        schedule=None if report.schedule is None else dict(report.schedule),
        schedule_status=None
        if report.schedule_status is None
        else s.ScheduleStatusOut(
            state=report.schedule_status.state,
            next_at=report.schedule_status.next_at,
            last_attempt_at=report.schedule_status.last_attempt_at,
            last_sent_at=report.schedule_status.last_sent_at,
            attempts=report.schedule_status.attempts,
            error=report.schedule_status.error,
        ),
    )


def _draft(body: s.SavedReportIn) -> SavedReportDraft:
    return SavedReportDraft(
        name=body.name,
        definition=s.definition_json(body.definition),
        view=body.view.model_dump(),
        shared_roles=tuple(body.shared_roles),
        shared_group_ids=tuple(body.shared_group_ids),
        schedule=None if body.schedule is None else body.schedule.model_dump(),
    )


@router.get("/model", response_model=s.ModelOut, operation_id="report_model")
async def report_model(actor: CurrentActor, context: Context) -> s.ModelOut:
    """Datasets, dimensions and measures, with which dataset each fits and each measure's definition."""
    del actor
    return s.ModelOut(
        datasets=[s.DatasetOut(key=d, title=DATASET_TITLES[d], drill=DRILLS_TO[d]) for d in DATASETS],
        dimensions=[
            s.DimensionOut(
                key=d.key, title=d.title, datasets=sorted(d.datasets), values=d.values, period=d.period
            )
            for d in DIMENSIONS.values()
        ],
        measures=[
            s.MeasureOut(
                key=m.key, title=m.title, datasets=sorted(m.datasets), unit=m.unit, definition=m.definition
            )
            for m in MEASURES.values()
        ],
        max_range_days=MAX_RANGE_DAYS,
        time_zone=context.reports.zone.key,
    )


@router.post("/run", response_model=s.ReportResultOut, operation_id="run_report")
async def run_report(body: s.DefinitionIn, actor: CurrentActor, context: Context) -> s.ReportResultOut:
    """The figures per cell of the chosen dimensions, within the reader's groups. 422 names a measure
    or dimension that does not fit the dataset, and a period longer than 366 days; 403 for operators
    and for a group filter outside the reader's groups (audited)."""
    return _result(await context.reports.run(actor, body.domain()))


@router.post("/drill", response_model=s.DrillOut, operation_id="drill_report")
async def drill_report(body: s.DrillIn, actor: CurrentActor, context: Context) -> s.DrillOut:
    """The calls or cases behind one cell (at most 200, newest first, with their total); audited."""
    drill = await context.reports.drill(actor, body.definition.domain(), tuple(body.keys))
    return s.DrillOut(
        total=drill.total,
        journal=drill.journal,
        rows=[
            s.DrillRowOut(
                id=r.id,
                at=r.at,
                kind=r.kind,
                title=r.title,
                status=r.status,
                operator=r.operator,
                group=r.group,
                wait_s=r.figures.get("wait_s"),
                talk_s=r.figures.get("talk_s"),
            )
            for r in drill.rows
        ],
    )


@router.post(
    "/export",
    response_model=exports_out.ExportJobOut,
    status_code=202,
    responses={
        200: {"content": {media: {} for media in MEDIA_TYPES.values()}, "description": "the file"},
        202: {"description": "a background job: follow `export.progress` events or poll its state"},
    },
    operation_id="export_report",
)
async def export_report(body: s.ExportIn, actor: CurrentActor, context: Context) -> Any:
    """The report's table as csv, xlsx or pdf through the journal's exporter (a PDF of more than 5000
    rows is refused with 422, suggesting xlsx)."""
    job = await context.reports.export(actor, body.definition.domain(), body.format, body.title)
    if job.status == "in_progress":
        return JSONResponse(exports_out.job_out(job).model_dump(mode="json"), status_code=202)
    return exports_out.file_response(job)


@router.get("/saved", response_model=list[s.SavedReportOut], operation_id="list_saved_reports")
async def list_saved(actor: CurrentActor, context: Context) -> list[s.SavedReportOut]:
    """The reader's own reports and those shared with their role or groups."""
    return [_saved(r, actor) for r in await context.reports.saved(actor)]


@router.post("/saved", status_code=201, response_model=s.SavedReportOut, operation_id="create_saved_report")
async def create_saved(body: s.SavedReportIn, actor: CurrentActor, context: Context) -> s.SavedReportOut:
    """422 names a bad definition, an unknown role or a group that does not exist."""
    return _saved(await context.reports.create(actor, _draft(body)), actor)


@router.get("/saved/{report_id}", response_model=s.SavedReportOut, operation_id="get_saved_report")
async def get_saved(report_id: Id, actor: CurrentActor, context: Context) -> s.SavedReportOut:
    """404 (audited) for a report not shared with the reader."""
    return _saved(await context.reports.get(actor, report_id), actor)


@router.put("/saved/{report_id}", response_model=s.SavedReportOut, operation_id="update_saved_report")
async def update_saved(
    report_id: Id, body: s.SavedReportIn, actor: CurrentActor, context: Context
) -> s.SavedReportOut:
    """By its owner or an administrator (403 for others who see it)."""
    return _saved(await context.reports.update(actor, report_id, _draft(body)), actor)


@router.delete("/saved/{report_id}", status_code=204, operation_id="delete_saved_report")
async def delete_saved(report_id: Id, actor: CurrentActor, context: Context) -> Response:
    await context.reports.delete(actor, report_id)
    return Response(status_code=204)
