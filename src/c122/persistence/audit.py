"""The SQL audit log every feature writes to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.audit import AuditFilter, AuditPage, AuditVocabulary, StoredAuditEntry
from c122.domain.users import CONSOLE_USER_ID
from c122.persistence import tables as t
from c122.services.ports import AuditEntry


class SqlAuditLog:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def entries(self, entity: str, limit: int = 100) -> list[AuditEntry]:
        statement = (
            select(t.audit_log)
            .where(t.audit_log.c.entity == entity)
            .order_by(t.audit_log.c.id.desc())
            .limit(limit)
        )
        rows = (await self._db.execute(statement)).all()
        return [AuditEntry(**{k: v for k, v in row._mapping.items() if k != "id"}) for row in rows]

    async def names_actor(self, user_id: int) -> bool:
        statement = select(t.audit_log.c.id).where(t.audit_log.c.actor_id == user_id).limit(1)
        return (await self._db.execute(statement)).first() is not None

    async def record(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        values = {
            "at": at,
            # The command line has no account; its rows show no actor (the foreign key allows NULL).
            "actor_id": None if actor_id == CONSOLE_USER_ID else actor_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": dict(detail) if detail else None,
        }
        await self._db.execute(insert(t.audit_log).values(values))


class SqlAuditTrail:
    """The administrators' read of the audit log: filtered, newest first, paged by id. Only reads."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def search(self, query: AuditFilter) -> AuditPage:
        log = t.audit_log
        statement = (
            select(log, t.users.c.login.label("actor_login"))
            .select_from(log.outerjoin(t.users, t.users.c.id == log.c.actor_id))
            .where(*_conditions(query))
            .order_by(log.c.id.desc())
            .limit(query.limit + 1)
        )
        rows = (await self._db.execute(statement)).all()
        items = [StoredAuditEntry(**row._mapping) for row in rows[: query.limit]]
        more = len(rows) > query.limit
        return AuditPage(items, items[-1].id if more and items else None)

    async def vocabulary(self) -> AuditVocabulary:
        actions = (await self._db.execute(select(t.audit_log.c.action).distinct())).scalars().all()
        entities = (await self._db.execute(select(t.audit_log.c.entity).distinct())).scalars().all()
        return AuditVocabulary(sorted(actions), sorted(entities))


def _conditions(query: AuditFilter) -> list[ColumnElement[bool]]:
    log = t.audit_log
    found: list[ColumnElement[bool]] = []
    if query.actor_id is not None:
        found.append(log.c.actor_id == query.actor_id)
    if query.action is not None:
        found.append(log.c.action == query.action)
    if query.entity is not None:
        found.append(log.c.entity == query.entity)
    if query.entity_id is not None:
        found.append(log.c.entity_id == query.entity_id)
    if query.since is not None:
        found.append(log.c.at >= query.since)
    if query.until is not None:
        found.append(log.c.at < query.until)
    if query.before_id is not None:
        found.append(log.c.id < query.before_id)
    return found
