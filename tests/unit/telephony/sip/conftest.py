"""Unit-test helpers for the SIP stack: a hand-driven clock and a recording sender."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import SipResponse

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sip"


class _Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """Implements the `Clock` protocol; `advance()` fires due callbacks in time order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, _Handle, Callable[[], object]]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], object], /) -> _Handle:
        handle = _Handle()
        heapq.heappush(self._queue, (self.now + delay, next(self._seq), handle, callback))
        return handle

    def advance(self, seconds: float) -> None:
        target = self.now + seconds
        while self._queue and self._queue[0][0] <= target:
            when, _, handle, callback = heapq.heappop(self._queue)
            self.now = when
            if not handle.cancelled:
                callback()
        self.now = target


@dataclass
class RecordingSender:
    """Stands in for the socket layer so state machines can be driven without a network."""

    sent: list[tuple[bytes, str, str, int]] = field(default_factory=list)
    responses: list[SipResponse] = field(default_factory=list)

    def send(self, data: bytes, transport: str, host: str, port: int) -> None:
        self.sent.append((data, transport, host, port))

    def send_response(self, response: SipResponse, source: Source | None = None) -> None:
        self.responses.append(response)

    def first_lines(self) -> list[str]:
        return [data.split(b"\r\n", 1)[0].decode() for data, *_ in self.sent]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    return lambda name: (FIXTURES / name).read_bytes()
