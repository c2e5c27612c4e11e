"""What the phone book needs stored, and the live picture of colleagues it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.phone_book import ContactDraft
from c122.services.ports import UnitOfWork


@dataclass(frozen=True)
class Contact:
    """One speed-dial entry. `owner_id` None: the organisation's list; otherwise one operator's own."""

    id: int
    owner_id: int | None
    name: str
    number: str
    note: str
    favourite: bool  # for the reader


class PhoneBookRepository(Protocol):
    async def visible_to(self, user_id: int) -> list[Contact]:
        """The organisation's list and the user's own contacts, with the user's favourite marks."""
        ...

    async def get(self, contact_id: int, reader_id: int) -> Contact | None: ...

    async def with_number(self, owner_id: int | None, number: str) -> Contact | None:
        """The contact of this number in one list (the organisation's for None)."""
        ...

    async def numbers_of(self, owner_id: int | None) -> set[str]: ...

    async def add(self, owner_id: int | None, contact: ContactDraft, at: datetime) -> int: ...

    async def update(self, contact_id: int, contact: ContactDraft, at: datetime) -> None: ...

    async def delete(self, contact_id: int) -> None: ...

    async def set_favourite(self, user_id: int, contact_id: int, favourite: bool) -> None: ...


class PhoneBookUnitOfWork(UnitOfWork, Protocol):
    @property
    def phone_book(self) -> PhoneBookRepository: ...
