"""Another database as a registry: the lookup's one SELECT with the key bound as `:value` (and
`:key`), run in a read-only transaction that is always rolled back. PostgreSQL refuses any write in a
READ ONLY transaction (a data-modifying CTE, a function that writes); SQLite is put in `query_only`.
The query's own time is bounded on the server too (PostgreSQL `statement_timeout`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from c122.domain.lookups import MAX_ROWS, KeyKind, LookupDraft, LookupSecret
from c122.services.lookups.ports import LookupFailed

_ASYNC_DRIVERS = {"postgresql": "postgresql+asyncpg", "sqlite": "sqlite+aiosqlite"}
_READ_ONLY_STATES = {"25006"}  # PostgreSQL: read_only_sql_transaction


def async_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise LookupFailed("unavailable", f"база {backend} не поддерживается")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


class SqlLookups:
    def __init__(self) -> None:
        self._engines: dict[str, AsyncEngine] = {}

    def _engine(self, url: str, timeout_s: float) -> AsyncEngine:
        engine = self._engines.get(url)
        if engine is None:
            args: dict[str, Any] = {}
            if url.startswith("postgresql"):
                args = {"timeout": max(timeout_s, 1.0)}  # asyncpg's connect timeout
            engine = create_async_engine(async_url(url), pool_size=2, max_overflow=2, connect_args=args)
            self._engines[url] = engine
        return engine

    async def fetch(self, lookup: LookupDraft, key: KeyKind, value: str) -> list[dict[str, Any]]:
        secret = lookup.secret or LookupSecret()
        engine = self._engine(secret.url, lookup.timeout_ms / 1000)
        params = {name: v for name, v in (("value", value), ("key", key.value)) if f":{name}" in lookup.query}
        try:
            async with engine.connect() as connection:
                transaction = await connection.begin()
                try:
                    if engine.dialect.name == "postgresql":
                        await connection.execute(text("SET TRANSACTION READ ONLY"))
                        await connection.execute(
                            text(f"SET LOCAL statement_timeout = {int(lookup.timeout_ms)}")
                        )
                    else:
                        await connection.execute(text("PRAGMA query_only = ON"))
                    result = await connection.execute(text(lookup.query), params)
                    rows = [dict(row._mapping) for row in result.fetchmany(MAX_ROWS + 1)]
                finally:
                    await transaction.rollback()
                    if engine.dialect.name == "sqlite":
                        await connection.execute(text("PRAGMA query_only = OFF"))
        except DBAPIError as exc:
            if _refused_write(exc):
                raise LookupFailed("refused_write", "запрос пытается изменить данные: отклонён") from None
            raise LookupFailed("unavailable", f"база справочника: {type(exc.orig).__name__}") from None
        except SQLAlchemyError as exc:
            raise LookupFailed("unavailable", f"база справочника: {type(exc).__name__}") from None
        except OSError as exc:
            raise LookupFailed("unavailable", f"база справочника недоступна: {type(exc).__name__}") from None
        return [{k: _plain(v) for k, v in row.items()} for row in rows]

    async def close(self) -> None:
        for engine in self._engines.values():
            await engine.dispose()
        self._engines.clear()


def _refused_write(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or getattr(
        getattr(exc.orig, "__cause__", None), "sqlstate", None
    )
    if state in _READ_ONLY_STATES:
        return True
    return "readonly" in str(exc.orig).lower().replace(" ", "") or "read-only" in str(exc.orig).lower()


def _plain(value: Any) -> Any:
    """JSON-friendly: dates and decimals as text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
