"""Timer values of RFC 3261 §17 / Table 4 and the clock transactions schedule them on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """`asyncio.AbstractEventLoop` satisfies this; unit tests pass a fake one."""

    def call_later(self, delay: float, callback: Callable[[], object], /) -> TimerHandle: ...

    def time(self) -> float: ...


@dataclass(frozen=True, slots=True)
class TimerSettings:
    t1: float = 0.5  # RTT estimate
    t2: float = 4.0  # maximum retransmit interval for non-INVITE requests and INVITE responses
    t4: float = 5.0  # maximum time a message stays in the network

    def __post_init__(self) -> None:
        if not 0 < self.t1 <= self.t2 or self.t4 <= 0:
            raise ValueError("timers: need 0 < t1 <= t2 and t4 > 0")

    @property
    def b(self) -> float:
        """INVITE transaction timeout (also F, H, J, L, M)."""
        return 64 * self.t1

    def d(self, reliable: bool) -> float:
        """Wait for response retransmissions after ACKing a non-2xx final."""
        return 0.0 if reliable else max(32.0, self.b)

    def k(self, reliable: bool) -> float:
        """Wait for response retransmissions in a non-INVITE client transaction (also timer I)."""
        return 0.0 if reliable else self.t4
