"""How «Помощь старшего» follows the call distribution: a request closes when its call ends for the
operator (hang-up, transfer away, forced logout: the operator leaves the «Разговор» state)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from c122.domain.acd.events import OperatorStateChanged
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.step import Outcome
from c122.services.help_requests.service import HelpRequests

OutcomeListener = Callable[[Outcome], None]


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
    pending: set[asyncio.Task[None]] = set()

    def close_requests(outcome: Outcome) -> None:
        ended = calls_left(outcome.events)
        if not ended:
            return
        task = asyncio.get_running_loop().create_task(help_requests.calls_ended(ended))
        pending.add(task)
        task.add_done_callback(pending.discard)

    add_listener(close_requests)
