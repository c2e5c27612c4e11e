"""How a call's record learns its wrap-up: when the operator's wrap-up after it ends (by its timer, by
«Готов», a break or a logout), the time spent in it lands on the call record, so that handle time
(talk + hold + wrap-up) counts it. The call flow writes the record before that and knows nothing of it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from c122.domain.acd.events import OperatorStateChanged
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.step import Outcome
from c122.services.calls.service import CallRecordService

log = logging.getLogger(__name__)

OutcomeListener = Callable[[Outcome], None]


def wrap_ups_ended(events: Iterable[object]) -> list[tuple[str, float]]:
    """(call id, seconds in wrap-up) of each wrap-up these distribution events end."""
    return [
        (event.call_id, event.duration_s)
        for event in events
        if isinstance(event, OperatorStateChanged)
        and event.old_status == OperatorStatus.WRAP_UP.value
        and event.new_status != OperatorStatus.WRAP_UP.value
        and event.call_id is not None
    ]


def subscribe(add_listener: Callable[[OutcomeListener], None], call_records: CallRecordService) -> None:
    pending: set[asyncio.Task[None]] = set()

    async def store(ended: list[tuple[str, float]]) -> None:
        try:
            await call_records.record_wrap_ups(ended)
        except Exception:  # the call path goes on; only this figure is lost
            log.exception("wrap-up of calls %s not stored", [call_id for call_id, _ in ended])

    def on_outcome(outcome: Outcome) -> None:
        ended = wrap_ups_ended(outcome.events)
        if not ended:
            return
        task = asyncio.get_running_loop().create_task(store(ended))
        pending.add(task)
        task.add_done_callback(pending.discard)

    add_listener(on_outcome)
