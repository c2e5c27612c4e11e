"""Domain events of the ACD, in the past tense. Services persist them and publish them after commit.

Each event is a flat frozen dataclass of plain values, so it maps to one row (the operator state log,
the queue event log) and to one wire message without a translation table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from c122.domain.acd.ids import CallId, OperatorId, QueueId


class ExitReason(StrEnum):
    TIMEOUT = "timeout"  # max wait reached: sent to the overflow destination
    EMPTY = "empty"  # no operator to serve the queue under its join/leave rule
    FULL = "full"  # max length reached on entry
    REMOVED = "removed"  # a senior took the call out of the queue
    GONE = "gone"  # the call ended without the ACD being told (lost hang-up, failed set-up, a crash)


class CompletedBy(StrEnum):
    CALLER = "caller"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    """The decision to ring one operator with one call (or one callback)."""

    call_id: CallId
    operator_id: OperatorId
    queue_id: QueueId
    expires_at: float
    is_callback: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorStateChanged:
    operator_id: OperatorId
    old_status: str
    new_status: str
    trigger: str
    reason: str
    note: str
    at: float
    duration_s: float  # time spent in old_status
    call_id: CallId | None = None
    queue_id: QueueId | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallQueued:
    call_id: CallId
    queue_id: QueueId
    caller: str
    priority: int
    position: int
    enqueued_at: float
    at: float
    resumed: bool = False  # a repeat caller who got their earlier place back


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOffered:
    offer: Offer
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferRejected:
    call_id: CallId
    operator_id: OperatorId
    queue_id: QueueId
    cause: str  # "rejected" or "ring_timeout"
    ring_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferWithdrawn:
    call_id: CallId
    operator_id: OperatorId
    queue_id: QueueId
    cause: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallConnected:
    call_id: CallId
    operator_id: OperatorId
    queue_id: QueueId
    waited_s: float
    at: float
    is_callback: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CallCompleted:
    call_id: CallId
    operator_id: OperatorId
    queue_id: QueueId
    by: CompletedBy
    waited_s: float
    talk_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAbandoned:
    call_id: CallId
    queue_id: QueueId
    position: int
    waited_s: float
    short: bool  # hung up within the short-abandon threshold
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallExited:
    call_id: CallId
    queue_id: QueueId
    reason: ExitReason
    destination: str | None  # where the call goes next; None means hang up
    message: str | None  # the announcement to play before hanging up, if any
    waited_s: float
    at: float
    removed_by: OperatorId | None = None  # a senior's removal (SUP-02): who, and why
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred:
    call_id: CallId
    operator_id: OperatorId
    from_queue_id: QueueId
    to_queue_id: QueueId
    talk_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallMoved:
    call_id: CallId
    queue_id: QueueId
    to: str  # "head" or "tail"
    senior_id: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackCreated:
    entry_id: CallId
    queue_id: QueueId
    caller: str
    enqueued_at: float
    waited_s: float
    sla_breached: bool
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackClosed:
    entry_id: CallId
    queue_id: QueueId
    reason: str  # "called_again", "answered_again", "called_back", "removed", "expired"
    at: float
    resumed_by: CallId | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakSuggested:
    operator_id: OperatorId
    worked_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakTimeElapsed:
    """End-of-break notice: the break of this reason has lasted its allowed length."""

    operator_id: OperatorId
    reason: str
    allowed_s: float
    at: float


# --- text work items (chats): see chats.py -----------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatQueued:
    call_id: CallId
    queue_id: QueueId
    caller: str
    channel: str
    priority: int
    position: int
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatOffered:
    offer: Offer
    channel: str
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatOfferMissed:
    call_id: CallId
    operator_id: OperatorId
    queue_id: QueueId
    cause: str  # "rejected", "offer_timeout" or "unavailable" (the operator left the desk)
    ring_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatAccepted:
    call_id: CallId
    operator_id: OperatorId
    queue_id: QueueId
    waited_s: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatEnded:
    """A held chat closed (talk_s: since accepted), or a waiting one taken out (operator_id None)."""

    call_id: CallId
    operator_id: OperatorId | None
    queue_id: QueueId
    waited_s: float
    talk_s: float
    at: float


DomainEvent = (
    OperatorStateChanged
    | CallQueued
    | CallOffered
    | OfferRejected
    | OfferWithdrawn
    | CallConnected
    | CallCompleted
    | CallAbandoned
    | CallExited
    | CallTransferred
    | CallMoved
    | CallbackCreated
    | CallbackClosed
    | BreakSuggested
    | BreakTimeElapsed
    | ChatQueued
    | ChatOffered
    | ChatOfferMissed
    | ChatAccepted
    | ChatEnded
)
