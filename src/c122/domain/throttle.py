"""Sliding-window failure counting, used to slow down password guessing per account and per address."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class FailureWindow:
    """Remembers failure times for one key; blocked once `limit` failures fall inside `window` seconds."""

    limit: int
    window: float
    failures: deque[float] = field(default_factory=deque)

    def _forget_before(self, now: float) -> None:
        while self.failures and self.failures[0] <= now - self.window:
            self.failures.popleft()

    def retry_after(self, now: float) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        self._forget_before(now)
        if len(self.failures) < self.limit:
            return 0
        return max(1, int(self.failures[0] + self.window - now + 0.999))

    def record_failure(self, now: float) -> None:
        self._forget_before(now)
        self.failures.append(now)


@dataclass
class FailureThrottle:
    """A FailureWindow per key (an account login, a source address), bounded in memory."""

    limit: int
    window: float
    max_keys: int = 100_000
    _windows: dict[str, FailureWindow] = field(default_factory=dict)

    def retry_after(self, key: str, now: float) -> int:
        window = self._windows.get(key)
        return window.retry_after(now) if window else 0

    def record_failure(self, key: str, now: float) -> None:
        window = self._windows.get(key)
        if window is None:
            if len(self._windows) >= self.max_keys:
                self._windows.pop(next(iter(self._windows)))
            window = self._windows[key] = FailureWindow(self.limit, self.window)
        window.record_failure(now)

    def clear(self, key: str) -> None:
        self._windows.pop(key, None)
