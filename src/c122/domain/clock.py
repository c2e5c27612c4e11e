"""Time enters the product only through these ports, so tests drive it with a fake clock.

`Clock` gives wall time (timezone-aware UTC, for what is stored and shown) and monotonic time (for
durations that a changed system clock must not bend); `c122.clock.SystemClock` implements it.
`Timers` is the clock a protocol state machine schedules on (the SIP transactions and dialogs):
`asyncio.AbstractEventLoop` satisfies it, its `time()` being monotonic. The call distribution's rules
take the moment as an argument (epoch seconds) and read no clock themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start that never goes back."""
        ...


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Timers(Protocol):
    """A monotonic clock that also wakes a callback later."""

    def call_later(self, delay: float, callback: Callable[[], object], /) -> TimerHandle: ...

    def time(self) -> float: ...
