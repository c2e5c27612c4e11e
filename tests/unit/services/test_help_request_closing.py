"""Help requests of ended calls are closed together: the calls that ended while one closing ran go in
the next, one at a time, and a database that does not answer is logged, not left in a task."""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import pytest

from c122.domain.acd.events import OperatorStateChanged
from c122.domain.acd.operator_state import OperatorStatus
from c122.domain.acd.step import Outcome
from c122.domain.errors import DatabaseUnavailable
from c122.services.help_requests.reactions import OutcomeListener, subscribe
from c122.services.help_requests.service import HelpRequests


class Requests:
    def __init__(self, failures: int = 0) -> None:
        self.closings: list[list[str]] = []
        self.at_once = 0
        self._running = 0
        self._failures = failures

    async def calls_ended(self, call_ids: list[str]) -> None:
        self._running += 1
        self.at_once = max(self.at_once, self._running)
        await asyncio.sleep(0.01)
        self._running -= 1
        self.closings.append(sorted(call_ids))
        if self._failures:
            self._failures -= 1
            raise DatabaseUnavailable()


def call_left(call_id: str) -> Outcome:
    left = OperatorStateChanged(
        operator_id="7",
        old_status=OperatorStatus.ON_CALL.value,
        new_status=OperatorStatus.WRAP_UP.value,
        trigger="hang_up",
        reason="",
        note="",
        at=0.0,
        duration_s=1.0,
        call_id=call_id,
    )
    return Outcome(events=(left,))


def listener_of(requests: Requests) -> OutcomeListener:
    listeners: list[OutcomeListener] = []
    subscribe(listeners.append, cast(HelpRequests, requests))
    return listeners[0]


async def test_calls_ended_meanwhile_close_together_one_closing_at_a_time() -> None:
    requests = Requests()
    listener = listener_of(requests)
    listener(call_left("a"))
    await asyncio.sleep(0)  # the first closing is under way
    for call_id in ("b", "c", "d"):
        listener(call_left(call_id))
    await asyncio.sleep(0.1)
    assert requests.closings == [["a"], ["b", "c", "d"]]
    assert requests.at_once == 1


async def test_a_database_that_does_not_answer_is_logged_and_later_calls_still_close(
    caplog: pytest.LogCaptureFixture,
) -> None:
    requests = Requests(failures=1)
    listener = listener_of(requests)
    with caplog.at_level(logging.WARNING):
        listener(call_left("a"))
        await asyncio.sleep(0.05)
        listener(call_left("b"))
        await asyncio.sleep(0.05)
    assert requests.closings == [["a"], ["b"]]
    assert "help requests of 1 ended call(s) not closed" in caplog.text
