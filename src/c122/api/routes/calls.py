"""The call journal over HTTP (OPS-29, SUP-08, TEL-11): calls within the viewer's scope, one call with
its legs, and its recording for those who may hear it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from c122.api.bounded import Id, Integer
from c122.api.errors import ERROR_RESPONSES, ErrorBody
from c122.api.schemas import calls as calls_out
from c122.api.schemas import exports as exports_out
from c122.api.security import Context, CurrentActor
from c122.domain.calls import DEFAULT_PAGE, CallFilter, read_call_filter
from c122.domain.calls.record import ID_MAX
from c122.domain.errors import FieldProblem, InvalidFields
from c122.services.exports.ports import EXPORT_FORMATS, MEDIA_TYPES

router = APIRouter(prefix="/api/v1/calls", tags=["calls"], responses=ERROR_RESPONSES)

CallId = Annotated[str, Path(max_length=ID_MAX)]
MOMENT = (
    "a date (2026-09-12 or 12.09.2026: that hotline day) or a time with its zone (2026-09-12T10:00+03:00)"
)


JOURNAL_PARAMETERS = frozenset(
    {"from", "to", "line", "operator", "group", "direction", "status", "case_type", "source", "applicant"}
    | {"limit", "offset", "after", "format"}
)
"""What the list, its count and its exports accept (`format`: the export's); any other is refused,
since a misspelt filter silently ignored would list, count or export more than asked for."""


def journal_filter(
    request: Request,
    context: Context,
    date_from: Annotated[
        str | None, Query(alias="from", max_length=40, description=f"started at or after: {MOMENT}")
    ] = None,
    date_to: Annotated[
        str | None,
        Query(alias="to", max_length=40, description=f"started before (a date: up to its end): {MOMENT}"),
    ] = None,
    line: Annotated[str | None, Query(max_length=32, description="the line's number")] = None,
    operator: Annotated[Id | None, Query(description="the answering operator's user id")] = None,
    group: Annotated[Id | None, Query(description="group id")] = None,
    direction: Annotated[str | None, Query(max_length=16, description="inbound, outbound, internal")] = None,
    status: Annotated[
        str | None, Query(max_length=16, description="answered, missed, failed, active")
    ] = None,
    case_type: Annotated[
        Integer | None, Query(description="the call type: the case type (IVR topic) id")
    ] = None,
    source: Annotated[
        str | None,
        Query(max_length=16, description="the case's source: pstn, mobile_app, web, messenger, sms"),
    ] = None,
    applicant: Annotated[
        str | None, Query(max_length=100, description="the applicant's number, or part of their name")
    ] = None,
    limit: Annotated[Integer, Query(description="1 to 200")] = DEFAULT_PAGE,
    offset: Annotated[Integer, Query(description="ignored when `after` is given")] = 0,
    after: Annotated[
        str | None, Query(max_length=120, description="the `next` cursor of the previous page")
    ] = None,
) -> CallFilter:
    """The journal's filters, shared by the list, its count and its exports; bad values and unknown
    parameters are refused with 422 naming each (`query.<name>`, as the framework names one it cannot
    parse)."""
    unknown = sorted(set(request.query_params) - JOURNAL_PARAMETERS)
    if unknown:
        raise InvalidFields(
            [FieldProblem(f"query.{name}", "unknown_parameter", "нет такого фильтра") for name in unknown]
        )
    try:
        return read_call_filter(
            context.calls.zone,
            date_from=date_from,
            date_to=date_to,
            line=line,
            operator_id=operator,
            group_id=group,
            direction=direction,
            status=status,
            case_type_id=case_type,
            source=source,
            applicant=applicant,
            limit=limit,
            offset=offset,
            after=after,
        )
    except InvalidFields as refused:
        raise InvalidFields([replace(p, path=f"query.{p.path}") for p in refused.problems]) from None


JournalFilter = Annotated[CallFilter, Depends(journal_filter)]


@router.get("", response_model=calls_out.CallPageOut, operation_id="list_calls")
async def list_calls(actor: CurrentActor, context: Context, filters: JournalFilter) -> Any:
    """Newest first; `next` is the cursor of the following page (keyset paging: pass it as `after`).
    Nothing is counted here: `/api/v1/calls/count` answers how many match, asked after the page is
    shown. Administrators see every call, seniors the calls of their groups and their own, operators
    their own; a filter naming someone else's group (or, for an operator, another operator) is refused
    with 403; bad filter values with 422 naming each parameter."""
    return calls_out.page_out(await context.calls.list_calls(actor, filters), actor)


@router.get("/count", response_model=calls_out.CallCountOut, operation_id="count_calls")
async def count_calls(actor: CurrentActor, context: Context, filters: JournalFilter) -> Any:
    """How many calls the same filters match for this viewer: exact up to 10,000 (`capped` past it);
    on PostgreSQL a count that would take longer than half a second answers with the planner's
    estimate (`estimated`). Paging parameters are ignored; refusals as for the list."""
    return calls_out.count_out(await context.calls.count_calls(actor, filters))


@router.get("/filters", response_model=calls_out.JournalFiltersOut, operation_id="journal_filters")
async def journal_filters(actor: CurrentActor, context: Context) -> Any:
    """What the journal's filters offer this viewer: their groups and operators, every line and type."""
    return calls_out.filters_out(await context.calls.filter_options(actor))


@router.get(
    "/export",
    response_model=exports_out.ExportJobOut,
    status_code=202,
    responses={
        200: {
            "content": {media: {} for media in MEDIA_TYPES.values()},
            "description": "the file, when the export was small enough to be written at once",
        },
        202: {"description": "a background job: follow `export.progress` events or poll its state"},
    },
    operation_id="export_calls",
)
async def export_calls(
    actor: CurrentActor,
    context: Context,
    filters: JournalFilter,
    format: Annotated[str, Query(max_length=8, description="csv, xlsx or pdf")] = "xlsx",
) -> Any:
    """Exactly the calls the same filters list, as a file: answered at once (200) when small, otherwise
    a background job (202) whose progress goes to the event stream (`export.progress`) and whose file
    is fetched from `/api/v1/exports/{id}/file` when finished. A PDF of more than 5000 calls is refused
    (422, suggesting xlsx). Every export is audited."""
    chosen = next((f for f in EXPORT_FORMATS if f == format), None)
    if chosen is None:
        raise InvalidFields(
            [FieldProblem("query.format", "invalid_choice", "допустимо: " + ", ".join(EXPORT_FORMATS))]
        )
    job = await context.calls.export_calls(actor, filters, chosen)
    if job.status == "in_progress":
        return JSONResponse(exports_out.job_out(job).model_dump(mode="json"), status_code=202)
    return exports_out.file_response(job)


@router.get("/{call_id}", response_model=calls_out.CallOut, operation_id="get_call")
async def get_call(call_id: CallId, actor: CurrentActor, context: Context) -> Any:
    """One call with its legs and requests for help; 404 when it does not exist or is outside the
    viewer's scope."""
    row = await context.calls.get_call(actor, call_id)  # checks the viewer's right to the call first
    videos = await context.calls.video_legs(actor, row.record)
    return calls_out.call_out(row, actor, await context.help_requests.on_call(call_id), videos)


@router.get(
    "/{call_id}/recording",
    response_class=FileResponse,
    responses={
        200: {
            "content": {"audio/ogg": {}, "audio/wav": {}},
            "description": "the recording: Opus in Ogg once compressed after the call, WAV until then",
        },
        410: {"model": ErrorBody, "description": "`recording_expired`: deleted at the end of its retention"},
    },
    operation_id="get_call_recording",
)
async def get_call_recording(
    call_id: CallId,
    actor: CurrentActor,
    context: Context,
    download: Annotated[bool, Query(description="true: as an attachment to save")] = False,
) -> FileResponse:
    """For administrators and seniors of the call's group (403 for others who see the call); 404 when
    the call has no recording or its file is gone; 410 `recording_expired` when it was deleted at the
    end of its group's retention period; 409 `recording_damaged` when the file no longer matches the
    checksum taken when it was written. Every access is written to the audit log, and so are these."""
    found = await context.calls.recording(actor, call_id, download=download)
    return FileResponse(
        found.path,
        media_type=found.media_type,
        filename=found.filename,
        content_disposition_type="attachment" if download else "inline",
        headers={"Cache-Control": "no-store"},
    )


@router.get(
    "/{call_id}/legs/{leg_id}/video",
    response_class=FileResponse,
    responses={
        200: {"content": {"video/webm": {}}, "description": "the leg's camera as recorded: VP8 in WebM"},
        409: {"model": ErrorBody, "description": "`video_damaged`: the file no longer opens"},
    },
    operation_id="get_call_leg_video",
)
async def get_call_leg_video(
    call_id: CallId,
    leg_id: Annotated[str, Path(max_length=ID_MAX)],
    actor: CurrentActor,
    context: Context,
    download: Annotated[bool, Query(description="true: as an attachment to save")] = False,
) -> FileResponse:
    """The recorded camera of one leg of a video call (where the group records video), for those who
    may hear the call's recording (403 for others who see the call); 404 `no_such_leg`, or
    `video_missing` when nothing of that leg was recorded or the file is gone; 409 `video_damaged` when
    the file no longer opens. Every access is written to the audit log, and so are these."""
    found = await context.calls.video(actor, call_id, leg_id, download=download)
    return FileResponse(
        found.path,
        media_type="video/webm",
        filename=found.filename,
        content_disposition_type="attachment" if download else "inline",
        headers={"Cache-Control": "no-store"},
    )
