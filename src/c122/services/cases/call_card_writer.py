"""The one writer of new call cards on the call path.

Every inbound call gets its card as it reaches the queue, before the offer. Made one transaction each,
100 calls a second asked the pool for a connection per card and, on SQLite, queued a write per card at
the write gate ahead of the queue's own. Here the cards of the calls arriving together are made in
one transaction (`BatchedWrites`, services/batched_writes.py); each call still waits until its card
is committed (nothing acknowledged is lost in a crash) and hears of a failure: a refused card alone,
`DatabaseUnavailable` for all the batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import Case
from c122.domain.errors import InvalidFields
from c122.services.batched_writes import BatchedWrites


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


class CallCardWriter:
    def __init__(self, make_cards: MakeCards, max_batch: int = 100) -> None:
        self._writes: BatchedWrites[CallCardRequest, Case] = BatchedWrites(
            make_cards, max_batch=max_batch, what="call cards"
        )

    async def create(self, request: CallCardRequest) -> Case:
        """The call's card, once committed (with the other cards waiting at that moment)."""
        return await self._writes.submit(request)
