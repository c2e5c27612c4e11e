"""Carrier trunks in SQL (tables/trunks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.trunks import TrunkDraft
from c122.persistence.sealing import Sealer
from c122.persistence.tables.trunks import trunk_imports, trunks
from c122.services.trunks.ports import StoredTrunk


def _stored(row: Row[Any], sealer: Sealer) -> StoredTrunk:
    password = sealer.open(row.password, f"trunk {row.name}") if row.password is not None else None
    draft = TrunkDraft(
        name=row.name,
        host=row.host,
        port=row.port,
        transport=row.transport,
        username=row.username,
        password=password,
        register=bool(row.register),
        prefixes=tuple(row.prefixes),
        caller_id=row.caller_id,
        codecs=tuple(row.codecs),
        max_calls=row.max_calls,
        keepalive_s=row.keepalive_s,
    )
    return StoredTrunk(id=row.id, draft=draft, updated_at=row.updated_at)


def _values(trunk: TrunkDraft, at: datetime, sealer: Sealer) -> dict[str, Any]:
    return {
        "name": trunk.name,
        "host": trunk.host,
        "port": trunk.port,
        "transport": trunk.transport,
        "username": trunk.username,
        "password": sealer.seal(trunk.password) if trunk.password is not None else None,
        "register": trunk.register,
        "prefixes": list(trunk.prefixes),
        "caller_id": trunk.caller_id,
        "codecs": list(trunk.codecs),
        "max_calls": trunk.max_calls,
        "keepalive_s": trunk.keepalive_s,
        "updated_at": at,
    }


class SqlTrunkRepository:
    def __init__(self, connection: AsyncConnection, sealer: Sealer) -> None:
        self._db = connection
        self._sealer = sealer

    async def all(self) -> list[StoredTrunk]:
        rows = (await self._db.execute(select(trunks).order_by(trunks.c.name))).all()
        return [_stored(row, self._sealer) for row in rows]

    async def get(self, trunk_id: int) -> StoredTrunk | None:
        row = (await self._db.execute(select(trunks).where(trunks.c.id == trunk_id))).first()
        return _stored(row, self._sealer) if row is not None else None

    async def named(self, name: str) -> StoredTrunk | None:
        row = (await self._db.execute(select(trunks).where(trunks.c.name == name))).first()
        return _stored(row, self._sealer) if row is not None else None

    async def add(self, trunk: TrunkDraft, at: datetime) -> int:
        result = await self._db.execute(
            insert(trunks).values(**_values(trunk, at, self._sealer)).returning(trunks.c.id)
        )
        return int(result.scalar_one())

    async def update(self, trunk_id: int, trunk: TrunkDraft, at: datetime) -> None:
        await self._db.execute(
            update(trunks).where(trunks.c.id == trunk_id).values(**_values(trunk, at, self._sealer))
        )

    async def delete(self, trunk_id: int) -> None:
        await self._db.execute(delete(trunks).where(trunks.c.id == trunk_id))

    async def imported(self) -> bool:
        count = (await self._db.execute(select(func.count()).select_from(trunk_imports))).scalar_one()
        return bool(count)

    async def mark_imported(self, count: int, at: datetime) -> None:
        await self._db.execute(insert(trunk_imports).values(id=1, imported_at=at, count=count))
