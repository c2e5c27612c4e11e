"""SQLite for SQLAlchemy's `sqlite+aiosqlite` dialect with one trip to the connection's thread per
statement.

aiosqlite runs each call on the connection's own thread and hands the answer back to the event loop:
a thread wake-up, a wake-up of the loop and a pass of the loop before the caller goes on. SQLAlchemy's
adapter makes four such calls a statement — open a cursor, execute, fetch, close — so a transaction
of five statements held SQLite's write turn for twenty passes of a loop that, at a hundred calls a
second, takes milliseconds each. Here the cursor is opened, the statement run, its first rows read
and the cursor closed in one call; a result longer than `FIRST_ROWS` keeps its cursor and is read on
in further trips, so a long read still streams instead of being read whole into memory.

`dbapi()` is passed to `create_async_engine(module=...)`: the dialect is SQLAlchemy's own, only the
driver module under it is this one.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

FIRST_ROWS = 256  # read with the statement; a longer result is read on a chunk a trip

_Row = Any
_Description = tuple[tuple[Any, ...], ...] | None


@dataclass(slots=True)
class _Ran:
    description: _Description
    rowcount: int
    lastrowid: int | None
    rows: list[_Row]
    cursor: sqlite3.Cursor | None  # still open: more rows to read


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, many: bool, first_rows: int) -> _Ran:
    """On the connection's thread: the whole statement, and its first rows."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        elif parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        rows: list[_Row] = cursor.fetchmany(first_rows) if cursor.description else []
        more = bool(cursor.description) and len(rows) == first_rows
        ran = _Ran(cursor.description, cursor.rowcount, cursor.lastrowid, rows, cursor if more else None)
    except BaseException:
        cursor.close()
        raise
    if not more:
        cursor.close()
    return ran


def _read_on(cursor: sqlite3.Cursor, size: int | None) -> tuple[list[_Row], bool]:
    """On the connection's thread: the next rows (all with `size` None), and whether any are left."""
    rows: list[_Row] = cursor.fetchall() if size is None else cursor.fetchmany(size)
    left = size is not None and len(rows) == size
    if not left:
        cursor.close()
    return rows, left


class OneTripCursor:
    """The aiosqlite cursor calls SQLAlchemy's adapter makes, a statement in one trip."""

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self._rows: deque[_Row] = deque()
        self._open: sqlite3.Cursor | None = None
        self.description: _Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def execute(self, sql: str, parameters: Any = None) -> OneTripCursor:
        return await self._ran(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        return await self._ran(sql, parameters, many=True)

    async def fetchone(self) -> _Row | None:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def fetchmany(self, size: int | None = None) -> list[_Row]:
        wanted = size or self.arraysize
        while len(self._rows) < wanted and self._open is not None:
            await self._read_on(max(wanted, FIRST_ROWS))
        return [self._rows.popleft() for _ in range(min(wanted, len(self._rows)))]

    async def fetchall(self) -> list[_Row]:
        if self._open is not None:
            await self._read_on(None)
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()
        await self._close_open()

    async def _ran(self, sql: str, parameters: Any, *, many: bool) -> OneTripCursor:
        await self.close()
        ran = await self._connection.in_thread(
            _run, self._connection.sqlite, sql, parameters, many, FIRST_ROWS
        )
        self.description, self.rowcount, self.lastrowid = ran.description, ran.rowcount, ran.lastrowid
        self._rows.extend(ran.rows)
        self._open = ran.cursor
        return self

    async def _read_on(self, size: int | None) -> None:
        assert self._open is not None
        rows, left = await self._connection.in_thread(_read_on, self._open, size)
        self._rows.extend(rows)
        if not left:
            self._open = None

    async def _close_open(self) -> None:
        if self._open is not None:
            cursor, self._open = self._open, None
            await self._connection.in_thread(cursor.close)


class _CursorOpening:
    """What `connection.cursor()` gives: opened without a trip (SQLAlchemy enters it with `async with`
    or awaits it)."""

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection

    async def __aenter__(self) -> OneTripCursor:
        return OneTripCursor(self._connection)

    async def __aexit__(self, *_exc: object) -> None:
        return None

    def __await__(self) -> Any:
        return self.__aenter__().__await__()


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> _CursorOpening:  # type: ignore[override]
        return _CursorOpening(self)

    @property
    def sqlite(self) -> sqlite3.Connection:
        return self._conn

    async def in_thread(self, function: Any, *args: Any) -> Any:
        """`function(*args)` on the connection's thread: one trip."""
        return await self._execute(function, *args)  # type: ignore[no-untyped-call]


def connect(database: str | bytes, *, iter_chunk_size: int = 64, **kwargs: Any) -> OneTripConnection:
    location = database.decode() if isinstance(database, bytes) else str(database)

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(location, **kwargs)
        return connection

    return OneTripConnection(connector, iter_chunk_size)


def _driver_module() -> SimpleNamespace:
    """aiosqlite's module as SQLAlchemy's adapter reads it, with this module's connection."""
    names: Sequence[str] = (
        "DatabaseError",
        "Error",
        "IntegrityError",
        "NotSupportedError",
        "OperationalError",
        "ProgrammingError",
        "sqlite_version",
        "sqlite_version_info",
    )
    module = SimpleNamespace(**{name: getattr(aiosqlite, name) for name in names})
    module.connect = connect
    module.Connection = OneTripConnection
    return module


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    return AsyncAdapt_aiosqlite_dbapi(_driver_module(), sqlite3)  # type: ignore[arg-type]
