"""One task writes what many callers wait for, in batches: the call path's writers (call records,
call cards) share it.

Written one transaction each, a burst of calls asks the pool for as many connections as there are
calls at that moment; on SQLite each also queues a write at the write gate. Here the items waiting at
the same moment go to one `write`, one transaction per batch, in arrival order; each caller still
waits until its item is committed and hears its own result or failure. `DatabaseUnavailable` fails the
whole batch at once (no use trying one by one); any other failure of a batch is retried item by item,
so one bad item fails alone. An item submitted under a key already waiting replaces the earlier one
(records are stored whole: the latest wins), and its callers share the later one's result. A caller
that goes away does not take its item with it: it is stored all the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

from c122.domain.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Stores the items in one transaction; per item its result, or the exception refusing that item alone.
WriteBatch = Callable[[list[T]], Awaitable[Sequence[R | Exception]]]


class BatchedWrites(Generic[T, R]):
    def __init__(self, write: WriteBatch[T, R], *, max_batch: int, what: str) -> None:
        """`what`: what the items are, for the log ("call records")."""
        self._write = write
        self._max_batch = max_batch
        self._what = what
        self._pending: dict[Hashable, tuple[T, list[asyncio.Future[R]]]] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return len(self._pending)

    async def submit(self, item: T, *, key: Hashable | None = None) -> R:
        """`item`'s result once committed (with the others waiting at that moment); `key`: an item
        still waiting under the same key is replaced by this one."""
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        key = object() if key is None else key  # no key: its own
        earlier = self._pending.pop(key, None)
        self._pending[key] = (item, (earlier[1] if earlier else []) + [done])
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        while self._pending:
            keys = list(self._pending)[: self._max_batch]
            batch = [self._pending.pop(key) for key in keys]
            try:
                results = await self._write([item for item, _ in batch])
            except DatabaseUnavailable as exc:
                for _, waiters in batch:
                    _settle(waiters, exc)
                continue
            except Exception:
                log.exception(
                    "storing %d %s together failed; storing them one by one", len(batch), self._what
                )
                await self._one_by_one(batch)
                continue
            for (_, waiters), result in zip(batch, results, strict=True):
                _settle(waiters, result)

    async def _one_by_one(self, batch: list[tuple[T, list[asyncio.Future[R]]]]) -> None:
        for item, waiters in batch:
            try:
                (result,) = await self._write([item])
            except Exception as exc:
                _settle(waiters, exc)
            else:
                _settle(waiters, result)


def _settle(waiters: list[asyncio.Future[R]], result: R | BaseException) -> None:
    for waiter in waiters:
        if waiter.done():
            continue  # its caller was cancelled
        if isinstance(result, BaseException):
            waiter.set_exception(result)
        else:
            waiter.set_result(result)
