"""What every use case shares from the outside world, as Protocols: the base unit of work and the
generic shape of a stored kind of record. Each feature declares its own repositories
and the slice of the unit of work it needs in its `ports.py`; the persistence unit of work fulfils
them all. This module imports no feature."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, Self, TypeVar

E = TypeVar("E")


@dataclass(frozen=True)
class Page(Generic[E]):
    items: list[E]
    total: int


class EntityRepository(Protocol[E]):
    """Storage of one kind of organisation record. Values are keyed by the record's field names."""

    async def get(self, entity_id: int) -> E | None: ...

    async def search(self, query: str, limit: int, offset: int) -> Page[E]: ...

    async def find(self, criteria: Mapping[str, object]) -> E | None:
        """The first record whose fields equal all the given values."""
        ...

    async def count(self, criteria: Mapping[str, object]) -> int: ...

    async def create(self, values: Mapping[str, Any]) -> E: ...

    async def update(self, entity_id: int, values: Mapping[str, Any]) -> E: ...

    async def delete(self, entity_id: int) -> None: ...


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: Mapping[str, Any] | None


class AuditLog(Protocol):
    async def entries(self, entity: str, limit: int = 100) -> list[AuditEntry]:
        """The newest entries about one kind of record, newest first."""
        ...

    async def names_actor(self, user_id: int) -> bool:
        """Whether any entry was written by this user (their account must then stay)."""
        ...

    async def record(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction. Nothing is stored unless `commit` is awaited. Every feature audits,
    so the audit log is part of the base; a feature's own repositories are in its slice."""

    @property
    def audit(self) -> AuditLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def ping(self) -> None:
        """Raises if the database does not answer."""
        ...


U_co = TypeVar("U_co", bound=UnitOfWork, covariant=True)


class UnitOfWorkFactory(Protocol[U_co]):
    """Opens a unit of work typed as the slice its feature declares."""

    def __call__(self) -> U_co: ...
