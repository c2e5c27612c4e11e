"""The documented number allocation protocol, run by concurrent writers against a real SQLite file.

The domain only provides the key and the name; this checks that the counter-row protocol in
docs/contact-center/cases.md hands out every number exactly once, without gaps, under contention.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from c122.domain.cases import SequenceKey, format_case_name, sequence_key

MOSCOW = ZoneInfo("Europe/Moscow")
WRITERS = 6
CASES_PER_WRITER = 20

SCHEMA = """
CREATE TABLE case_counters (
    day TEXT NOT NULL, type_id INTEGER NOT NULL, last_number INTEGER NOT NULL,
    PRIMARY KEY (day, type_id)
);
CREATE TABLE cases (
    id INTEGER PRIMARY KEY, day TEXT NOT NULL, type_id INTEGER NOT NULL, number INTEGER NOT NULL,
    name TEXT NOT NULL, UNIQUE (day, type_id, number)
);
"""

ALLOCATE = """
INSERT INTO case_counters (day, type_id, last_number) VALUES (?, ?, 1)
ON CONFLICT (day, type_id) DO UPDATE SET last_number = case_counters.last_number + 1
RETURNING last_number
"""


def connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, timeout=60, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def create_case(
    connection: sqlite3.Connection, key: SequenceKey, type_name: str, *, fail: bool = False
) -> str:
    """One creation transaction: allocate the number and insert the case, then commit — or roll back both."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        (number,) = connection.execute(ALLOCATE, (key.day.isoformat(), key.type_id)).fetchone()
        name = format_case_name(key.day, type_name, number)
        connection.execute(
            "INSERT INTO cases (day, type_id, number, name) VALUES (?, ?, ?, ?)",
            (key.day.isoformat(), key.type_id, number, name),
        )
        if fail:
            raise RuntimeError("the rest of the creation failed")
        connection.execute("COMMIT")
        return name
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def test_given_concurrent_writers_across_a_day_boundary_then_numbers_are_unique_and_gapless(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cases.sqlite"
    connect(path).executescript(SCHEMA)
    # Moments on both sides of Moscow midnight, for two case types.
    midnight = datetime(2024, 8, 31, 21, 0, tzinfo=UTC)
    moments = [midnight - timedelta(seconds=1), midnight]
    start = threading.Barrier(WRITERS)
    names: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        connection = connect(path)
        try:
            start.wait(timeout=30)
            for n in range(CASES_PER_WRITER):
                key = sequence_key(moments[(index + n) % 2], MOSCOW, type_id=1 + n % 2)
                name = create_case(connection, key, "Справочная информация" if key.type_id == 1 else "Другое")
                with lock:
                    names.append(name)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert not errors
    assert len(names) == len(set(names)) == WRITERS * CASES_PER_WRITER

    rows = connect(path).execute("SELECT day, type_id, number FROM cases").fetchall()
    numbers: dict[tuple[str, int], list[int]] = defaultdict(list)
    for day, type_id, number in rows:
        numbers[(day, type_id)].append(number)
    assert set(numbers) == {(d, t) for d in ("2024-08-31", "2024-09-01") for t in (1, 2)}
    for allocated in numbers.values():
        assert sorted(allocated) == list(range(1, len(allocated) + 1))
    assert "Сен01_Другое_001" in names
    assert "Авг31_Справочная информация_001" in names


def test_given_a_failed_creation_then_its_number_is_not_used_up(tmp_path: Path) -> None:
    connection = connect(tmp_path / "cases.sqlite")
    connection.executescript(SCHEMA)
    key = SequenceKey(date(2024, 9, 12), 1)
    assert create_case(connection, key, "Справочная информация") == "Сен12_Справочная информация_001"
    with pytest.raises(RuntimeError):
        create_case(connection, key, "Справочная информация", fail=True)
    assert create_case(connection, key, "Справочная информация") == "Сен12_Справочная информация_002"
