"""The operators' answers stored by one writer (`BatchedWrites`, services/batched_writes.py): the
answers sent meanwhile are stored together, in the order they came, in one transaction, then each
sender is answered. Many operators answering at once then hold one database connection (SQLite orders
its writers: each waiting its turn held a connection of the pool, which the reads — the desks, the
app — need too), and pay one commit between them. A sender that goes away does not take its answer
with it."""

from __future__ import annotations

from typing import Final

from c122.domain.citizen import Message
from c122.services.batched_writes import BatchedWrites
from c122.services.citizen.ports import CitizenUnitOfWork
from c122.services.ports import UnitOfWorkFactory

MAX_BATCH: Final = 200


class AnswerWriter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CitizenUnitOfWork],
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._uow = uow_factory
        self._writes: BatchedWrites[Message, Message] = BatchedWrites(
            self._store, max_batch=max_batch, what="chat answers"
        )

    async def store(self, message: Message) -> Message:
        """`message` as stored (with its id), once its transaction has committed."""
        return await self._writes.submit(message)

    async def _store(self, batch: list[Message]) -> list[Message]:
        async with self._uow() as uow:
            stored = [await uow.citizen.add_message(message) for message in batch]
            await uow.commit()
        return stored
