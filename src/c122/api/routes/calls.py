"""The call journal over HTTP (OPS-29, SUP-08, TEL-11): calls within the viewer's scope, one call with
its legs, and its recording for those who may hear it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from c122.api.bounded import Id, Integer
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import calls as calls_out
from c122.api.security import Context, CurrentActor
from c122.domain.calls import DEFAULT_PAGE, read_call_filter
from c122.domain.calls.record import ID_MAX
from c122.domain.errors import InvalidFields

router = APIRouter(prefix="/api/v1/calls", tags=["calls"], responses=ERROR_RESPONSES)

CallId = Annotated[str, Path(max_length=ID_MAX)]
MOMENT = (
    "a date (2026-09-12 or 12.09.2026: that hotline day) or a time with its zone (2026-09-12T10:00+03:00)"
)


@router.get("", response_model=calls_out.CallPageOut, operation_id="list_calls")
async def list_calls(
    actor: CurrentActor,
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
    limit: Annotated[Integer, Query(description="1 to 200")] = DEFAULT_PAGE,
    offset: Annotated[Integer, Query()] = 0,
) -> Any:
    """Newest first. Administrators see every call, seniors the calls of their groups and their own,
    operators their own; a filter naming someone else's group (or, for an operator, another operator)
    is refused with 403; bad filter values with 422 naming each parameter."""
    try:
        filters = read_call_filter(
            context.calls.zone,
            date_from=date_from,
            date_to=date_to,
            line=line,
            operator_id=operator,
            group_id=group,
            direction=direction,
            status=status,
            limit=limit,
            offset=offset,
        )
    except InvalidFields as refused:
        # Named like the framework names a query parameter it cannot parse: `query.<name>`.
        raise InvalidFields([replace(p, path=f"query.{p.path}") for p in refused.problems]) from None
    return calls_out.page_out(await context.calls.list_calls(actor, filters), actor)


@router.get("/{call_id}", response_model=calls_out.CallOut, operation_id="get_call")
async def get_call(call_id: CallId, actor: CurrentActor, context: Context) -> Any:
    """One call with its legs; 404 when it does not exist or is outside the viewer's scope."""
    return calls_out.call_out(await context.calls.get_call(actor, call_id), actor)


@router.get(
    "/{call_id}/recording",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}, "description": "the recording (WAV)"}},
    operation_id="get_call_recording",
)
async def get_call_recording(
    call_id: CallId,
    actor: CurrentActor,
    context: Context,
    download: Annotated[bool, Query(description="true: as an attachment to save")] = False,
) -> FileResponse:
    """For administrators and seniors of the call's group (403 for others who see the call); 404 when
    the call has no recording or its file is gone. Every access is written to the audit log."""
    found = await context.calls.recording(actor, call_id, download=download)
    return FileResponse(
        found.path,
        media_type="audio/wav",
        filename=found.filename,
        content_disposition_type="attachment" if download else "inline",
        headers={"Cache-Control": "no-store"},
    )
