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


@dataclass
class _LockState:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0
    level: int = 0
    """How many locks in a row; reset by a success or a quiet spell of `ceiling` after the last lock."""


@dataclass
class EscalatingLock:
    """Locks a key for `base` seconds once `limit` failures fall inside `window` seconds; each further
    lock doubles, up to `ceiling`. Short first locks keep a guessing attacker from locking a user out
    for long with a handful of attempts; doubling slows sustained guessing. Failures while locked are
    not counted (they are refused before the check), so they do not lengthen the lock."""

    limit: int
    window: float
    base: float
    ceiling: float
    max_keys: int = 100_000
    _states: dict[str, _LockState] = field(default_factory=dict)

    def retry_after(self, key: str, now: float) -> int:
        state = self._states.get(key)
        if state is None or state.locked_until <= now:
            return 0
        return max(1, int(state.locked_until - now + 0.999))

    def record_failure(self, key: str, now: float) -> None:
        state = self._states.get(key)
        if state is None:
            if len(self._states) >= self.max_keys:
                self._states.pop(next(iter(self._states)))
            state = self._states[key] = _LockState()
        if state.locked_until > now:
            return
        if state.level and now - state.locked_until > self.ceiling:
            state.level = 0
        while state.failures and state.failures[0] <= now - self.window:
            state.failures.popleft()
        state.failures.append(now)
        if len(state.failures) >= self.limit:
            state.failures.clear()
            state.locked_until = now + min(self.base * 2**state.level, self.ceiling)
            state.level += 1

    def clear(self, key: str) -> None:
        self._states.pop(key, None)


@dataclass
class KnownSources:
    """The addresses each account last signed in from (a few per account, bounded in memory)."""

    per_key: int = 4
    max_keys: int = 100_000
    _sources: dict[str, deque[str]] = field(default_factory=dict)

    def knows(self, key: str, source: str) -> bool:
        return source in self._sources.get(key, ())

    def remember(self, key: str, source: str) -> None:
        sources = self._sources.pop(key, None)  # re-inserted: the dict's order is least recent first
        if sources is None:
            if len(self._sources) >= self.max_keys:
                self._sources.pop(next(iter(self._sources)))
            sources = deque(maxlen=self.per_key)
        if source in sources:
            sources.remove(source)
        sources.append(source)
        self._sources[key] = sources
