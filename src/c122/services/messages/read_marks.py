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
        """One transaction and a few statements for the whole batch, not a read and a write per mark."""
        now = self._clock.now()
        wanted = frozenset((mark.broadcast_id, mark.user_id) for mark in batch)
        async with self._uow() as uow:
            senders = await uow.messages.broadcast_senders(frozenset(m.broadcast_id for m in batch))
            copies = await uow.messages.recipient_copies(wanted)
            changed = await uow.messages.mark_copies_read(copies, now) if copies else frozenset()
            await uow.commit()
        told: set[tuple[int, int]] = set()
        for mark in batch:
            key = (mark.broadcast_id, mark.user_id)
            if mark.broadcast_id not in senders or key not in copies:  # another's looks absent: not probed
                mark.answer.set_exception(NotFound(f"broadcast {mark.broadcast_id} does not exist"))
            elif key in changed and key not in told:  # the same mark twice in a batch: one event
                told.add(key)
                self._publisher.publish(broadcast_read(mark.broadcast_id, senders[key[0]], mark.user_id, now))
        for mark in batch:
            if not mark.answer.done():
                mark.answer.set_result(None)
