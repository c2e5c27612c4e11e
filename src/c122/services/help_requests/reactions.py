"""How «Помощь старшего» follows the call distribution: a request closes when its call ends for the
operator (hang-up, transfer away, forced logout: the operator leaves the «Разговор» state)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence

from c122.domain.acd.events import OperatorStateChanged
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.step import Outcome
from c122.services.batched_writes import BatchedWrites
from c122.services.help_requests.service import HelpRequests

OutcomeListener = Callable[[Outcome], None]

log = logging.getLogger(__name__)

MAX_CALLS_A_CLOSING = 500


def calls_left(events: Iterable[object]) -> list[str]:
    """The calls operators stopped talking on in these distribution events."""
    return [
        event.call_id
        for event in events
        if isinstance(event, OperatorStateChanged)
        and event.old_status == OperatorStatus.ON_CALL.value
        and event.new_status != OperatorStatus.ON_CALL.value
        and event.call_id is not None
    ]


def subscribe(add_listener: Callable[[OutcomeListener], None], help_requests: HelpRequests) -> None:
    """The calls ended meanwhile close their requests together, one transaction at a time: a
    transaction for every ended call took a pooled connection each, and at 100 calls/s a stall of the
    loop left hundreds waiting for the pool until they failed."""

    async def close(call_ids: list[str]) -> Sequence[None]:
        await help_requests.calls_ended(call_ids)
        return [None] * len(call_ids)

    closings: BatchedWrites[str, None] = BatchedWrites(
        close, max_batch=MAX_CALLS_A_CLOSING, what="help requests of ended calls"
    )
    pending: set[asyncio.Task[None]] = set()

    async def closed(ended: list[str]) -> None:
        results = await asyncio.gather(*(closings.submit(c) for c in ended), return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:  # the requests stay open; their desks still show them
            log.warning("help requests of %d ended call(s) not closed: %s", len(failures), failures[0])

    def close_requests(outcome: Outcome) -> None:
        ended = calls_left(outcome.events)
        if ended:
            task = asyncio.get_running_loop().create_task(closed(ended))
            pending.add(task)
            task.add_done_callback(pending.discard)

    add_listener(close_requests)
