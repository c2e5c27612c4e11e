"""What «Помощь старшего» tells the desktops: `help_request.changed`, one event for every step of a
request (raised, taken, cancelled, ended), to the operator who raised it and the seniors on shift of
its groups (administrators see every event)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from c122.domain.help_requests import HelpRequest
from c122.services.events import Audience, OutboundEvent

HELP_REQUEST_CHANGED = "help_request.changed"


def help_request_data(request: HelpRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "call_id": request.call_id,
        "operator_id": request.operator_id,
        "operator_name": request.operator_name,
        "caller": request.caller,
        "queue_id": request.queue_id,
        "group_ids": sorted(request.group_ids),
        "raised_at": request.raised_at,
        "status": request.status.value,
        "taken_by": request.taken_by,
        "taken_by_name": request.taken_by_name,
        "taken_at": request.taken_at,
        "mode": request.mode,
        "closed_at": request.closed_at,
    }


def help_request_changed(request: HelpRequest, seniors: Iterable[int], at: datetime) -> OutboundEvent:
    return OutboundEvent(
        type=HELP_REQUEST_CHANGED,
        data=help_request_data(request),
        audience=Audience(user_ids=frozenset({request.operator_id, *seniors})),
        occurred_at=at,
    )
