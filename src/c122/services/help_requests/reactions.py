"""How «Помощь старшего» follows the call distribution: a request closes when its call ends for the
operator (hang-up, transfer away, forced logout: the operator leaves the «Разговор» state)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from c122.domain.acd.events import OperatorStateChanged
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.step import Outcome
from c122.domain.errors import DatabaseUnavailable
from c122.services.help_requests.service import HelpRequests

OutcomeListener = Callable[[Outcome], None]

log = logging.getLogger(__name__)


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


class _Closer:
    """The calls ended meanwhile close their requests together, one transaction at a time. A task and
    a transaction for every ended call took a pooled connection each: at 100 calls/s a stall of the
    loop left hundreds waiting for the pool until they failed."""

    def __init__(self, help_requests: HelpRequests) -> None:
        self._help_requests = help_requests
        self._ended: list[str] = []
        self._running: asyncio.Task[None] | None = None

    def calls_ended(self, call_ids: list[str]) -> None:
        self._ended.extend(call_ids)
        if self._running is None:
            self._running = asyncio.get_running_loop().create_task(self._close())

    async def _close(self) -> None:
        try:
            while self._ended:
                ended, self._ended = self._ended, []
                try:
                    await self._help_requests.calls_ended(ended)
                except DatabaseUnavailable as exc:  # the requests stay open; their desks still show them
                    log.warning("help requests of %d ended call(s) not closed: %s", len(ended), exc.message)
                except Exception:
                    log.exception("help requests of %d ended call(s) not closed", len(ended))
        finally:
            self._running = None


def subscribe(add_listener: Callable[[OutcomeListener], None], help_requests: HelpRequests) -> None:
    closer = _Closer(help_requests)

    def close_requests(outcome: Outcome) -> None:
        ended = calls_left(outcome.events)
        if ended:
            closer.calls_ended(ended)

    add_listener(close_requests)
