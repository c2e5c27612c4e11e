"""Operators' phone settings: one row per operator who chose a mode or set a SIP password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.persistence.tables.phones import operator_phones
from c122.services.phones.ports import PhoneRecord


class SqlOperatorPhoneRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def all(self) -> list[PhoneRecord]:
        rows = (await self._connection.execute(select(operator_phones))).all()
        return [PhoneRecord(row.user_id, row.mode, row.ha1_md5, row.ha1_sha256) for row in rows]

    async def put(self, record: PhoneRecord, at: datetime) -> None:
        await self._connection.execute(
            delete(operator_phones).where(operator_phones.c.user_id == record.user_id)
        )
        await self._connection.execute(
            insert(operator_phones).values(
                user_id=record.user_id,
                mode=record.mode,
                ha1_md5=record.ha1_md5,
                ha1_sha256=record.ha1_sha256,
                updated_at=at,
            )
        )
