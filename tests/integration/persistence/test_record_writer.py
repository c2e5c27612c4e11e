"""Call records of a burst of calls go through one writer: on SQLite and PostgreSQL every call's
latest record is stored, while the call path never holds more than one database connection
(issue: 2,000 calls at once ran the pool dry and 163 calls failed after 30 s waits)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from tests.support.server import running_server

from c122.domain.calls import CallLegRecord, CallRecord
from c122.domain.errors import InvalidFields
from c122.services.calls.writer import BatchingRecordWriter

CALLS = 120


def _record(call_id: str, at, *, ended: bool) -> CallRecord:
    return CallRecord(
        id=call_id,
        direction="inbound",
        status="missed" if ended else "active",
        line_number="+78001220122",
        caller="+79161234567",
        called="+78001220122",
        started_at=at,
        ended_at=at + timedelta(seconds=30) if ended else None,
        end_cause="caller_hung_up" if ended else None,
        legs=(
            CallLegRecord(
                leg_id=f"{call_id}-a", kind="sip", role="caller", party="+79161234567", started_at=at
            ),
        ),
    )


async def test_a_burst_of_saves_is_written_by_one_writer_and_the_latest_record_wins(database_url):
    async with running_server(database_url) as server:
        service = server.application.context.calls
        now = server.clock.now()
        in_flight = 0
        most_in_flight = 0
        batches = 0

        async def counting_save_many(records: list[CallRecord]) -> None:
            nonlocal in_flight, most_in_flight, batches
            in_flight += 1
            batches += 1
            most_in_flight = max(most_in_flight, in_flight)
            try:
                await service.save_many(records)
            finally:
                in_flight -= 1

        writer = BatchingRecordWriter(counting_save_many, max_batch=50)
        saves = [writer.save(_record(f"burst-{n}", now, ended=False)) for n in range(CALLS)]
        saves += [writer.save(_record(f"burst-{n}", now, ended=True)) for n in range(CALLS)]
        await asyncio.gather(*saves)

        assert most_in_flight == 1
        assert batches < 2 * CALLS
        async with server.application.uow_factory() as uow:
            for n in (0, CALLS // 2, CALLS - 1):
                row = await uow.calls.get(f"burst-{n}")
                assert row is not None
                assert row.record.status == "missed"
                assert row.record.end_cause == "caller_hung_up"


async def test_an_invalid_record_is_refused_alone_and_the_others_are_stored(database_url):
    async with running_server(database_url) as server:
        service = server.application.context.calls
        now = server.clock.now()
        writer = BatchingRecordWriter(service.save_many)
        bad = replace(_record("bad", now, ended=True), ended_at=now - timedelta(seconds=5))
        results = await asyncio.gather(
            writer.save(_record("good-1", now, ended=True)),
            writer.save(bad),
            writer.save(_record("good-2", now, ended=True)),
            return_exceptions=True,
        )
        assert results[0] is None
        assert isinstance(results[1], InvalidFields)
        assert results[2] is None
        async with server.application.uow_factory() as uow:
            assert await uow.calls.get("good-1") is not None
            assert await uow.calls.get("good-2") is not None
            assert await uow.calls.get("bad") is None


async def test_the_call_flow_stores_through_the_batching_writer(database_url):
    async with running_server(database_url, with_telephony=True) as server:
        call_flow = server.application.context.call_flow
        assert call_flow is not None
        store = call_flow._ctx.records._store  # the outbox's direct write
        assert isinstance(store.__self__, BatchingRecordWriter)
