"""Changes the SIP side keeps in the database, written in the background: the latest change per key
wins, and one task writes what accumulated as one batch, so signalling never waits for the database
and a burst of calls costs a few transactions, not one per message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

RETRY_S = 1.0  # after a failed write (database unreachable): try the batch again, merged with newer changes


class CoalescingWriter(Generic[K, V]):
    def __init__(self, write: Callable[[Mapping[K, V]], Awaitable[None]], what: str) -> None:
        self._write = write
        self._what = what
        self._pending: dict[K, V] = {}
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    def put(self, key: K, value: V) -> None:
        self._pending[key] = value
        self._idle.clear()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"write {self._what}")

    async def flush(self, timeout: float) -> None:
        """Waits until what was put is written (or `timeout` passes: a shut-down must not hang)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def close(self, timeout: float = 5.0) -> None:
        await self.flush(timeout)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, {}
            if batch:
                try:
                    await self._write(batch)
                except Exception as exc:
                    log.warning("cannot store %d %s change(s), retrying: %r", len(batch), self._what, exc)
                    self._pending = {**batch, **self._pending}
                    self._wake.set()
                    await asyncio.sleep(RETRY_S)
                    continue
            if not self._pending:
                self._idle.set()
