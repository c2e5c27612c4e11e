"""The live events of messages and broadcasts (docs/events/messages.md).

A message goes to its two people only; a broadcast to its recipients (one event, one audience);
a read mark to the sender and the reader. Every payload carries the whole record, so a desktop
that applies one twice ends in the same state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from c122.services.events import Audience, OutboundEvent
from c122.services.messages.ports import Broadcast, DirectMessage

MESSAGE_SENT = "message.sent"
MESSAGE_READ = "message.read"
BROADCAST_SENT = "broadcast.sent"
BROADCAST_READ = "broadcast.read"


def message_data(message: DirectMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "sender_id": message.sender_id,
        "sender_name": message.sender_name,
        "recipient_id": message.recipient_id,
        "recipient_name": message.recipient_name,
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
    }


def _pair(*user_ids: int | None) -> Audience:
    return Audience(user_ids=frozenset(uid for uid in user_ids if uid is not None))


def message_sent(message: DirectMessage) -> OutboundEvent:
    audience = _pair(message.sender_id, message.recipient_id)
    return OutboundEvent(MESSAGE_SENT, {"message": message_data(message)}, audience, message.sent_at)


def message_read(message: DirectMessage, read_ids: list[int], at: datetime) -> OutboundEvent:
    data = {
        "reader_id": message.recipient_id,
        "sender_id": message.sender_id,
        "ids": read_ids,
        "read_at": at.isoformat(),
    }
    return OutboundEvent(MESSAGE_READ, data, _pair(message.sender_id, message.recipient_id), at)


def broadcast_notice(broadcast: Broadcast) -> dict[str, Any]:
    """What a recipient is told: sender, text, date and time (seed fig. 54)."""
    return {
        "id": broadcast.id,
        "sender_id": broadcast.sender_id,
        "sender_name": broadcast.sender_name,
        "text": broadcast.text,
        "sent_at": broadcast.sent_at.isoformat(),
    }


def broadcast_sent(broadcast: Broadcast) -> OutboundEvent:
    audience = Audience(user_ids=frozenset(r.user_id for r in broadcast.recipients))
    return OutboundEvent(
        BROADCAST_SENT, {"broadcast": broadcast_notice(broadcast)}, audience, broadcast.sent_at
    )


def broadcast_read(broadcast_id: int, sender_id: int | None, user_id: int, at: datetime) -> OutboundEvent:
    data = {"broadcast_id": broadcast_id, "user_id": user_id, "read_at": at.isoformat()}
    return OutboundEvent(BROADCAST_READ, data, _pair(sender_id, user_id), at)
