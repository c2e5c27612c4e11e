"""Call-path writes while the database is down: kept in the outbox, replayed in order when it answers,
and nothing new overtakes what waits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from c122.domain.calls import CallLegRecord, CallRecord
from c122.domain.errors import DatabaseUnavailable
from c122.persistence.outbox import FileOutbox
from c122.services.calls.outbox import OutboxedCallRecords, record_from_data, record_to_data
from c122.services.outbox import DeferredWrites


class Database:
    def __init__(self) -> None:
        self.up = True
        self.stored: list[Any] = []

    async def store(self, data: Any) -> None:
        if not self.up:
            raise DatabaseUnavailable()
        self.stored.append(dict(data))


async def test_writes_wait_while_the_database_is_down_and_are_replayed_in_order(tmp_path: Path) -> None:
    database = Database()
    writes = DeferredWrites(FileOutbox(tmp_path))
    writes.register("row", database.store)
    await writes.write("row", {"v": 1})
    database.up = False
    await writes.write("row", {"v": 2})
    assert await writes.drain() == 0
    database.up = True
    await writes.write("row", {"v": 3})  # the database answers, but v2 waits: v3 queues behind it
    assert writes.waiting == 2
    assert await writes.drain() == 2
    assert [row["v"] for row in database.stored] == [1, 2, 3]
    await writes.write("row", {"v": 4})  # nothing waits: straight in
    assert [row["v"] for row in database.stored] == [1, 2, 3, 4]


async def test_a_new_process_replays_what_the_last_one_left(tmp_path: Path) -> None:
    database = Database()
    database.up = False
    first = DeferredWrites(FileOutbox(tmp_path))
    first.register("row", database.store)
    await first.write("row", {"v": 1})
    database.up = True
    second = DeferredWrites(FileOutbox(tmp_path))
    second.register("row", database.store)
    assert await second.drain() == 1
    assert database.stored == [{"v": 1}]


def test_a_call_record_comes_back_from_its_outbox_form_unchanged() -> None:
    at = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    record = CallRecord(
        id="call-1",
        direction="inbound",
        status="missed",
        caller="+79161234567",
        called="88001220122",
        started_at=at,
        ended_at=at,
        line_number="+78001220122",
        end_cause="database_unavailable",
        legs=(CallLegRecord(leg_id="leg-1", kind="sip", role="caller", party="+79161234567", started_at=at),),
    )
    assert record_from_data(record_to_data(record)) == record


async def test_a_call_record_goes_straight_to_the_database_and_in_its_outbox_form_only_when_it_waits(
    tmp_path: Path,
) -> None:
    at = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    record = CallRecord(
        id="call-2", direction="inbound", status="active", caller="+79161234567", called="88001220122",
        started_at=at,
    )  # fmt: skip
    stored: list[CallRecord] = []
    up = True

    async def store(value: CallRecord) -> None:
        if not up:
            raise DatabaseUnavailable()
        stored.append(value)

    outbox = FileOutbox(tmp_path)
    records = OutboxedCallRecords(store, DeferredWrites(outbox))
    await records.save(record)
    assert stored == [record]
    assert stored[0] is record  # not turned into data and back
    up = False
    await records.save(record)
    assert [entry.data for entry in outbox.entries()] == [record_to_data(record)]
