"""The append-only queue event log: one flat record per happening, like Asterisk's queue_log.

Every KPI is recomputed from these records alone (see `kpi.py`), so they carry the figures the formulas
need (waits, talk times, time spent in the previous operator state) rather than references.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

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
    is_callback: bool = False
    sla_breached: bool = False


_EXIT_KINDS = {
    "timeout": QueueLogKind.EXIT_TIMEOUT,
    "empty": QueueLogKind.EXIT_EMPTY,
    "full": QueueLogKind.EXIT_FULL,
    "removed": QueueLogKind.EXIT_REMOVED,
}


def to_record(event: DomainEvent) -> QueueLogRecord | None:
    """The log record of an event, or None for events that are notices rather than happenings."""
    K = QueueLogKind
    match event:
        case CallQueued():
            return QueueLogRecord(
                at=event.at,
                kind=K.ENTER,
                queue_id=event.queue_id,
                call_id=event.call_id,
                position=event.position,
                detail="resumed" if event.resumed else "",
            )
        case CallOffered(offer=offer):
            return QueueLogRecord(
                at=event.at,
                kind=K.OFFER,
                queue_id=offer.queue_id,
                call_id=offer.call_id,
                operator_id=offer.operator_id,
                is_callback=offer.is_callback,
            )
        case OfferRejected():
            kind = K.RING_NO_ANSWER if event.cause == "ring_timeout" else K.REJECT
            return QueueLogRecord(
                at=event.at,
                kind=kind,
                queue_id=event.queue_id,
                call_id=event.call_id,
                operator_id=event.operator_id,
                duration_s=event.ring_s,
            )
        case OfferWithdrawn():
            return QueueLogRecord(
                at=event.at,
                kind=K.OFFER_WITHDRAWN,
                queue_id=event.queue_id,
                call_id=event.call_id,
                operator_id=event.operator_id,
                detail=event.cause,
            )
        case CallConnected():
            return QueueLogRecord(
                at=event.at,
                kind=K.CONNECT,
                queue_id=event.queue_id,
                call_id=event.call_id,
                operator_id=event.operator_id,
                waited_s=event.waited_s,
                is_callback=event.is_callback,
            )
        case CallCompleted():
            kind = K.COMPLETE_CALLER if event.by is CompletedBy.CALLER else K.COMPLETE_OPERATOR
            return QueueLogRecord(
                at=event.at,
                kind=kind,
                queue_id=event.queue_id,
                call_id=event.call_id,
                operator_id=event.operator_id,
                waited_s=event.waited_s,
                talk_s=event.talk_s,
            )
        case CallAbandoned():
            return QueueLogRecord(
                at=event.at,
                kind=K.ABANDON,
                queue_id=event.queue_id,
                call_id=event.call_id,
                waited_s=event.waited_s,
                position=event.position,
                detail="short" if event.short else "",
            )
        case CallExited():
            return QueueLogRecord(
                at=event.at,
                kind=_EXIT_KINDS[event.reason.value],
                queue_id=event.queue_id,
                call_id=event.call_id,
                waited_s=event.waited_s,
                detail=event.destination or "",
            )
        case CallTransferred():
            return QueueLogRecord(
                at=event.at,
                kind=K.TRANSFER,
                queue_id=event.from_queue_id,
                call_id=event.call_id,
                operator_id=event.operator_id,
                talk_s=event.talk_s,
                detail=event.to_queue_id,
            )
        case CallMoved():
            return QueueLogRecord(
                at=event.at,
                kind=K.MOVE,
                queue_id=event.queue_id,
                call_id=event.call_id,
                detail=f"{event.to} by {event.senior_id}",
            )
        case CallbackCreated():
            return QueueLogRecord(
                at=event.at,
                kind=K.CALLBACK_CREATED,
                queue_id=event.queue_id,
                call_id=event.entry_id,
                waited_s=event.waited_s,
                sla_breached=event.sla_breached,
            )
        case CallbackClosed():
            return QueueLogRecord(
                at=event.at,
                kind=K.CALLBACK_CLOSED,
                queue_id=event.queue_id,
                call_id=event.entry_id,
                detail=event.reason,
            )
        case OperatorStateChanged():
            return QueueLogRecord(
                at=event.at,
                kind=K.STATE_CHANGE,
                queue_id=event.queue_id,
                call_id=event.call_id,
                operator_id=event.operator_id,
                duration_s=event.duration_s,
                old_status=event.old_status,
                new_status=event.new_status,
                detail=event.reason,
            )
        case _:
            return None


def to_records(events: Iterable[DomainEvent]) -> Iterator[QueueLogRecord]:
    for event in events:
        record = to_record(event)
        if record is not None:
            yield record
