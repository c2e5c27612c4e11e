"""The message board on the wire (docs/contact-center/messages.md, «Message board»)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from c122.api.bounded import Id
from c122.api.schemas.common import Strict
from c122.services.board.ports import Notice
from c122.services.board.service import MAX_NOTICE_TEXT

NoticeText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTICE_TEXT)
]


class NoticeIn(Strict):
    """A notice for some of the senior's groups; without `expires_at` it stays until unpinned."""

    text: NoticeText
    group_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    expires_at: AwareDatetime | None = None


class NoticeOut(BaseModel):
    id: int
    author_id: int | None
    author_name: str
    text: str
    group_ids: list[int]
    expires_at: datetime | None
    pinned_at: datetime
    changed_at: datetime

    @classmethod
    def of(cls, notice: Notice) -> NoticeOut:
        return cls(
            id=notice.id,
            author_id=notice.author_id,
            author_name=notice.author_name,
            text=notice.text,
            group_ids=sorted(notice.group_ids),
            expires_at=notice.expires_at,
            pinned_at=notice.pinned_at,
            changed_at=notice.changed_at,
        )


# --- live event payloads (docs/events/messages.md) ---------------------------------------------


class NoticePinnedData(BaseModel):
    """A new notice, or a changed one (the same id)."""

    notice: NoticeOut


class NoticeRemovedData(BaseModel):
    id: int
    reason: Literal["unpinned", "expired", "withdrawn"]
