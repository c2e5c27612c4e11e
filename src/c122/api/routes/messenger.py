"""The messenger's webhook (docs/channels/messengers.md): the platform posts each update here with the
secret it was set up with; without it the call is refused (403) and logged."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response

from c122.api.errors import ERROR_RESPONSES
from c122.api.security import Context
from c122.domain.errors import FieldProblem, InvalidFields

router = APIRouter(prefix="/api/v1/messenger", tags=["messenger"], responses=ERROR_RESPONSES)
MAX_UPDATE_BYTES = 256 * 1024


@router.post("/telegram/webhook", status_code=204, operation_id="telegram_webhook")
async def telegram_webhook(
    request: Request,
    context: Context,
    secret: Annotated[str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token")] = None,
) -> Response:
    """One Telegram update. 403 without the right `X-Telegram-Bot-Api-Secret-Token`; a replayed
    `update_id` is answered 204 and ignored; 422 for a body that is not an update."""
    context.messenger.check_secret(secret, request.client)
    raw = await request.body()
    if len(raw) > MAX_UPDATE_BYTES:
        raise InvalidFields([FieldProblem("update", "too_large", "update over 256 KB")])
    try:
        update: Any = json.loads(raw)
    except ValueError as exc:
        raise InvalidFields([FieldProblem("update", "invalid_json", "the body is not JSON")]) from exc
    if not isinstance(update, dict):
        raise InvalidFields([FieldProblem("update", "invalid_update", "an update is a JSON object")])
    await context.messenger.receive(update)
    return Response(status_code=204)
