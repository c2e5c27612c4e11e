"""The append-only queue event log: one flat record per happening, like Asterisk's queue_log.

Every KPI is recomputed from these records alone (see `kpi.py`), so they carry the figures the formulas
need (waits, talk times, time spent in the previous operator state) rather than references.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from c122.domain.acd.events import (
    CallAbandoned,
    CallbackClosed,
    CallbackCreated,
    CallCompleted,
    CallConnected,
    CallExited,
    CallMoved,
    CallOffered,
    CallQueued,
    CallTransferred,
    ChatAccepted,
    ChatEnded,
    ChatOffered,
    ChatOfferMissed,
    ChatQueued,
    CompletedBy,
    DomainEvent,
    OfferRejected,
    OfferWithdrawn,
    OperatorStateChanged,
)


class QueueLogKind(StrEnum):
    ENTER = "enter"
    OFFER = "offer"
    RING_NO_ANSWER = "ring_no_answer"
    REJECT = "reject"
    OFFER_WITHDRAWN = "offer_withdrawn"
    CONNECT = "connect"
    COMPLETE_CALLER = "complete_caller"
    COMPLETE_OPERATOR = "complete_operator"
    ABANDON = "abandon"
    EXIT_TIMEOUT = "exit_timeout"
    EXIT_EMPTY = "exit_empty"
    EXIT_FULL = "exit_full"
    EXIT_REMOVED = "exit_removed"
    EXIT_GONE = "exit_gone"
    TRANSFER = "transfer"
    MOVE = "move"
    CALLBACK_CREATED = "callback_created"
    CALLBACK_CLOSED = "callback_closed"
    STATE_CHANGE = "state_change"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueLogRecord:
    at: float
    kind: QueueLogKind
    queue_id: str | None = None
    call_id: str | None = None
    operator_id: str | None = None
    waited_s: float | None = None
    talk_s: float | None = None
    duration_s: float | None = None  # state changes: time spent in old_status
    position: int | None = None
    old_status: str | None = None
    new_status: str | None = None
    detail: str = ""  # reason, cause, destination, target queue
    note: str = ""  # a senior's removal: the reason they gave (operator_id: the senior)
    is_callback: bool = False
    media: str = "voice"  # voice (a call) or text (a chat): statistics count them as separate channels
    sla_breached: bool = False


_EXIT_KINDS = {
    "timeout": QueueLogKind.EXIT_TIMEOUT,
    "empty": QueueLogKind.EXIT_EMPTY,
    "full": QueueLogKind.EXIT_FULL,
    "removed": QueueLogKind.EXIT_REMOVED,
    "gone": QueueLogKind.EXIT_GONE,
}

TEXT = "text"

#: Record fields copied from an event attribute of the same name, when the event has one.
_SAME_NAMED = (
    "queue_id",
    "call_id",
    "operator_id",
    "waited_s",
    "talk_s",
    "duration_s",
    "position",
    "old_status",
    "new_status",
    "is_callback",
    "sla_breached",
)


def _record(event: object, at: float, kind: QueueLogKind, detail: str = "", **fields: Any) -> QueueLogRecord:
    """The one constructor: the fields the event names like the record, plus the ones that differ."""
    same = {name: getattr(event, name) for name in _SAME_NAMED if hasattr(event, name)}
    return QueueLogRecord(at=at, kind=kind, detail=detail, **(same | fields))


def to_record(event: DomainEvent) -> QueueLogRecord | None:
    """The log record of an event, or None for events that are notices rather than happenings."""
    K = QueueLogKind
    match event:
        case CallQueued():
            return _record(event, event.at, K.ENTER, "resumed" if event.resumed else "")
        case CallOffered(offer=offer):
            return _record(offer, event.at, K.OFFER)
        case OfferRejected():
            kind = K.RING_NO_ANSWER if event.cause == "ring_timeout" else K.REJECT
            return _record(event, event.at, kind, duration_s=event.ring_s)
        case OfferWithdrawn():
            return _record(event, event.at, K.OFFER_WITHDRAWN, event.cause)
        case CallConnected():
            return _record(event, event.at, K.CONNECT)
        case CallCompleted():
            kind = K.COMPLETE_CALLER if event.by is CompletedBy.CALLER else K.COMPLETE_OPERATOR
            return _record(event, event.at, kind)
        case CallAbandoned():
            return _record(event, event.at, K.ABANDON, "short" if event.short else "")
        case CallExited():
            kind = _EXIT_KINDS[event.reason.value]
            return _record(
                event, event.at, kind, event.destination or "", operator_id=event.removed_by, note=event.note
            )
        case CallTransferred():
            return _record(event, event.at, K.TRANSFER, event.to_queue_id, queue_id=event.from_queue_id)
        case CallMoved():
            return _record(event, event.at, K.MOVE, f"{event.to} by {event.senior_id}")
        case CallbackCreated():
            return _record(event, event.at, K.CALLBACK_CREATED, call_id=event.entry_id)
        case CallbackClosed():
            return _record(event, event.at, K.CALLBACK_CLOSED, event.reason, call_id=event.entry_id)
        case ChatQueued():
            return _record(event, event.at, K.ENTER, event.channel, media=TEXT)
        case ChatOffered(offer=offer):
            return _record(offer, event.at, K.OFFER, event.channel, media=TEXT)
        case ChatOfferMissed():
            kind = K.REJECT if event.cause == "rejected" else K.RING_NO_ANSWER
            return _record(event, event.at, kind, event.cause, duration_s=event.ring_s, media=TEXT)
        case ChatAccepted():
            return _record(event, event.at, K.CONNECT, media=TEXT)
        case ChatEnded() if event.operator_id is None:
            return _record(event, event.at, K.EXIT_REMOVED, "case_closed", media=TEXT)
        case ChatEnded():
            return _record(event, event.at, K.COMPLETE_OPERATOR, media=TEXT)
        case OperatorStateChanged():
            return _record(event, event.at, K.STATE_CHANGE, event.reason)
        case _:
            return None


def to_records(events: Iterable[DomainEvent]) -> Iterator[QueueLogRecord]:
    for event in events:
        record = to_record(event)
        if record is not None:
            yield record
