"""Carrier trunks (TEL-24, ADM-02): administrators keep them here; each change applies to the running
telephony at once. Passwords are write-only."""

from __future__ import annotations

from typing import Literal, cast

from fastapi import APIRouter, Response

from c122.api.bounded import Id
from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas import trunks as s
from c122.api.security import Context, CurrentActor
from c122.domain.trunks import TrunkDraft
from c122.services.trunks.service import TrunkView

router = APIRouter(prefix="/api/v1/admin/trunks", tags=["trunks"], responses=ERROR_RESPONSES)

LiveState = Literal["up", "down", "unknown"]


def _out(view: TrunkView) -> s.TrunkOut:
    t, live = view.trunk, view.live
    return s.TrunkOut(
        id=view.id,
        name=t.name,
        host=t.host,
        port=t.port,
        transport=t.transport,
        username=t.username,
        has_password=t.password is not None,
        registration=t.register,
        prefixes=list(t.prefixes),
        caller_id=t.caller_id,
        codecs=list(t.codecs),
        max_calls=t.max_calls,
        keepalive_s=t.keepalive_s,
        live=s.TrunkLiveOut(
            state=cast(LiveState, live.state),
            registered=live.registered,
            latency_ms=live.latency_ms,
            calls_up=live.calls_up,
            refused_at_limit=live.refused_at_limit,
        ),
    )


def _draft(body: s.TrunkIn) -> TrunkDraft:
    return TrunkDraft(
        name=body.name.strip(),
        host=body.host.strip(),
        port=body.port,
        transport=body.transport.strip().lower(),
        username=(body.username or "").strip() or None,
        password=body.password or None,
        register=body.registration,
        prefixes=tuple(p.strip() for p in body.prefixes if p.strip()),
        caller_id=(body.caller_id or "").strip() or None,
        codecs=tuple(body.codecs),
        max_calls=body.max_calls,
        keepalive_s=body.keepalive_s,
    )


@router.get("", response_model=list[s.TrunkOut], operation_id="list_trunks")
async def list_trunks(actor: CurrentActor, context: Context) -> list[s.TrunkOut]:
    """Every trunk with its live state: `up` (the carrier answers OPTIONS/REGISTER), `down`, `unknown`
    (not probed yet), registration, the last answer's latency and the calls up through it."""
    return [_out(v) for v in await context.trunks.trunks(actor)]


@router.post("", status_code=201, response_model=s.TrunkOut, operation_id="create_trunk")
async def create_trunk(body: s.TrunkIn, actor: CurrentActor, context: Context) -> s.TrunkOut:
    """Stored and applied at once; an unreachable host is saved too and shows `down`. 422 names bad
    fields, 409 `duplicate_trunk` a name in use."""
    return _out(await context.trunks.create(actor, _draft(body)))


@router.get("/{trunk_id}", response_model=s.TrunkOut, operation_id="get_trunk")
async def get_trunk(trunk_id: Id, actor: CurrentActor, context: Context) -> s.TrunkOut:
    return _out(await context.trunks.get(actor, trunk_id))


@router.put("/{trunk_id}", response_model=s.TrunkOut, operation_id="update_trunk")
async def update_trunk(trunk_id: Id, body: s.TrunkIn, actor: CurrentActor, context: Context) -> s.TrunkOut:
    """The whole trunk; a null or absent `password` keeps the stored one. Calls up keep their route."""
    return _out(await context.trunks.update(actor, trunk_id, _draft(body)))


@router.delete("/{trunk_id}", status_code=204, operation_id="delete_trunk")
async def delete_trunk(trunk_id: Id, actor: CurrentActor, context: Context) -> Response:
    """Removed and unregistered at once; calls up through it go on."""
    await context.trunks.delete(actor, trunk_id)
    return Response(status_code=204)
