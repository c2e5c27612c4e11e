"""What lookup plug-ins need stored, and the outside registries they query."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from c122.domain.lookups import KeyKind, Lookup, LookupDraft
from c122.services.ports import UnitOfWork


class LookupFailed(Exception):
    """The registry did not give an answer: `code` is `unavailable`, `refused_write` or `bad_answer`;
    the message is shown in the card (never with credentials)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LookupSource(Protocol):
    async def fetch(self, lookup: LookupDraft, key: KeyKind, value: str) -> list[dict[str, Any]]:
        """The registry's rows for the key, or LookupFailed. The caller bounds the time."""
        ...

    def plugins(self) -> list[str]:
        """The names of the installed Python plug-ins (entry points)."""
        ...

    async def close(self) -> None: ...


class LookupRepository(Protocol):
    async def all(self) -> list[Lookup]: ...

    async def get(self, lookup_id: int) -> Lookup | None: ...

    async def named(self, name: str) -> Lookup | None: ...

    async def add(self, lookup: LookupDraft, at: datetime) -> int: ...

    async def update(self, lookup_id: int, lookup: LookupDraft, at: datetime) -> None:
        """Stores the settings and raises the version (the cache of the old settings is dropped)."""
        ...

    async def delete(self, lookup_id: int) -> None: ...


class LookupUnitOfWork(UnitOfWork, Protocol):
    @property
    def lookups(self) -> LookupRepository: ...
