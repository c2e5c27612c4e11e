"""Timer values of RFC 3261 §17 / Table 4. Transactions schedule them on `c122.domain.clock.Timers`."""

from __future__ import annotations

from dataclasses import dataclass


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
