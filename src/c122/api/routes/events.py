"""The live event stream `/api/v1/events` (protocol: docs/events/README.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from c122.api.context import context_of
from c122.api.schemas.accounts import PresenceOut
from c122.api.schemas.board import NoticeOut
from c122.api.schemas.contact_center import OperatorStateOut, QueueLiveOut
from c122.api.schemas.health import HealthOut
from c122.api.security import SESSION_COOKIE
from c122.domain.errors import DatabaseUnavailable, DomainError, NotAuthenticated
from c122.domain.users import Actor
from c122.realtime.protocol import CLOSE_CODE_CLOSED, ClosedMessage, CloseReason, encode
from c122.realtime.session import ResumeRequest, close_for_database, run_event_session

router = APIRouter()


@router.websocket("/api/v1/events")
async def events(websocket: WebSocket) -> None:
    context = context_of(websocket)  # type: ignore[arg-type]
    await websocket.accept()
    try:
        principal = await context.auth.authenticate_session(websocket.cookies.get(SESSION_COOKIE, ""))
        if not _same_origin(websocket):
            raise NotAuthenticated("cross-site event stream refused", code="forbidden_origin")
    except NotAuthenticated as exc:
        refusal = ClosedMessage(reason=CloseReason.SESSION_ENDED, message=f"{exc.code}: {exc.message}")
        try:
            await websocket.send_text(encode(refusal))
            await websocket.close(CLOSE_CODE_CLOSED, exc.code)
        except (WebSocketDisconnect, RuntimeError):
            pass
        return
    except DatabaseUnavailable:  # the session cannot be checked: say so, the client tries again
        await close_for_database(websocket, context.settings.event_heartbeat_seconds)
        return
    actor = principal.actor

    async def snapshot() -> dict[str, Any]:
        return await event_snapshot(websocket, actor)

    await run_event_session(
        websocket,
        context.hub,
        actor,
        snapshot,
        ResumeRequest.from_query(websocket.query_params),
        heartbeat_s=context.settings.event_heartbeat_seconds,
        softphone=context.softphone,
        adopt=context.handover.adopt if context.handover is not None else None,
    )


async def event_snapshot(websocket: WebSocket, actor: Actor) -> dict[str, Any]:
    """Everything a desktop shows live, as of now; events after it carry changes."""
    context = context_of(websocket)  # type: ignore[arg-type]
    # Read from the dataclasses' attributes: `asdict` deep-copies every entry first, which with a
    # thousand operators online made each stream's opening (and reconnect) stall the event loop.
    presence = PresenceOut.model_validate(await context.presence.snapshot(actor), from_attributes=True)
    health = HealthOut.model_validate((await context.health.latest()).as_data())
    snapshot: dict[str, Any] = {
        "presence": presence.model_dump(mode="json"),
        "health": health.model_dump(mode="json"),
        "operator_state": None,
        "queues": [],
        # A reconnect past the resume window loses no notice: the board comes whole with the snapshot.
        "board": [NoticeOut.of(n).model_dump(mode="json") for n in await context.board.notices(actor)],
    }
    center = context.contact_center
    if center.started:
        try:
            state = OperatorStateOut.model_validate(await center.my_state(actor), from_attributes=True)
            snapshot["operator_state"] = state.model_dump(mode="json")
        except DomainError:
            pass  # an account that takes no calls
        snapshot["queues"] = [
            QueueLiveOut.model_validate(view, from_attributes=True).model_dump(mode="json")
            for view in await center.queues(actor)
        ]
    return snapshot


def _same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin on WebSocket handshakes; cookies alone must not let another site listen."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: integrations and tests
    host = websocket.headers.get("host", "")
    return origin.split("://", 1)[-1] == host
