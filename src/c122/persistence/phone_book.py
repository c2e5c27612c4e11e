"""The phone book in SQL (tables/phone_book.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from c122.domain.phone_book import ContactDraft
from c122.persistence.tables.phone_book import phone_book_contacts as contacts
from c122.persistence.tables.phone_book import phone_book_favourites as favourites
from c122.services.phone_book.ports import Contact


def _contact(row: Row[Any]) -> Contact:
    return Contact(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        number=row.number,
        note=row.note,
        favourite=row.favourite_of is not None,
    )


def _owned_by(owner_id: int | None) -> ColumnElement[bool]:
    return contacts.c.owner_id.is_(None) if owner_id is None else contacts.c.owner_id == owner_id


class SqlPhoneBookRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    @staticmethod
    def _marked(reader_id: int) -> Any:
        """Contacts with the reader's favourite marks."""
        joined = contacts.outerjoin(
            favourites, and_(favourites.c.contact_id == contacts.c.id, favourites.c.user_id == reader_id)
        )
        return select(*contacts.c, favourites.c.user_id.label("favourite_of")).select_from(joined)

    def _read(self, reader_id: int) -> Any:
        """Contacts the reader sees: the organisation's and their own."""
        return self._marked(reader_id).where(
            or_(contacts.c.owner_id.is_(None), contacts.c.owner_id == reader_id)
        )

    async def visible_to(self, user_id: int) -> list[Contact]:
        rows = (await self._db.execute(self._read(user_id).order_by(contacts.c.id))).all()
        return [_contact(row) for row in rows]

    async def get(self, contact_id: int, reader_id: int) -> Contact | None:
        row = (await self._db.execute(self._read(reader_id).where(contacts.c.id == contact_id))).first()
        return _contact(row) if row is not None else None

    async def with_number(self, owner_id: int | None, number: str) -> Contact | None:
        row = (
            await self._db.execute(
                self._marked(0).where(_owned_by(owner_id), contacts.c.number == number).limit(1)
            )
        ).first()
        return _contact(row) if row is not None else None

    async def numbers_of(self, owner_id: int | None) -> set[str]:
        return set((await self._db.execute(select(contacts.c.number).where(_owned_by(owner_id)))).scalars())

    async def add(self, owner_id: int | None, contact: ContactDraft, at: datetime) -> int:
        result = await self._db.execute(
            insert(contacts)
            .values(
                owner_id=owner_id,
                name=contact.name,
                number=contact.number,
                note=contact.note,
                updated_at=at,
            )
            .returning(contacts.c.id)
        )
        return int(result.scalar_one())

    async def update(self, contact_id: int, contact: ContactDraft, at: datetime) -> None:
        await self._db.execute(
            update(contacts)
            .where(contacts.c.id == contact_id)
            .values(name=contact.name, number=contact.number, note=contact.note, updated_at=at)
        )

    async def delete(self, contact_id: int) -> None:
        await self._db.execute(delete(favourites).where(favourites.c.contact_id == contact_id))
        await self._db.execute(delete(contacts).where(contacts.c.id == contact_id))

    async def set_favourite(self, user_id: int, contact_id: int, favourite: bool) -> None:
        mark = and_(favourites.c.user_id == user_id, favourites.c.contact_id == contact_id)
        await self._db.execute(delete(favourites).where(mark))
        if favourite:
            await self._db.execute(insert(favourites).values(user_id=user_id, contact_id=contact_id))
