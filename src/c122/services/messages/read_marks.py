"""Broadcast read marks written in batches.

When a broadcast reaches a whole group, its recipients mark it read within moments of each other; a
transaction (and a pool connection) per mark makes a thousand of them wait for connections until
they time out. The marks queue here instead: one transaction writes every mark that arrived while
the previous one was being written, and each caller gets its own answer (or refusal) back.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from c122.domain.clock import Clock
from c122.domain.errors import NotFound
from c122.services.events import EventPublisher
from c122.services.messages.events import broadcast_read
from c122.services.messages.ports import MessagesUnitOfWork
from c122.services.ports import UnitOfWorkFactory

MAX_BATCH = 500  # marks per transaction


@dataclass
class _Mark:
    broadcast_id: int
    user_id: int
    answer: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class BroadcastReadMarks:
    def __init__(
        self, uow_factory: UnitOfWorkFactory[MessagesUnitOfWork], clock: Clock, publisher: EventPublisher
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._pending: list[_Mark] = []
        self._writer: asyncio.Task[None] | None = None

    async def mark(self, user_id: int, broadcast_id: int) -> None:
        """Marks the user's copy read; NotFound when there is no copy of theirs."""
        mark = _Mark(broadcast_id, user_id)
        self._pending.append(mark)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending())
        await mark.answer

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            try:
                await self._write(batch)
            except Exception as exc:  # the batch's transaction failed: every mark in it did
                for mark in batch:
                    if not mark.answer.done():
                        mark.answer.set_exception(exc)

    async def _write(self, batch: list[_Mark]) -> None:
        now = self._clock.now()
        changed = []
        async with self._uow() as uow:
            for mark in batch:
                found = await uow.messages.broadcast_as_seen_by(mark.broadcast_id, mark.user_id)
                if (
                    found is None or not found.recipients
                ):  # another's broadcast looks absent: ids are not probed
                    mark.answer.set_exception(NotFound(f"broadcast {mark.broadcast_id} does not exist"))
                elif await uow.messages.mark_broadcast_read(mark.broadcast_id, mark.user_id, now):
                    changed.append((found, mark))
            await uow.commit()
        for found, mark in changed:
            self._publisher.publish(broadcast_read(found, mark.user_id, now))
        for mark in batch:
            if not mark.answer.done():
                mark.answer.set_result(None)
