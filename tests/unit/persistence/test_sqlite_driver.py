"""SQLite's driver under SQLAlchemy: a statement is one trip to the connection's thread, and reads,
writes, long results, streams and errors come back as SQLAlchemy's own aiosqlite driver gives them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from c122.persistence.database import create_engine
from c122.persistence.sqlite_driver import FIRST_ROWS


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield engine
    await engine.dispose()


def count_trips(driver_connection: Any) -> list[object]:
    """Every call handed to the connection's thread, counted as it is queued."""
    trips: list[object] = []
    queue = driver_connection._tx
    put = queue.put_nowait

    def counted(item: object) -> None:
        trips.append(item)
        put(item)

    driver_connection._tx = type("Counted", (), {"put_nowait": staticmethod(counted), "get": queue.get})()
    return trips


async def test_a_statement_with_its_rows_is_one_trip_to_the_thread(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        trips = count_trips(raw.driver_connection)
        await connection.execute(text("INSERT INTO item (name) VALUES ('a'), ('b')"))
        assert len(trips) == 1
        rows = (await connection.execute(text("SELECT name FROM item ORDER BY id"))).all()
        assert [row.name for row in rows] == ["a", "b"]
        assert len(trips) == 2  # SQLAlchemy's aiosqlite driver: cursor, execute, fetch, close - four each
        await connection.rollback()


async def test_writes_report_rows_and_ids_and_returning_gives_its_rows(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        many = await connection.execute(
            text("INSERT INTO item (name) VALUES (:name)"), [{"name": f"n{i}"} for i in range(5)]
        )
        assert many.rowcount == 5
        one = await connection.execute(text("INSERT INTO item (name) VALUES ('x')"))
        assert one.lastrowid == 6
        returned = await connection.execute(text("UPDATE item SET name = name || '!' RETURNING id"))
        assert sorted(row.id for row in returned) == [1, 2, 3, 4, 5, 6]
        changed = await connection.execute(text("DELETE FROM item WHERE id > 4"))
        assert changed.rowcount == 2


async def test_a_long_result_is_read_whole_or_streamed_in_chunks(engine: AsyncEngine) -> None:
    count = FIRST_ROWS * 3 + 7
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO item (name) VALUES (:name)"), [{"name": f"n{i}"} for i in range(count)]
        )
    async with engine.connect() as connection:
        whole = (await connection.execute(text("SELECT id FROM item ORDER BY id"))).all()
        assert [row.id for row in whole] == list(range(1, count + 1))
        streamed = await connection.stream(text("SELECT id FROM item ORDER BY id"))
        ids = [row.id async for row in streamed]
        assert ids == list(range(1, count + 1))
        partial = await connection.stream(text("SELECT id FROM item ORDER BY id"))
        first = await partial.fetchmany(3)
        await partial.close()  # left early: its cursor is closed, the connection goes on
        assert [row.id for row in first] == [1, 2, 3]
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar() == count


async def test_errors_come_back_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        with pytest.raises(OperationalError, match="no such table"):
            await connection.execute(text("SELECT * FROM missing"))
        await connection.rollback()
        await connection.execute(text("INSERT INTO item (name) VALUES ('same')"))
        with pytest.raises(IntegrityError, match="UNIQUE"):
            await connection.execute(text("INSERT INTO item (name) VALUES ('same')"))
        await connection.rollback()
        assert (await connection.execute(text("SELECT count(*) FROM item"))).scalar() == 0
