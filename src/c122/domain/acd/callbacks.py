"""The abandoned-calls list (TEL-06): who hung up while waiting, for how long, and whether SLA was broken."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from c122.domain.acd.config import QueueConfig
from c122.domain.acd.ids import CallId, OperatorId, QueueId


class CallbackStatus(StrEnum):
    OPEN = "open"
    OFFERED = "offered"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackEntry:
    entry_id: CallId  # the abandoned call's id
    queue_id: QueueId
    caller: str
    priority: int
    enqueued_at: float  # the caller's original place, kept for the callback
    abandoned_at: float
    waited_s: float
    sla_breached: bool
    status: CallbackStatus = CallbackStatus.OPEN
    claimed_by: OperatorId | None = None  # the operator who took it: nobody else is offered it


def is_short_abandon(queue: QueueConfig, waited_s: float) -> bool:
    return waited_s < queue.short_abandon_s


def entry_for_abandon(
    queue: QueueConfig,
    *,
    call_id: CallId,
    caller: str,
    priority: int,
    enqueued_at: float,
    waited_s: float,
    at: float,
    requested: bool = False,
) -> CallbackEntry | None:
    """A list entry for a caller who hung up while waiting, or None for a short abandon; a caller who
    asked for the callback (`requested`) always gets one."""
    if not requested and is_short_abandon(queue, waited_s):
        return None
    return CallbackEntry(
        entry_id=call_id,
        queue_id=queue.queue_id,
        caller=caller,
        priority=priority,
        enqueued_at=enqueued_at,
        abandoned_at=at,
        waited_s=waited_s,
        sla_breached=waited_s > queue.sla_wait_s,
    )


def resumes_place(queue: QueueConfig, entry: CallbackEntry, at: float) -> bool:
    """A repeat caller within the window takes back their place and closes their entry."""
    return at - entry.abandoned_at <= queue.repeat_call_window_s
