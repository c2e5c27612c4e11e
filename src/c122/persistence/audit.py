"""The SQL audit log every feature writes to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

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
