"""Storage of the intake: the addresses each case's conversation is reached at on a channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.cases.status import ACTIVE_STATUSES
from c122.domain.citizen import Channel
from c122.persistence.tables.cases import applicant_phones, cases
from c122.persistence.tables.citizen import conversation_contacts as contacts


class SqlContactRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def open_case_of(self, channel: Channel, address: str) -> int | None:
        active = sorted(s.value for s in ACTIVE_STATUSES)
        by_contact = (
            select(cases.c.id, cases.c.created_at)
            .join(contacts, contacts.c.case_id == cases.c.id)
            .where(contacts.c.channel == channel.value, contacts.c.address == address)
            .where(cases.c.status.in_(active))
        )
        found = by_contact
        if channel is Channel.SMS:  # a card whose applicant has this number is reached by SMS too
            by_phone = (
                select(cases.c.id, cases.c.created_at)
                .join(applicant_phones, applicant_phones.c.applicant_id == cases.c.applicant_id)
                .where(applicant_phones.c.phone == address, cases.c.status.in_(active))
            )
            either = union_all(by_contact, by_phone).subquery()
            row = (
                await self._db.execute(
                    select(either.c.id).order_by(either.c.created_at.desc(), either.c.id.desc()).limit(1)
                )
            ).first()
            return int(row.id) if row is not None else None
        row = (
            await self._db.execute(found.order_by(cases.c.created_at.desc(), cases.c.id.desc()).limit(1))
        ).first()
        return int(row.id) if row is not None else None

    async def add_contact(self, case_id: int, channel: Channel, address: str, at: datetime) -> None:
        known = await self._db.scalar(
            select(contacts.c.id).where(
                contacts.c.case_id == case_id,
                contacts.c.channel == channel.value,
                contacts.c.address == address,
            )
        )
        if known is None:
            await self._db.execute(
                insert(contacts).values(
                    case_id=case_id, channel=channel.value, address=address, created_at=at
                )
            )

    async def contact_of(self, case_id: int, channel: Channel) -> str | None:
        found = await self._db.scalar(
            select(contacts.c.address)
            .where(contacts.c.case_id == case_id, contacts.c.channel == channel.value)
            .order_by(contacts.c.id.desc())
            .limit(1)
        )
        return str(found) if found is not None else None
