"""Reading the audit trail: administrators only. Searching and exporting are themselves written to
the trail (who looked, with which filter), and so is every refusal."""

from __future__ import annotations

from dataclasses import replace

from c122.domain.audit import (
    MAX_EXPORT_ROWS,
    MAX_PAGE,
    AuditFilter,
    AuditPage,
    AuditVocabulary,
    StoredAuditEntry,
    check_filter,
)
from c122.domain.clock import Clock
from c122.domain.errors import Forbidden
from c122.domain.users import Actor
from c122.services.audit.export import audit_csv
from c122.services.audit.ports import AuditUnitOfWork
from c122.services.ports import UnitOfWorkFactory

AUDIT_ENTITY = "audit_log"


class AuditTrail:
    def __init__(self, uow_factory: UnitOfWorkFactory[AuditUnitOfWork], clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def search(self, actor: Actor, query: AuditFilter) -> AuditPage:
        check_filter(query)
        await self._require_admin(actor, "view_audit")
        async with self._uow() as uow:
            page = await uow.audit_trail.search(query)
            if query.before_id is None:
                # The first page is the look; turning pages of the same search is not a new one.
                await self._record(uow, actor, "view_audit", query)
                await uow.commit()
        return page

    async def vocabulary(self, actor: Actor) -> AuditVocabulary:
        await self._require_admin(actor, "view_audit")
        async with self._uow() as uow:
            return await uow.audit_trail.vocabulary()

    async def export_csv(self, actor: Actor, query: AuditFilter) -> str:
        """Every entry the filter selects (at most MAX_EXPORT_ROWS, newest first) as CSV."""
        query = replace(query, before_id=None, limit=MAX_PAGE)
        check_filter(query)
        await self._require_admin(actor, "export_audit")
        entries: list[StoredAuditEntry] = []
        async with self._uow() as uow:
            while len(entries) < MAX_EXPORT_ROWS:
                page = await uow.audit_trail.search(query)
                entries.extend(page.items)
                if page.next_before_id is None:
                    break
                query = replace(query, before_id=page.next_before_id)
            del entries[MAX_EXPORT_ROWS:]
            await self._record(uow, actor, "export_audit", query, rows=len(entries))
            await uow.commit()
        return audit_csv(entries)

    async def _require_admin(self, actor: Actor, action: str) -> None:
        if actor.is_admin:
            return
        async with self._uow() as uow:
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action=f"{action}_refused",
                entity=AUDIT_ENTITY,
                entity_id="",
            )
            await uow.commit()
        raise Forbidden("only administrators read the audit trail")

    async def _record(
        self, uow: AuditUnitOfWork, actor: Actor, action: str, query: AuditFilter, rows: int | None = None
    ) -> None:
        detail = {"filter": query.described()} | ({"rows": rows} if rows is not None else {})
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id,
            action=action,
            entity=AUDIT_ENTITY,
            entity_id="",
            detail=detail,
        )
