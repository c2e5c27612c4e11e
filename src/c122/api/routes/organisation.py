"""Administration of the organisation: the same five routes for each kind of record."""

# No `from __future__ import annotations` here: the route functions are built in a loop and
# FastAPI must see their parameter types as real objects, not as strings.

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from c122.api.bounded import Count, Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import organisation as s
from c122.api.security import Context, CurrentActor
from c122.domain.organisation import EntityKind
from c122.services.organisation.service import public_view

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=ERROR_RESPONSES)

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[Count, Query()]
Search = Annotated[str, Query(max_length=200)]

KINDS: list[tuple[str, EntityKind, type[BaseModel], type[BaseModel], type[BaseModel], type[BaseModel]]] = [
    ("services", EntityKind.SERVICE, s.ServiceIn, s.ServicePatch, s.ServiceOut, s.ServicePage),
    ("groups", EntityKind.GROUP, s.GroupIn, s.GroupPatch, s.GroupOut, s.GroupPage),
    ("queues", EntityKind.QUEUE, s.QueueIn, s.QueuePatch, s.QueueOut, s.QueuePage),
    ("lines", EntityKind.LINE, s.LineIn, s.LinePatch, s.LineOut, s.LinePage),
    ("case-types", EntityKind.CASE_TYPE, s.CaseTypeIn, s.CaseTypePatch, s.CaseTypeOut, s.CaseTypePage),
    ("users", EntityKind.USER, s.UserIn, s.UserPatch, s.UserOut, s.UserPage),
]


def _register(
    path: str,
    kind: EntityKind,
    create_model: type[BaseModel],
    patch_model: type[BaseModel],
    out_model: type[BaseModel],
    page_model: type[BaseModel],
) -> None:
    name = kind.value

    async def list_records(
        actor: CurrentActor, context: Context, q: Search = "", limit: Limit = 50, offset: Offset = 0
    ) -> Any:
        page = await context.organisation.search(actor, kind, q, limit, offset)
        return {"items": [public_view(item) for item in page.items], "total": page.total}

    async def create_record(actor: CurrentActor, context: Context, body: create_model) -> Any:  # type: ignore[valid-type]
        record = await context.organisation.create(actor, kind, body.model_dump())  # type: ignore[attr-defined]
        return public_view(record)

    async def read_record(actor: CurrentActor, context: Context, record_id: Id) -> Any:
        return public_view(await context.organisation.get(actor, kind, record_id))

    async def update_record(actor: CurrentActor, context: Context, record_id: Id, body: patch_model) -> Any:  # type: ignore[valid-type]
        values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        return public_view(await context.organisation.update(actor, kind, record_id, values))

    async def delete_record(actor: CurrentActor, context: Context, record_id: Id) -> Response:
        await context.organisation.delete(actor, kind, record_id)
        return Response(status_code=204)

    item = f"/{path}/{{record_id}}"
    router.add_api_route(
        f"/{path}",
        list_records,
        methods=["GET"],
        response_model=page_model,
        operation_id=f"admin_list_{name}s",
        summary=f"List {name}s",
    )
    router.add_api_route(
        f"/{path}",
        create_record,
        methods=["POST"],
        response_model=out_model,
        status_code=201,
        operation_id=f"admin_create_{name}",
        summary=f"Create a {name}",
    )
    router.add_api_route(
        item,
        read_record,
        methods=["GET"],
        response_model=out_model,
        operation_id=f"admin_get_{name}",
        summary=f"Read a {name}",
    )
    router.add_api_route(
        item,
        update_record,
        methods=["PATCH"],
        response_model=out_model,
        operation_id=f"admin_update_{name}",
        summary=f"Change a {name}",
    )
    router.add_api_route(
        item,
        delete_record,
        methods=["DELETE"],
        status_code=204,
        operation_id=f"admin_delete_{name}",
        summary=f"Delete a {name}",
    )


for _kind in KINDS:
    _register(*_kind)
