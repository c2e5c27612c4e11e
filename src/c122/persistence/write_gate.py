"""One writer at a time for SQLite, queued in this process in the order writers arrive.

SQLite lets one connection write at a time. Without a queue, every waiting writer polls the file lock
(SQLite's busy handler sleeps and retries) and the lock goes to whoever polls at the right moment: in
a burst — a shift signing in at once — some writers wait past the busy timeout while later ones get
through, and their requests fail. Here a connection enters the gate before its first write and leaves
it when its transaction ends, so the process's writers take turns in order and each meets the file
lock free. Writers of other processes (a backup, `c122` commands) are still met by the busy timeout.
PostgreSQL has row locks and needs no gate.

A writer may ask to go first in line (the ACD, whose decisions wait for their commit): it is queued
ahead of the ordinary writers, behind any earlier first-in-line writer, so it waits for the
transaction already writing and nothing else.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.engine.interfaces import CoreExecuteOptionsParameter
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable

from c122.domain.errors import DatabaseUnavailable

_GATES: WeakKeyDictionary[Engine, WriteGate] = WeakKeyDictionary()


class WriteGate:
    """A first-come, first-served turn to write. A waiter gives up (503) only when the gate has not
    changed hands for the busy timeout — one writer holding it that long, as SQLite's own busy timeout
    would see — not merely because many writers are ahead of it and the queue is moving."""

    def __init__(self, wait_s: float) -> None:
        self._wait_s = wait_s
        self._held = False
        self._queue: deque[asyncio.Future[None]] = deque()
        self._first = 0  # how many at the head of the queue went first in line
        self._turns = 0  # how often the gate changed hands: the queue's progress

    @property
    def busy(self) -> bool:
        return self._held

    @property
    def waiting(self) -> int:
        return len(self._queue)

    async def enter(self, *, first_in_line: bool = False) -> None:
        if not self._held and not self._queue:
            self._hand_over()
            return
        turn = asyncio.get_running_loop().create_future()
        if first_in_line:
            self._queue.insert(self._first, turn)
            self._first += 1
        else:
            self._queue.append(turn)
        seen = self._turns
        while True:
            try:
                await asyncio.wait_for(asyncio.shield(turn), self._wait_s)
                return
            except TimeoutError:
                if turn.done():
                    return  # handed over just as the wait ran out
                if self._turns == seen:
                    self._forget(turn)
                    raise DatabaseUnavailable() from None
                seen = self._turns
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self.leave()  # handed over to a request that is gone: pass it on
                else:
                    self._forget(turn)
                raise

    def _forget(self, turn: asyncio.Future[None]) -> None:
        """A waiter that gave up leaves the queue."""
        if self._queue.index(turn) < self._first:
            self._first -= 1
        self._queue.remove(turn)
        turn.cancel()

    def leave(self) -> None:
        self._held = False
        while self._queue:
            turn = self._queue.popleft()
            self._first = max(0, self._first - 1)
            if not turn.done():
                turn.set_result(None)
                self._hand_over()
                return

    def _hand_over(self) -> None:
        self._held = True
        self._turns += 1


def install_write_gate(engine: AsyncEngine, wait_s: float) -> None:
    _GATES[engine.sync_engine] = WriteGate(wait_s)


def share_write_gate(engine: AsyncEngine, shared: AsyncEngine) -> None:
    """`engine`'s writers queue at `shared`'s gate: two engines on one SQLite file."""
    gate = write_gate(shared)
    if gate is not None:
        _GATES[engine.sync_engine] = gate


def write_gate(engine: AsyncEngine) -> WriteGate | None:
    """The engine's gate (SQLite), or None when the database orders writers itself."""
    return _GATES.get(engine.sync_engine)


async def connect(engine: AsyncEngine, *, first_in_line: bool = False) -> AsyncConnection:
    """A connection whose writes pass the engine's gate, if it has one (`first_in_line`: ahead of the
    ordinary writers waiting there)."""
    gate = write_gate(engine)
    if gate is None:
        return await engine.connect()
    return await GatedConnection(engine, gate, first_in_line=first_in_line)


@asynccontextmanager
async def transaction(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """`engine.begin()` through the gate: committed at the end, rolled back on an error."""
    connection = await connect(engine)
    try:
        async with connection.begin():
            yield connection
    finally:
        await connection.close()  # leaves the gate


class GatedConnection(AsyncConnection):
    """Enters the gate before the first INSERT, UPDATE or DELETE of a transaction and leaves it when
    the transaction ends; reads never wait for it."""

    def __init__(self, engine: AsyncEngine, gate: WriteGate, *, first_in_line: bool = False) -> None:
        super().__init__(engine)
        self._gate = gate
        self._first_in_line = first_in_line
        self._writing = False

    async def execute(
        self,
        statement: Executable,
        parameters: Any = None,
        *,
        execution_options: CoreExecuteOptionsParameter | None = None,
    ) -> CursorResult[Any]:
        if not self._writing and getattr(statement, "is_dml", False):
            await self._gate.enter(first_in_line=self._first_in_line)
            self._writing = True
        return await super().execute(statement, parameters, execution_options=execution_options)

    async def commit(self) -> None:
        try:
            await super().commit()
        finally:
            self._leave()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self._leave()

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            self._leave()

    def _leave(self) -> None:
        if self._writing:
            self._writing = False
            self._gate.leave()
