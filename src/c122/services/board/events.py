"""The live events of the message board (docs/events/messages.md).

A notice goes to the members of its groups (and administrators). A change carries the whole notice,
so a desktop that applies it twice, or after the snapshot that already holds it, ends the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from c122.services.board.ports import Notice
from c122.services.events import Audience, OutboundEvent

NOTICE_PINNED = "board.notice_pinned"
NOTICE_REMOVED = "board.notice_removed"

RemovedBecause = Literal["unpinned", "expired", "withdrawn"]


def notice_data(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "author_id": notice.author_id,
        "author_name": notice.author_name,
        "text": notice.text,
        "group_ids": sorted(notice.group_ids),
        "expires_at": notice.expires_at.isoformat() if notice.expires_at else None,
        "pinned_at": notice.pinned_at.isoformat(),
        "changed_at": notice.changed_at.isoformat(),
    }


def notice_pinned(notice: Notice) -> OutboundEvent:
    """A new notice, or a changed one (same id, later `changed_at`)."""
    audience = Audience(group_ids=notice.group_ids)
    return OutboundEvent(NOTICE_PINNED, {"notice": notice_data(notice)}, audience, notice.changed_at)


def notice_removed(
    notice_id: int, group_ids: frozenset[int], because: RemovedBecause, at: datetime
) -> OutboundEvent:
    """The notice is no longer on the board of these groups' members."""
    data = {"id": notice_id, "reason": because}
    return OutboundEvent(NOTICE_REMOVED, data, Audience(group_ids=group_ids), at)
