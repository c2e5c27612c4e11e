"""Messages, broadcasts and notification settings in SQL (tables/messages.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.users import Role
from c122.persistence.tables.accounts import user_groups, users
from c122.persistence.tables.messages import (
    broadcast_recipients,
    broadcasts,
    direct_messages,
    notification_settings,
)
from c122.services.messages.ports import Broadcast, DirectMessage, Member, NotificationSettings, Recipient


def _message(row: Row[Any]) -> DirectMessage:
    return DirectMessage(**row._mapping)


def _by_broadcast(marks: frozenset[tuple[int, int]]) -> dict[int, list[int]]:
    """(broadcast id, user id) pairs as the users of each broadcast, so one statement serves many."""
    users_of: dict[int, list[int]] = defaultdict(list)
    for broadcast_id, user_id in sorted(marks):
        users_of[broadcast_id].append(user_id)
    return users_of


class SqlMessageRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    # --- members -------------------------------------------------------------------------------

    async def _members(self, user_ids: list[int]) -> list[Member]:
        if not user_ids:
            return []
        rows = (
            await self._db.execute(
                select(users.c.id, users.c.full_name, users.c.role, users.c.enabled)
                .where(users.c.id.in_(user_ids))
                .order_by(users.c.full_name, users.c.id)
            )
        ).all()
        links = (
            await self._db.execute(
                select(user_groups.c.user_id, user_groups.c.group_id).where(
                    user_groups.c.user_id.in_(user_ids)
                )
            )
        ).all()
        groups: dict[int, set[int]] = defaultdict(set)
        for link in links:
            groups[link.user_id].add(link.group_id)
        return [
            Member(row.id, row.full_name, Role(row.role), bool(row.enabled), frozenset(groups[row.id]))
            for row in rows
        ]

    async def members_of(self, group_ids: frozenset[int]) -> list[Member]:
        if not group_ids:
            return []
        ids = (
            await self._db.execute(
                select(user_groups.c.user_id).where(user_groups.c.group_id.in_(sorted(group_ids))).distinct()
            )
        ).scalars()
        return await self._members(sorted(ids))

    async def member(self, user_id: int) -> Member | None:
        found = await self._members([user_id])
        return found[0] if found else None

    # --- direct messages -----------------------------------------------------------------------

    async def add_message(self, sender: Member, recipient: Member, text: str, at: datetime) -> DirectMessage:
        values = {
            "sender_id": sender.user_id,
            "sender_name": sender.full_name,
            "recipient_id": recipient.user_id,
            "recipient_name": recipient.full_name,
            "text": text,
            "sent_at": at,
            "read_at": None,
        }
        result = await self._db.execute(
            insert(direct_messages).values(values).returning(direct_messages.c.id)
        )
        return DirectMessage(id=result.scalar_one(), **values)  # type: ignore[arg-type]

    async def message(self, message_id: int) -> DirectMessage | None:
        row = (
            await self._db.execute(select(direct_messages).where(direct_messages.c.id == message_id))
        ).first()
        return _message(row) if row else None

    @staticmethod
    def _between(user_id: int, other_id: int) -> Any:
        m = direct_messages.c
        return or_(
            and_(m.sender_id == user_id, m.recipient_id == other_id),
            and_(m.sender_id == other_id, m.recipient_id == user_id),
        )

    async def conversation(self, user_id: int, other_id: int, limit: int) -> list[DirectMessage]:
        m = direct_messages.c
        rows = (
            await self._db.execute(
                select(direct_messages)
                .where(self._between(user_id, other_id))
                .order_by(m.id.desc())
                .limit(limit)
            )
        ).all()
        return [_message(row) for row in reversed(rows)]

    async def unread_from(self, recipient_id: int) -> dict[int, int]:
        m = direct_messages.c
        rows = (
            await self._db.execute(
                select(m.sender_id, func.count())
                .where(m.recipient_id == recipient_id, m.read_at.is_(None), m.sender_id.is_not(None))
                .group_by(m.sender_id)
            )
        ).all()
        return {row[0]: row[1] for row in rows}

    async def last_with(self, user_id: int) -> dict[int, DirectMessage]:
        m = direct_messages.c
        other = func.coalesce(
            func.nullif(m.sender_id, user_id), m.recipient_id
        )  # the counterpart of each of the user's messages
        newest = (
            select(func.max(m.id))
            .where(or_(m.sender_id == user_id, m.recipient_id == user_id))
            .group_by(other)
            .scalar_subquery()
        )
        rows = (await self._db.execute(select(direct_messages).where(m.id.in_(newest)))).all()
        found = [_message(row) for row in rows]
        return {(msg.recipient_id if msg.sender_id == user_id else msg.sender_id) or 0: msg for msg in found}

    async def mark_message_read(self, message_id: int, at: datetime) -> None:
        m = direct_messages.c
        await self._db.execute(
            update(direct_messages).where(m.id == message_id, m.read_at.is_(None)).values(read_at=at)
        )

    async def mark_conversation_read(self, recipient_id: int, sender_id: int, at: datetime) -> list[int]:
        m = direct_messages.c
        unread = (m.recipient_id == recipient_id, m.sender_id == sender_id, m.read_at.is_(None))
        ids = list((await self._db.execute(select(m.id).where(*unread).order_by(m.id))).scalars())
        if ids:
            await self._db.execute(update(direct_messages).where(m.id.in_(ids)).values(read_at=at))
        return ids

    # --- broadcasts ----------------------------------------------------------------------------

    async def add_broadcast(
        self, sender: Member, text: str, at: datetime, recipients: list[tuple[Member, int]]
    ) -> Broadcast:
        result = await self._db.execute(
            insert(broadcasts)
            .values(sender_id=sender.user_id, sender_name=sender.full_name, text=text, sent_at=at)
            .returning(broadcasts.c.id)
        )
        broadcast_id = result.scalar_one()
        rows = [
            {
                "broadcast_id": broadcast_id,
                "user_id": m.user_id,
                "full_name": m.full_name,
                "group_id": g,
                "read_at": None,
            }
            for m, g in recipients
        ]
        await self._db.execute(insert(broadcast_recipients), rows)
        return Broadcast(
            broadcast_id,
            sender.user_id,
            sender.full_name,
            text,
            at,
            tuple(Recipient(m.user_id, m.full_name, g, None) for m, g in recipients),
        )

    async def _with_recipients(self, rows: list[Row[Any]], only_user: int | None = None) -> list[Broadcast]:
        ids = [row.id for row in rows]
        if not ids:
            return []
        r = broadcast_recipients.c
        query = select(broadcast_recipients).where(r.broadcast_id.in_(ids)).order_by(r.full_name, r.user_id)
        if only_user is not None:
            query = query.where(r.user_id == only_user)
        by_broadcast: dict[int, list[Recipient]] = defaultdict(list)
        for rec in (await self._db.execute(query)).all():
            by_broadcast[rec.broadcast_id].append(
                Recipient(rec.user_id, rec.full_name, rec.group_id, rec.read_at)
            )
        return [
            Broadcast(
                row.id, row.sender_id, row.sender_name, row.text, row.sent_at, tuple(by_broadcast[row.id])
            )
            for row in rows
        ]

    async def broadcast_senders(self, broadcast_ids: frozenset[int]) -> dict[int, int | None]:
        b = broadcasts.c
        query = select(b.id, b.sender_id).where(b.id.in_(sorted(broadcast_ids)))
        return {row.id: row.sender_id for row in (await self._db.execute(query)).all()}

    async def recipient_copies(self, marks: frozenset[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        r = broadcast_recipients.c
        found: set[tuple[int, int]] = set()
        for broadcast_id, user_ids in _by_broadcast(marks).items():
            query = select(r.user_id).where(r.broadcast_id == broadcast_id, r.user_id.in_(user_ids))
            found.update((broadcast_id, uid) for uid in (await self._db.execute(query)).scalars())
        return frozenset(found)

    async def broadcasts_of_groups(
        self, group_ids: frozenset[int] | None, sender_id: int, limit: int
    ) -> list[Broadcast]:
        b, r = broadcasts.c, broadcast_recipients.c
        query = select(broadcasts).order_by(b.sent_at.desc(), b.id.desc()).limit(limit)
        if group_ids is not None:
            reached = select(r.broadcast_id).where(r.group_id.in_(sorted(group_ids)))
            query = query.where(or_(b.sender_id == sender_id, b.id.in_(reached)))
        return await self._with_recipients(list((await self._db.execute(query)).all()))

    async def broadcasts_to(self, user_id: int, limit: int) -> list[Broadcast]:
        b, r = broadcasts.c, broadcast_recipients.c
        mine = select(r.broadcast_id).where(r.user_id == user_id)
        query = select(broadcasts).where(b.id.in_(mine)).order_by(b.sent_at.desc(), b.id.desc()).limit(limit)
        return await self._with_recipients(list((await self._db.execute(query)).all()), only_user=user_id)

    async def mark_copies_read(
        self, marks: frozenset[tuple[int, int]], at: datetime
    ) -> frozenset[tuple[int, int]]:
        r = broadcast_recipients.c
        changed: set[tuple[int, int]] = set()
        for broadcast_id, user_ids in _by_broadcast(marks).items():
            result = await self._db.execute(
                update(broadcast_recipients)
                .where(r.broadcast_id == broadcast_id, r.user_id.in_(user_ids), r.read_at.is_(None))
                .values(read_at=at)
                .returning(r.user_id)
            )
            changed.update((broadcast_id, uid) for uid in result.scalars())
        return frozenset(changed)

    # --- notification settings -----------------------------------------------------------------

    async def settings(self, user_id: int) -> NotificationSettings | None:
        s = notification_settings.c
        row = (await self._db.execute(select(notification_settings).where(s.user_id == user_id))).first()
        return NotificationSettings(bool(row.service), bool(row.sound), bool(row.browser)) if row else None

    async def put_settings(self, user_id: int, settings: NotificationSettings, at: datetime) -> None:
        s = notification_settings.c
        await self._db.execute(delete(notification_settings).where(s.user_id == user_id))
        await self._db.execute(
            insert(notification_settings).values(
                user_id=user_id,
                service=settings.service,
                sound=settings.sound,
                browser=settings.browser,
                updated_at=at,
            )
        )
