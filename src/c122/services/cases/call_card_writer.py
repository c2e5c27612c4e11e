"""The one writer of new call cards on the call path.

Every inbound call gets its card as it reaches the queue, before the offer. Made one transaction each,
100 calls a second asked the pool for a connection per card and, on SQLite, queued a write per card at
the write gate ahead of the queue's own. Here the cards of the calls arriving together wait for one
task that makes them in one transaction; each call still waits until its card is committed (nothing
acknowledged is lost in a crash) and hears of a failure: a refused card alone, `DatabaseUnavailable`
for all the batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import Case
from c122.domain.errors import DatabaseUnavailable, InvalidFields

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallCardRequest:
    """What a call's card is made from (`CaseDesk.create_case_for_call`)."""

    caller: str
    type_id: int
    call_id: str
    group_id: int | None
    description: str = ""
    origin: CallOrigin | None = None


MakeCards = Callable[[Sequence[CallCardRequest]], Awaitable[list[Case | InvalidFields]]]
_Waiting = tuple[CallCardRequest, asyncio.Future[Case]]


class CallCardWriter:
    def __init__(self, make_cards: MakeCards, max_batch: int = 100) -> None:
        self._make_cards = make_cards
        self._max_batch = max_batch
        self._pending: list[_Waiting] = []
        self._task: asyncio.Task[None] | None = None

    async def create(self, request: CallCardRequest) -> Case:
        """The call's card, once committed (with the other cards waiting at that moment)."""
        done: asyncio.Future[Case] = asyncio.get_running_loop().create_future()
        self._pending.append((request, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
            try:
                made = await self._make_cards([request for request, _ in batch])
            except DatabaseUnavailable as exc:  # no use trying one by one
                for _, waiter in batch:
                    _settle(waiter, exc)
                continue
            except Exception:
                log.exception("making %d call cards together failed; making them one by one", len(batch))
                await self._one_by_one(batch)
                continue
            for (_, waiter), result in zip(batch, made, strict=True):
                _settle(waiter, result)

    async def _one_by_one(self, batch: list[_Waiting]) -> None:
        for request, waiter in batch:
            try:
                (result,) = await self._make_cards([request])
            except Exception as exc:
                _settle(waiter, exc)
            else:
                _settle(waiter, result)


def _settle(waiter: asyncio.Future[Case], result: Case | BaseException) -> None:
    if waiter.done():
        return  # its call was cancelled
    if isinstance(result, BaseException):
        waiter.set_exception(result)
    else:
        waiter.set_result(result)
