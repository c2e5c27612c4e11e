"""The one writer of call records on the call path.

Every call stores its record at each phase. Written one transaction each, a burst of calls asks
the pool for as many connections as there are calls at that moment, and past the pool's size
they wait (30 s, then fail). Here the saves queue up, the latest record of a call replaces an
earlier one still waiting (records are stored whole), and one task writes them in batches, one
transaction per batch: the call path never holds more than one connection, on SQLite as on
PostgreSQL. A caller of `save` still waits until its record is committed, and hears of failure
(`DatabaseUnavailable` sends it to the outbox, services/calls/outbox.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from c122.domain.calls import CallRecord, check_record
from c122.domain.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

SaveBatch = Callable[[list[CallRecord]], Awaitable[None]]


class BatchingRecordWriter:
    def __init__(self, save_batch: SaveBatch, max_batch: int = 200) -> None:
        self._save_batch = save_batch
        self._max_batch = max_batch
        self._pending: dict[str, tuple[CallRecord, list[asyncio.Future[None]]]] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return len(self._pending)

    async def save(self, record: CallRecord) -> None:
        check_record(record)  # refused here, alone, rather than failing a whole batch
        done = asyncio.get_running_loop().create_future()
        earlier = self._pending.pop(record.id, None)
        waiters = (earlier[1] if earlier else []) + [done]
        self._pending[record.id] = (record, waiters)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        await done

    async def _drain(self) -> None:
        while self._pending:
            ids = list(self._pending)[: self._max_batch]
            batch = [self._pending.pop(call_id) for call_id in ids]
            try:
                await self._save_batch([record for record, _ in batch])
            except DatabaseUnavailable as exc:  # no use trying one by one: each goes to the outbox
                for _, waiters in batch:
                    _settle(waiters, exc)
                continue
            except Exception:
                log.exception("storing %d call records together failed; storing them one by one", len(batch))
                await self._one_by_one(batch)
                continue
            for _, waiters in batch:
                _settle(waiters, None)

    async def _one_by_one(self, batch: list[tuple[CallRecord, list[asyncio.Future[None]]]]) -> None:
        for record, waiters in batch:
            try:
                await self._save_batch([record])
            except Exception as exc:
                _settle(waiters, exc)
            else:
                _settle(waiters, None)


def _settle(waiters: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for waiter in waiters:
        if waiter.done():
            continue  # its caller was cancelled
        if error is None:
            waiter.set_result(None)
        else:
            waiter.set_exception(error)
