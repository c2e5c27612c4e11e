"""What the message board needs stored, as Protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.services.ports import UnitOfWork


@dataclass(frozen=True)
class Notice:
    """A notice a senior pinned for some of their groups (SUP-05)."""

    id: int
    author_id: int | None  # None once the author's account was deleted
    author_name: str
    text: str
    group_ids: frozenset[int]
    expires_at: datetime | None  # None: pinned until unpinned
    pinned_at: datetime
    changed_at: datetime


@dataclass(frozen=True)
class NoticeDraft:
    """What a senior writes: the text, the groups it is for and when it comes down by itself."""

    text: str
    group_ids: frozenset[int]
    expires_at: datetime | None


class BoardRepository(Protocol):
    async def pinned(self, group_ids: frozenset[int] | None, now: datetime) -> list[Notice]:
        """Unexpired notices for any of the groups (all when None), newest first."""
        ...

    async def notice(self, notice_id: int) -> Notice | None: ...

    async def unknown_groups(self, group_ids: frozenset[int]) -> frozenset[int]:
        """Those of the ids that name no group."""
        ...

    async def count_pinned(self, group_ids: frozenset[int], now: datetime) -> dict[int, int]:
        """How many unexpired notices each of the groups has."""
        ...

    async def add(self, author_id: int, draft: NoticeDraft, at: datetime) -> Notice:
        """Stores a notice, the author's name copied from their account."""
        ...

    async def change(self, notice_id: int, draft: NoticeDraft, at: datetime) -> Notice: ...

    async def remove(self, notice_id: int) -> bool:
        """True when the notice was there and is gone now."""
        ...

    async def take_expired(self, now: datetime) -> list[Notice]:
        """Removes the notices whose expiry has come and returns them."""
        ...


class BoardUnitOfWork(UnitOfWork, Protocol):
    @property
    def board(self) -> BoardRepository: ...
