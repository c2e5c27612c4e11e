"""Engines for the two supported databases: SQLite (WAL, the embedded default) and PostgreSQL.

Every wait on the database is bounded (`DatabaseTimeouts`), so a database that is gone or cut off
fails a request within seconds instead of holding it; `unreachable` tells such failures from the
refusals of a database that answers (a constraint, a bad query).
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from c122.persistence import sqlite_driver
from c122.persistence.write_gate import install_write_gate, share_write_gate


@dataclass(frozen=True)
class DatabaseTimeouts:
    pool_s: float = 5.0
    """Waiting for a free pooled connection."""
    connect_s: float = 5.0
    """Opening a PostgreSQL connection (TCP, TLS and start-up)."""
    statement_s: float = 5.0
    """One statement: PostgreSQL's `statement_timeout` and the driver's own wait; SQLite's busy
    timeout (the wait for the write lock)."""


# SQLSTATE classes and codes of a server that is unreachable, shutting down or too slow:
# 08 connection exceptions, 57014 statement timeout, 57P01-57P03 shutdown / cannot connect now,
# 53300 too many connections.
_PG_UNREACHABLE = ("08", "57014", "57P01", "57P02", "57P03", "53300")
_NETWORK_ERRNOS = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ENETDOWN, errno.ETIMEDOUT})
_SQLITE_UNAVAILABLE = (
    "database is locked",
    "database table is locked",
    "readonly database",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# Migrations and other tools: a long statement is expected there, and nobody waits on the line.
TOOL_TIMEOUTS = DatabaseTimeouts(pool_s=30.0, connect_s=30.0, statement_s=600.0)


def create_engine(url: str, timeouts: DatabaseTimeouts = TOOL_TIMEOUTS) -> AsyncEngine:
    """An async engine; for SQLite it creates the folder, and turns on WAL and foreign keys."""
    return _engine(url, timeouts, pool_size=None, gate_of=None)


def create_writer_engine(url: str, timeouts: DatabaseTimeouts, shared: AsyncEngine) -> AsyncEngine:
    """One connection of its own for a single writer (the ACD's decisions), beside `shared`: it never
    waits for `shared`'s pool, which every request and batch of records draws from. On SQLite its
    writes still take their turn at `shared`'s write gate, as one file has one writer at a time."""
    return _engine(url, timeouts, pool_size=1, gate_of=shared)


def _engine(
    url: str, timeouts: DatabaseTimeouts, pool_size: int | None, gate_of: AsyncEngine | None
) -> AsyncEngine:
    # a pool of `pool_size` with no overflow, or the default pools (SQLAlchemy's 5 + 10 on SQLite)
    sized: dict[str, Any] = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0}
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            module=sqlite_driver.dbapi(),
            connect_args={"timeout": timeouts.statement_s},
            pool_timeout=timeouts.pool_s,
            **sized,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(timeouts.statement_s))
        if gate_of is None:
            install_write_gate(engine, timeouts.statement_s)
        else:
            share_write_gate(engine, gate_of)
        return engine
    return create_async_engine(
        url,
        **(sized or {"pool_size": 10, "max_overflow": 20}),
        pool_pre_ping=True,
        pool_timeout=timeouts.pool_s,
        connect_args={
            "timeout": timeouts.connect_s,
            "command_timeout": timeouts.statement_s,
            "server_settings": {"statement_timeout": str(int(timeouts.statement_s * 1000))},
        },
    )


def unreachable(error: BaseException) -> bool:
    """True when `error` (or what caused it) says the database cannot be reached or did not answer in
    time: worth a 503 and a later retry, unlike a refusal from a database that answers."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if _unreachable_itself(current):
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "orig", None)]
    return False


def _unreachable_itself(error: BaseException) -> bool:
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    # the driver's own timeouts; refused, reset; no such host
    if isinstance(error, TimeoutError | ConnectionError | socket.gaierror):
        return True
    if isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS:
        return True
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        return any(text in message for text in _SQLITE_UNAVAILABLE)
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(_PG_UNREACHABLE)
    # asyncpg's own "connection is closed" / "connection was closed in the middle of operation"
    return type(error).__name__ in {"ConnectionDoesNotExistError", "InterfaceError"} and (
        "closed" in str(error).lower()
    )


def _sqlite_pragmas(busy_timeout_s: float) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets readers work while one writer commits; busy_timeout queues writers for a while
        # instead of failing at once, but never longer than a statement may take.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect
