"""The outbox file: what was appended survives a new process, a line cut short by a crash is dropped,
and the file empties once everything in it is confirmed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import exc as sa_exc

from c122.persistence.database import unreachable
from c122.persistence.outbox import SET_ASIDE_FILE, WAITING_FILE, FileOutbox


async def test_entries_survive_a_restart_in_order_and_go_once_confirmed(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    await outbox.append("call_record", {"id": "a", "n": 1})
    await outbox.append("call_record", {"id": "a", "n": 2})

    again = FileOutbox(tmp_path)  # a new process
    assert [(e.seq, e.data["n"]) for e in again.entries()] == [(1, 1), (2, 2)]
    await again.append("call_record", {"id": "b", "n": 3})
    await again.confirm(2)
    assert [e.seq for e in again.entries()] == [3]
    assert (tmp_path / WAITING_FILE).read_text() != ""
    await again.confirm(3)
    assert len(again) == 0
    assert (tmp_path / WAITING_FILE).read_text() == ""


async def test_a_line_cut_short_by_a_crash_is_dropped(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    await outbox.append("call_record", {"id": "a"})
    with (tmp_path / WAITING_FILE).open("a") as handle:
        handle.write('{"seq":2,"kind":"call_rec')  # the append never returned
    again = FileOutbox(tmp_path)
    assert [e.seq for e in again.entries()] == [1]
    await again.append("call_record", {"id": "b"})
    assert [e.data["id"] for e in FileOutbox(tmp_path).entries()] == ["a", "b"]


async def test_an_entry_set_aside_is_kept_with_its_reason(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    await outbox.append("call_record", {"id": "a"})
    await outbox.set_aside(outbox.entries()[0], "IntegrityError: no such queue")
    assert "no such queue" in (tmp_path / SET_ASIDE_FILE).read_text()


def test_unreachable_tells_a_lost_database_from_a_refusal() -> None:
    assert unreachable(sa_exc.TimeoutError("QueuePool limit reached"))
    assert unreachable(ConnectionRefusedError(111, "Connect call failed"))
    assert unreachable(TimeoutError())
    locked = sqlite3.OperationalError("database is locked")
    assert unreachable(sa_exc.OperationalError("INSERT", {}, locked))
    assert not unreachable(
        sa_exc.OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    )
    assert not unreachable(sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE failed")))
