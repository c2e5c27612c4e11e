"""The message board in SQL (tables/board.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.persistence.tables.accounts import users
from c122.persistence.tables.board import board_notice_groups, board_notices
from c122.persistence.tables.organisation import groups
from c122.services.board.ports import Notice, NoticeDraft


class SqlBoardRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    @staticmethod
    def _unexpired(now: datetime) -> Any:
        n = board_notices.c
        return or_(n.expires_at.is_(None), n.expires_at > now)

    async def _with_groups(self, rows: Iterable[Row[Any]]) -> list[Notice]:
        found = list(rows)
        if not found:
            return []
        g = board_notice_groups.c
        links = (
            await self._db.execute(
                select(g.notice_id, g.group_id).where(g.notice_id.in_([row.id for row in found]))
            )
        ).all()
        groups: dict[int, set[int]] = defaultdict(set)
        for link in links:
            groups[link.notice_id].add(link.group_id)
        return [Notice(group_ids=frozenset(groups[row.id]), **row._mapping) for row in found]

    async def pinned(self, group_ids: frozenset[int] | None, now: datetime) -> list[Notice]:
        n = board_notices.c
        query = select(board_notices).where(self._unexpired(now))
        if group_ids is not None:
            g = board_notice_groups.c
            query = query.where(n.id.in_(select(g.notice_id).where(g.group_id.in_(sorted(group_ids)))))
        rows = (await self._db.execute(query.order_by(n.pinned_at.desc(), n.id.desc()))).all()
        return await self._with_groups(rows)

    async def notice(self, notice_id: int) -> Notice | None:
        rows = (await self._db.execute(select(board_notices).where(board_notices.c.id == notice_id))).all()
        found = await self._with_groups(rows)
        return found[0] if found else None

    async def count_pinned(self, group_ids: frozenset[int], now: datetime) -> dict[int, int]:
        g = board_notice_groups.c
        rows = (
            await self._db.execute(
                select(g.group_id, func.count())
                .select_from(board_notice_groups.join(board_notices, board_notices.c.id == g.notice_id))
                .where(g.group_id.in_(sorted(group_ids)), self._unexpired(now))
                .group_by(g.group_id)
            )
        ).all()
        return {row[0]: row[1] for row in rows}

    async def unknown_groups(self, group_ids: frozenset[int]) -> frozenset[int]:
        found = await self._db.execute(select(groups.c.id).where(groups.c.id.in_(sorted(group_ids))))
        return group_ids - frozenset(found.scalars())

    async def add(self, author_id: int, draft: NoticeDraft, at: datetime) -> Notice:
        name = select(users.c.full_name).where(users.c.id == author_id).scalar_subquery()
        notice_id = (
            await self._db.execute(
                insert(board_notices)
                .values(
                    author_id=author_id,
                    author_name=func.coalesce(name, ""),
                    text=draft.text,
                    expires_at=draft.expires_at,
                    pinned_at=at,
                    changed_at=at,
                )
                .returning(board_notices.c.id)
            )
        ).scalar_one()
        await self._put_groups(notice_id, draft.group_ids)
        return await self._stored(notice_id)

    async def change(self, notice_id: int, draft: NoticeDraft, at: datetime) -> Notice:
        await self._db.execute(
            update(board_notices)
            .where(board_notices.c.id == notice_id)
            .values(text=draft.text, expires_at=draft.expires_at, changed_at=at)
        )
        await self._db.execute(
            delete(board_notice_groups).where(board_notice_groups.c.notice_id == notice_id)
        )
        await self._put_groups(notice_id, draft.group_ids)
        return await self._stored(notice_id)

    async def remove(self, notice_id: int) -> bool:
        await self._db.execute(
            delete(board_notice_groups).where(board_notice_groups.c.notice_id == notice_id)
        )
        result = await self._db.execute(delete(board_notices).where(board_notices.c.id == notice_id))
        return bool(result.rowcount)

    async def take_expired(self, now: datetime) -> list[Notice]:
        n = board_notices.c
        rows = (
            await self._db.execute(
                select(board_notices).where(n.expires_at.is_not(None), n.expires_at <= now)
            )
        ).all()
        expired = await self._with_groups(rows)
        for notice in expired:
            await self.remove(notice.id)
        return expired

    async def _put_groups(self, notice_id: int, group_ids: frozenset[int]) -> None:
        await self._db.execute(
            insert(board_notice_groups), [{"notice_id": notice_id, "group_id": g} for g in sorted(group_ids)]
        )

    async def _stored(self, notice_id: int) -> Notice:
        found = await self.notice(notice_id)
        assert found is not None  # written in this transaction
        return found
