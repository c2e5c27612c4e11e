"""The citizen channels in SQL (tables/citizen.py), and the media files on this machine's disk."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.citizen import Author, Channel, CitizenRequest, Device, Media, MediaKind, Message
from c122.persistence.tables.citizen import (
    citizen_devices,
    citizen_media,
    citizen_requests,
    conversation_messages,
    conversations,
)
from c122.persistence.tables.sms import sms_messages


def _device(row: Row[Any]) -> Device:
    return Device(**dict(row._mapping))


def _request(row: Row[Any]) -> CitizenRequest:
    return CitizenRequest(**dict(row._mapping))


def _media(row: Row[Any]) -> Media:
    values = dict(row._mapping)
    return Media(**{**values, "kind": MediaKind(values["kind"])})


_MESSAGE_COLUMNS = (
    conversation_messages.c.id,
    conversations.c.case_id,
    conversation_messages.c.channel,
    conversation_messages.c.author,
    conversation_messages.c.text,
    conversation_messages.c.created_at,
    conversation_messages.c.author_user_id,
    conversation_messages.c.author_name,
    conversation_messages.c.media_id,
    conversation_messages.c.sms_id,
    sms_messages.c.state.label("delivery"),
    sms_messages.c.problem.label("problem"),
)


def _message(row: Row[*tuple[Any, ...]]) -> Message:
    values = dict(row._mapping)
    values["problem"] = values["problem"] or ""
    return Message(**{**values, "channel": Channel(values["channel"]), "author": Author(values["author"])})


class SqlCitizenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def add_device(self, device: Device) -> Device:
        values = {k: v for k, v in asdict(device).items() if k != "id"}
        result = await self._db.execute(insert(citizen_devices).values(**values))
        assert result.inserted_primary_key is not None
        found = await self.get_device(int(result.inserted_primary_key[0]))
        assert found is not None
        return found

    async def get_device(self, device_id: int) -> Device | None:
        row = (
            await self._db.execute(select(citizen_devices).where(citizen_devices.c.id == device_id))
        ).first()
        return _device(row) if row is not None else None

    async def device_by_token(self, token_hash: str) -> Device | None:
        row = (
            await self._db.execute(select(citizen_devices).where(citizen_devices.c.token_hash == token_hash))
        ).first()
        return _device(row) if row is not None else None

    async def save_device(self, device: Device) -> None:
        values = {k: v for k, v in asdict(device).items() if k != "id"}
        await self._db.execute(
            update(citizen_devices).where(citizen_devices.c.id == device.id).values(**values)
        )

    async def add_request(self, request: CitizenRequest) -> None:
        await self._db.execute(insert(citizen_requests).values(**asdict(request)))

    async def request_of(self, device_id: int, case_id: int) -> CitizenRequest | None:
        row = (
            await self._db.execute(
                select(citizen_requests).where(
                    citizen_requests.c.case_id == case_id, citizen_requests.c.device_id == device_id
                )
            )
        ).first()
        return _request(row) if row is not None else None

    async def request_for_case(self, case_id: int) -> CitizenRequest | None:
        row = (
            await self._db.execute(select(citizen_requests).where(citizen_requests.c.case_id == case_id))
        ).first()
        return _request(row) if row is not None else None

    async def requests_of(self, device_id: int, limit: int) -> list[CitizenRequest]:
        rows = await self._db.execute(
            select(citizen_requests)
            .where(citizen_requests.c.device_id == device_id)
            .order_by(citizen_requests.c.case_id.desc())
            .limit(limit)
        )
        return [_request(row) for row in rows]

    async def add_media(self, media: Media) -> Media:
        values = {k: v for k, v in asdict(media).items() if k != "id"}
        values["kind"] = media.kind.value
        result = await self._db.execute(insert(citizen_media).values(**values))
        assert result.inserted_primary_key is not None
        found = await self.get_media(int(result.inserted_primary_key[0]))
        assert found is not None
        return found

    async def get_media(self, media_id: int) -> Media | None:
        row = (await self._db.execute(select(citizen_media).where(citizen_media.c.id == media_id))).first()
        return _media(row) if row is not None else None

    async def media_of_case(self, case_id: int) -> list[Media]:
        rows = await self._db.execute(
            select(citizen_media).where(citizen_media.c.case_id == case_id).order_by(citizen_media.c.id)
        )
        return [_media(row) for row in rows]

    async def add_message(self, message: Message) -> Message:
        conversation_id = await self._conversation(message.case_id, message.channel, message)
        result = await self._db.execute(
            insert(conversation_messages).values(
                conversation_id=conversation_id,
                channel=message.channel.value,
                author=message.author.value,
                author_user_id=message.author_user_id,
                author_name=message.author_name,
                text=message.text,
                media_id=message.media_id,
                sms_id=message.sms_id,
                created_at=message.created_at,
            )
        )
        assert result.inserted_primary_key is not None
        row = (
            await self._db.execute(
                select(*_MESSAGE_COLUMNS)
                .join(conversations, conversations.c.id == conversation_messages.c.conversation_id)
                .outerjoin(sms_messages, sms_messages.c.id == conversation_messages.c.sms_id)
                .where(conversation_messages.c.id == int(result.inserted_primary_key[0]))
            )
        ).one()
        return _message(row)

    async def _conversation(self, case_id: int, channel: Channel, message: Message) -> int:
        found = (
            await self._db.execute(select(conversations.c.id).where(conversations.c.case_id == case_id))
        ).scalar()
        if found is not None:
            return int(found)
        # Two first messages on a case at once (an operator's answer and the app's): one conversation.
        dialect_insert = postgresql_insert if self._db.dialect.name == "postgresql" else sqlite_insert
        await self._db.execute(
            dialect_insert(conversations)
            .values(case_id=case_id, channel=channel.value, created_at=message.created_at)
            .on_conflict_do_nothing(index_elements=["case_id"])
        )
        made = (
            await self._db.execute(select(conversations.c.id).where(conversations.c.case_id == case_id))
        ).scalar_one()
        return int(made)

    async def messages(self, case_id: int, after_id: int, limit: int) -> list[Message]:
        rows = await self._db.execute(
            select(*_MESSAGE_COLUMNS)
            .join(conversations, conversations.c.id == conversation_messages.c.conversation_id)
            .outerjoin(sms_messages, sms_messages.c.id == conversation_messages.c.sms_id)
            .where(conversations.c.case_id == case_id, conversation_messages.c.id > after_id)
            .order_by(conversation_messages.c.id)
            .limit(limit)
        )
        return [_message(row) for row in rows]


class FileMediaStore:
    """Media files under `root`, by the names the service gives (`<case>/<random>.<ext>`)."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def put(self, name: str, content: bytes) -> None:
        path = self._locate(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        os.replace(temporary, path)

    def path(self, name: str) -> Path | None:
        path = self._locate(name)
        return path if path.is_file() else None

    def _locate(self, name: str) -> Path:
        path = (self._root / name).resolve()
        if not path.is_relative_to(self._root):
            raise ValueError(f"a media name outside the store: {name!r}")
        return path
