"""The citizen app's calls in SQL (tables/citizen.py `citizen_calls`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.persistence.tables.citizen import citizen_calls
from c122.services.citizen_call.ports import StoredAppCall


class SqlAppCallRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def add_call(self, call: StoredAppCall) -> None:
        await self._db.execute(
            insert(citizen_calls).values(
                call_id=call.call_id,
                device_id=call.device_id,
                placed_at=call.placed_at,
                ended_at=call.ended_at,
                cause=call.cause,
            )
        )

    async def latest_call(self, device_id: int) -> StoredAppCall | None:
        row = (
            await self._db.execute(
                select(citizen_calls)
                .where(citizen_calls.c.device_id == device_id)
                .order_by(citizen_calls.c.placed_at.desc(), citizen_calls.c.call_id.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return StoredAppCall(row.call_id, row.device_id, row.placed_at, row.ended_at, row.cause)

    async def end_call(self, call_id: str, ended_at: datetime, cause: str) -> None:
        """Once: a call already ended keeps its first cause."""
        await self._db.execute(
            update(citizen_calls)
            .where(citizen_calls.c.call_id == call_id, citizen_calls.c.ended_at.is_(None))
            .values(ended_at=ended_at, cause=cause)
        )
