"""The one writer of call records on the call path, through `BatchedWrites`
(services/batched_writes.py): the call path never holds more than one connection, on SQLite as on
PostgreSQL. Every call stores its record at each phase; the latest record of a call replaces an
earlier one still waiting (records are stored whole). A caller of `save` still waits until its
record is committed, and hears of failure (`DatabaseUnavailable` sends it to the outbox,
services/calls/outbox.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from c122.domain.calls import CallRecord, check_record
from c122.services.batched_writes import BatchedWrites

SaveBatch = Callable[[list[CallRecord]], Awaitable[None]]


class BatchingRecordWriter:
    def __init__(self, save_batch: SaveBatch, max_batch: int = 200) -> None:
        async def write(records: list[CallRecord]) -> list[None]:
            await save_batch(records)
            return [None] * len(records)

        self._writes: BatchedWrites[CallRecord, None] = BatchedWrites(
            write, max_batch=max_batch, what="call records"
        )

    @property
    def waiting(self) -> int:
        return self._writes.waiting

    async def save(self, record: CallRecord) -> None:
        check_record(record)  # refused here, alone, rather than failing a whole batch
        await self._writes.submit(record, key=record.id)
