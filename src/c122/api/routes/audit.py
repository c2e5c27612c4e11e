"""The audit trail for administrators (ADM-05): search, filter choices, CSV export. Read-only: no
route of the API changes or removes an audit entry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from c122.api.bounded import Id, Integer
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import audit as s
from c122.api.security import Context, CurrentActor
from c122.domain.audit import AuditFilter
from c122.domain.errors import InvalidFields

router = APIRouter(prefix="/api/v1/admin/audit", tags=["audit"], responses=ERROR_RESPONSES)

MOMENT = "a time with its UTC offset, e.g. 2026-09-12T00:00:00+03:00"


def audit_filter(
    actor_id: Annotated[Id | None, Query(description="who acted (user id)")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. listen_recording")] = None,
    entity: Annotated[
        str | None, Query(max_length=64, description="the kind of subject, e.g. applicant")
    ] = None,
    entity_id: Annotated[str | None, Query(max_length=64, description="the subject's id")] = None,
    since: Annotated[datetime | None, Query(description=f"at or after: {MOMENT}")] = None,
    until: Annotated[datetime | None, Query(description=f"before: {MOMENT}")] = None,
    before_id: Annotated[
        Id | None, Query(description="the page cursor: next_before_id of the previous page")
    ] = None,
    limit: Annotated[Integer, Query(description="1 to 200")] = 50,
) -> AuditFilter:
    return AuditFilter(
        actor_id=actor_id,
        action=action or None,
        entity=entity or None,
        entity_id=entity_id or None,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit,
    )


Filter = Annotated[AuditFilter, Depends(audit_filter)]


def _as_query_problems(refused: InvalidFields) -> InvalidFields:
    """Named like the framework names a query parameter it cannot parse: `query.<name>`."""
    return InvalidFields([replace(p, path=f"query.{p.path}") for p in refused.problems])


@router.get("", response_model=s.AuditPageOut, operation_id="list_audit_entries")
async def list_audit_entries(actor: CurrentActor, context: Context, query: Filter) -> Any:
    """Newest first; the next page is asked with `before_id`. Administrators only (403 otherwise, and
    the refusal is itself audited)."""
    try:
        return s.page_out(await context.audit.search(actor, query))
    except InvalidFields as refused:
        raise _as_query_problems(refused) from None


@router.get("/vocabulary", response_model=s.AuditVocabularyOut, operation_id="audit_vocabulary")
async def audit_vocabulary(actor: CurrentActor, context: Context) -> Any:
    """The actions and subject kinds present in the trail, for the filter choices."""
    found = await context.audit.vocabulary(actor)
    return s.AuditVocabularyOut(actions=found.actions, entities=found.entities)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the selected entries as CSV"}},
    operation_id="export_audit_entries",
)
async def export_audit_entries(actor: CurrentActor, context: Context, query: Filter) -> Response:
    """Every entry the filter selects (up to 50 000, newest first) as a CSV attachment."""
    try:
        body = await context.audit.export_csv(actor, query)
    except InvalidFields as refused:
        raise _as_query_problems(refused) from None
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="audit.csv"',
            "Cache-Control": "no-store",
        },
    )
