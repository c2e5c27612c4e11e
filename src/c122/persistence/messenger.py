"""The messenger channel's chats and taken updates in SQL (tables/messenger.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.persistence.tables.messenger import messenger_chats, messenger_updates
from c122.services.messenger.ports import MessengerChat


def _chat(row: Row[Any]) -> MessengerChat:
    return MessengerChat(**dict(row._mapping))


class SqlMessengerRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def take_update(self, platform: str, update_id: int, now: datetime) -> bool:
        # Insert-or-nothing in one statement: the same update delivered twice at once is taken once.
        dialect_insert = postgresql_insert if self._db.dialect.name == "postgresql" else sqlite_insert
        result = await self._db.execute(
            dialect_insert(messenger_updates)
            .values(platform=platform, update_id=update_id, received_at=now)
            .on_conflict_do_nothing()
        )
        return result.rowcount == 1

    async def chat(self, platform: str, chat_id: str) -> MessengerChat | None:
        row = (
            await self._db.execute(
                select(messenger_chats).where(
                    messenger_chats.c.platform == platform, messenger_chats.c.chat_id == chat_id
                )
            )
        ).first()
        return _chat(row) if row is not None else None

    async def save_chat(self, chat: MessengerChat) -> None:
        values = {"name": chat.name, "case_id": chat.case_id, "updated_at": chat.updated_at}
        result = await self._db.execute(
            update(messenger_chats)
            .where(messenger_chats.c.platform == chat.platform, messenger_chats.c.chat_id == chat.chat_id)
            .values(**values)
        )
        if result.rowcount == 0:
            await self._db.execute(
                insert(messenger_chats).values(platform=chat.platform, chat_id=chat.chat_id, **values)
            )
