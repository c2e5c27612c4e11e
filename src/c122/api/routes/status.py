"""Health (OPS-07), zone 4 presence (OPS-08), and the case types list for every desktop."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Response

from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas.accounts import PresenceOut
from c122.api.schemas.health import HealthOut
from c122.api.schemas.organisation import CaseTypeOut, CaseTypePage
from c122.api.security import Context, CurrentActor

router = APIRouter(prefix="/api/v1", tags=["status"], responses=ERROR_RESPONSES)


@router.get(
    "/health",
    response_model=HealthOut,
    operation_id="get_health",
    responses={503: {"model": HealthOut, "description": "down: the database (or everything) fails"}},
)
async def health(context: Context, response: Response) -> HealthOut:
    """200 while the service is ok or degraded, 503 when it is down (docs/events/health.md)."""
    checked = await context.health.check()
    response.status_code = checked.http_status
    return HealthOut.model_validate(checked.as_data())


@router.get("/presence", response_model=PresenceOut, operation_id="get_presence")
async def presence(actor: CurrentActor, context: Context) -> PresenceOut:
    return PresenceOut.model_validate(asdict(await context.presence.snapshot(actor)))


@router.get("/case-types", response_model=CaseTypePage, operation_id="list_case_types")
async def case_types(_actor: CurrentActor, context: Context) -> CaseTypePage:
    items = [CaseTypeOut.model_validate(asdict(item)) for item in await context.directory.case_types()]
    return CaseTypePage(items=items, total=len(items))
