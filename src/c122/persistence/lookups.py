"""Lookup plug-ins in SQL (tables/lookups.py)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.lookups import KeyKind, Lookup, LookupDraft, LookupKind, LookupSecret
from c122.domain.users import Role
from c122.persistence.sealing import Sealer
from c122.persistence.tables.lookups import lookups


def _opened(stored: dict[str, Any], sealer: Sealer, name: str) -> dict[str, Any]:
    """The secret's fields: sealed as one JSON text, or (stored before sealing) as they are."""
    if "sealed" not in stored:
        return stored
    opened = sealer.open(stored["sealed"], f"lookup {name}")
    fields: dict[str, Any] = json.loads(opened) if opened is not None else {}
    return fields


def _sealed(secret: LookupSecret, sealer: Sealer) -> dict[str, Any]:
    fields = {"url": secret.url, "headers": secret.headers}
    return {"sealed": sealer.seal(json.dumps(fields, ensure_ascii=False))} if sealer.seals else fields


def _lookup(row: Row[Any], sealer: Sealer) -> Lookup:
    settings: dict[str, Any] = row.settings
    secret = _opened(row.secret, sealer, row.name)
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


def _values(draft: LookupDraft, at: datetime, sealer: Sealer) -> dict[str, Any]:
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
        "secret": _sealed(secret, sealer),
        "updated_at": at,
    }


class SqlLookupRepository:
    def __init__(self, connection: AsyncConnection, sealer: Sealer) -> None:
        self._db = connection
        self._sealer = sealer

    async def all(self) -> list[Lookup]:
        rows = (await self._db.execute(select(lookups).order_by(lookups.c.name, lookups.c.id))).all()
        return [_lookup(row, self._sealer) for row in rows]

    async def get(self, lookup_id: int) -> Lookup | None:
        row = (await self._db.execute(select(lookups).where(lookups.c.id == lookup_id))).first()
        return _lookup(row, self._sealer) if row is not None else None

    async def named(self, name: str) -> Lookup | None:
        row = (await self._db.execute(select(lookups).where(lookups.c.name == name))).first()
        return _lookup(row, self._sealer) if row is not None else None

    async def add(self, lookup: LookupDraft, at: datetime) -> int:
        result = await self._db.execute(
            insert(lookups).values(**_values(lookup, at, self._sealer)).returning(lookups.c.id)
        )
        return int(result.scalar_one())

    async def update(self, lookup_id: int, lookup: LookupDraft, at: datetime) -> None:
        await self._db.execute(
            update(lookups)
            .where(lookups.c.id == lookup_id)
            .values(**_values(lookup, at, self._sealer), version=lookups.c.version + 1)
        )

    async def delete(self, lookup_id: int) -> None:
        await self._db.execute(delete(lookups).where(lookups.c.id == lookup_id))
