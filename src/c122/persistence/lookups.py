"""Lookup plug-ins in SQL (tables/lookups.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.lookups import KeyKind, Lookup, LookupDraft, LookupKind, LookupSecret
from c122.domain.users import Role
from c122.persistence.tables.lookups import lookups


def _lookup(row: Row[Any]) -> Lookup:
    settings: dict[str, Any] = row.settings
    secret: dict[str, Any] = row.secret
    return Lookup(
        id=row.id,
        version=row.version,
        draft=LookupDraft(
            name=row.name,
            kind=LookupKind(row.kind),
            key_kinds=frozenset(KeyKind(k) for k in row.key_kinds),
            roles=frozenset(Role(r) for r in row.roles),
            timeout_ms=row.timeout_ms,
            cache_s=row.cache_s,
            enabled=row.enabled,
            url_template=settings.get("url_template", ""),
            query=settings.get("query", ""),
            plugin=settings.get("plugin", ""),
            options=dict(settings.get("options", {})),
            mapping=dict(settings.get("mapping", {})),
            rows_path=settings.get("rows_path", ""),
            secret=LookupSecret(url=secret.get("url", ""), headers=dict(secret.get("headers", {}))),
        ),
    )


def _values(draft: LookupDraft, at: datetime) -> dict[str, Any]:
    secret = draft.secret or LookupSecret()
    return {
        "name": draft.name,
        "kind": draft.kind.value,
        "key_kinds": sorted(k.value for k in draft.key_kinds),
        "roles": sorted(r.value for r in draft.roles),
        "timeout_ms": draft.timeout_ms,
        "cache_s": draft.cache_s,
        "enabled": draft.enabled,
        "settings": {
            "url_template": draft.url_template,
            "query": draft.query,
            "plugin": draft.plugin,
            "options": draft.options,
            "mapping": draft.mapping,
            "rows_path": draft.rows_path,
        },
        "secret": {"url": secret.url, "headers": secret.headers},
        "updated_at": at,
    }


class SqlLookupRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def all(self) -> list[Lookup]:
        rows = (await self._db.execute(select(lookups).order_by(lookups.c.name, lookups.c.id))).all()
        return [_lookup(row) for row in rows]

    async def get(self, lookup_id: int) -> Lookup | None:
        row = (await self._db.execute(select(lookups).where(lookups.c.id == lookup_id))).first()
        return _lookup(row) if row is not None else None

    async def named(self, name: str) -> Lookup | None:
        row = (await self._db.execute(select(lookups).where(lookups.c.name == name))).first()
        return _lookup(row) if row is not None else None

    async def add(self, lookup: LookupDraft, at: datetime) -> int:
        result = await self._db.execute(insert(lookups).values(**_values(lookup, at)).returning(lookups.c.id))
        return int(result.scalar_one())

    async def update(self, lookup_id: int, lookup: LookupDraft, at: datetime) -> None:
        await self._db.execute(
            update(lookups)
            .where(lookups.c.id == lookup_id)
            .values(**_values(lookup, at), version=lookups.c.version + 1)
        )

    async def delete(self, lookup_id: int) -> None:
        await self._db.execute(delete(lookups).where(lookups.c.id == lookup_id))
