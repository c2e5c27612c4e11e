"""What the audit trail viewer reads. The trail is append-only: this port has no way to change or
remove an entry, and no other port has either."""

from __future__ import annotations

from typing import Protocol

from c122.domain.audit import AuditFilter, AuditPage, AuditVocabulary
from c122.services.ports import UnitOfWork


class AuditTrailReader(Protocol):
    async def search(self, query: AuditFilter) -> AuditPage:
        """One page, newest first, of the entries the filter selects."""
        ...

    async def vocabulary(self) -> AuditVocabulary: ...


class AuditUnitOfWork(UnitOfWork, Protocol):
    @property
    def audit_trail(self) -> AuditTrailReader: ...
