"""SMS to and from applicants in SQL (tables/sms.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.cases.status import ACTIVE_STATUSES
from c122.domain.sms import Sms, SmsDirection, SmsState
from c122.persistence.tables.cases import applicant_phones, cases
from c122.persistence.tables.sms import sms_messages
from c122.services.sms.ports import CasePeople


def _sms(row: Row[Any]) -> Sms:
    values = dict(row._mapping)
    return Sms(
        **{**values, "direction": SmsDirection(values["direction"]), "state": SmsState(values["state"])}
    )


class SqlSmsRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def add(self, sms: Sms) -> Sms:
        values = {k: v for k, v in asdict(sms).items() if k != "id"}
        values["direction"], values["state"] = sms.direction.value, sms.state.value
        result = await self._db.execute(insert(sms_messages).values(**values))
        assert result.inserted_primary_key is not None
        found = await self.get(int(result.inserted_primary_key[0]))
        assert found is not None
        return found

    async def get(self, sms_id: int) -> Sms | None:
        row = (await self._db.execute(select(sms_messages).where(sms_messages.c.id == sms_id))).first()
        return _sms(row) if row is not None else None

    async def save(self, sms: Sms, expected: SmsState) -> bool:
        result = await self._db.execute(
            update(sms_messages)
            .where(sms_messages.c.id == sms.id, sms_messages.c.state == expected.value)
            .values(
                state=sms.state.value,
                updated_at=sms.updated_at,
                attempts=sms.attempts,
                next_attempt_at=sms.next_attempt_at,
                problem=sms.problem,
            )
        )
        return result.rowcount == 1

    async def due(self, now: datetime, limit: int) -> list[Sms]:
        rows = await self._db.execute(
            select(sms_messages)
            .where(sms_messages.c.state == SmsState.QUEUED.value, sms_messages.c.next_attempt_at <= now)
            .order_by(sms_messages.c.id)
            .limit(limit)
        )
        return [_sms(row) for row in rows]

    async def of_case(self, case_id: int) -> list[Sms]:
        rows = await self._db.execute(
            select(sms_messages).where(sms_messages.c.case_id == case_id).order_by(sms_messages.c.id)
        )
        return [_sms(row) for row in rows]

    async def open_case_of(self, phone: str) -> int | None:
        found = await self._db.scalar(
            select(cases.c.id)
            .join(applicant_phones, applicant_phones.c.applicant_id == cases.c.applicant_id)
            .where(applicant_phones.c.phone == phone, cases.c.status.in_(sorted(ACTIVE_STATUSES)))
            .order_by(cases.c.created_at.desc(), cases.c.id.desc())
            .limit(1)
        )
        return int(found) if found is not None else None

    async def case_people(self, case_id: int) -> CasePeople | None:
        row = (
            await self._db.execute(select(cases.c.operator_id, cases.c.group_id).where(cases.c.id == case_id))
        ).first()
        return CasePeople(row.operator_id, row.group_id) if row is not None else None

    async def counts(self) -> dict[str, int]:
        rows = await self._db.execute(
            select(sms_messages.c.state, func.count())
            .where(sms_messages.c.direction == SmsDirection.OUTBOUND.value)
            .group_by(sms_messages.c.state)
        )
        return {str(state): int(count) for state, count in rows}
