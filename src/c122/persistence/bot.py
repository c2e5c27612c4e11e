"""The chat bot's sessions and the text channels' settings in SQL (tables/bot.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.bot import BotConversation
from c122.domain.citizen import Channel
from c122.domain.ivr import IvrState
from c122.persistence.tables.bot import bot_sessions, channel_settings
from c122.services.bot.ports import ChannelSetting, StoredSession


def _session(row: Row[Any]) -> StoredSession:
    conversation = BotConversation(
        flow_name=row.flow_name,
        state=IvrState.from_dict(row.state),
        transcript=BotConversation.transcript_from(row.transcript),
    )
    return StoredSession(
        row.id, Channel(row.channel), row.address, conversation, row.started_at, row.updated_at
    )


class SqlBotRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def session(self, channel: Channel, address: str) -> StoredSession | None:
        row = (
            await self._db.execute(
                select(bot_sessions).where(
                    bot_sessions.c.channel == channel.value, bot_sessions.c.address == address
                )
            )
        ).first()
        return _session(row) if row is not None else None

    async def save_session(
        self, channel: Channel, address: str, conversation: BotConversation, now: datetime
    ) -> None:
        values = {
            "flow_name": conversation.flow_name,
            "state": conversation.state.to_dict(),
            "transcript": conversation.transcript_dict(),
            "updated_at": now,
        }
        result = await self._db.execute(
            update(bot_sessions)
            .where(bot_sessions.c.channel == channel.value, bot_sessions.c.address == address)
            .values(**values)
        )
        if result.rowcount == 0:
            await self._db.execute(
                insert(bot_sessions).values(channel=channel.value, address=address, started_at=now, **values)
            )

    async def end_session(self, channel: Channel, address: str) -> None:
        await self._db.execute(
            delete(bot_sessions).where(
                bot_sessions.c.channel == channel.value, bot_sessions.c.address == address
            )
        )

    async def setting(self, channel: Channel) -> ChannelSetting | None:
        row = (
            await self._db.execute(
                select(channel_settings).where(channel_settings.c.channel == channel.value)
            )
        ).first()
        if row is None:
            return None
        return ChannelSetting(channel, row.flow_name, row.queue_id, row.updated_at)

    async def save_setting(self, setting: ChannelSetting) -> None:
        values = {
            "flow_name": setting.flow_name,
            "queue_id": setting.queue_id,
            "updated_at": setting.updated_at,
        }
        result = await self._db.execute(
            update(channel_settings)
            .where(channel_settings.c.channel == setting.channel.value)
            .values(**values)
        )
        if result.rowcount == 0:
            await self._db.execute(insert(channel_settings).values(channel=setting.channel.value, **values))
