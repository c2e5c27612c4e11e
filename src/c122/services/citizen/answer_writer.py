"""The operators' answers stored by one writer: every answer sent meanwhile waits in memory, and the
writer stores them together, in the order they came, in one transaction, then answers each sender.
Many operators answering at once then hold one database connection (SQLite orders its writers: each
waiting its turn held a connection of the pool, which the reads — the desks, the app — need too), and
pay one commit between them.

A batch the database cannot take (`DatabaseUnavailable`: 503) refuses each of its answers; any other
fault is retried answer by answer, so one answer the database rejects does not take the others down."""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from c122.domain.citizen import Message
from c122.domain.errors import DatabaseUnavailable
from c122.services.citizen.ports import CitizenUnitOfWork
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)
MAX_BATCH: Final = 200

_Pending = tuple[Message, "asyncio.Future[Message]"]


class AnswerWriter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CitizenUnitOfWork],
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._uow = uow_factory
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._writing: asyncio.Task[None] | None = None

    async def store(self, message: Message) -> Message:
        """`message` as stored (with its id), once its transaction has committed."""
        stored: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending.append((message, stored))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.get_running_loop().create_task(self._write())
        # A sender that goes away does not take the answer with it: it is stored all the same.
        return await asyncio.shield(stored)

    async def _write(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                try:
                    await self._store(batch)
                except Exception as error:  # every sender hears of it
                    if len(batch) > 1 and not isinstance(error, DatabaseUnavailable):
                        _log.warning("a batch of %s answers failed; storing them one by one", len(batch))
                        for one in batch:
                            await self._store_alone(one)
                    else:
                        _refuse(batch, error)
        except asyncio.CancelledError:  # the process stops: nobody is left waiting
            for _, waiting in [*batch, *self._pending]:
                waiting.cancel()
            self._pending.clear()
            raise

    async def _store(self, batch: list[_Pending]) -> None:
        async with self._uow() as uow:
            stored = [await uow.citizen.add_message(message) for message, _ in batch]
            await uow.commit()
        for (_, waiting), message in zip(batch, stored, strict=True):
            if not waiting.done():
                waiting.set_result(message)

    async def _store_alone(self, one: _Pending) -> None:
        try:
            await self._store([one])
        except Exception as error:
            _refuse([one], error)


def _refuse(batch: list[_Pending], error: BaseException) -> None:
    for _, waiting in batch:
        if not waiting.done():
            waiting.set_exception(error)
