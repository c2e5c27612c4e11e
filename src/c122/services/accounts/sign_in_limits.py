"""The sign-in limits of one process: the domain's throttles, in memory."""

from __future__ import annotations

from c122.domain.clock import Clock
from c122.domain.throttle import EscalatingLock, FailureThrottle, KnownSources
from c122.services.accounts.ports import SignInPolicy


class MemorySignInLimits:
    """Implements `SignInLimits` for one process (and for a node while the shared store is away)."""

    def __init__(self, policy: SignInPolicy, clock: Clock) -> None:
        self._clock = clock
        self._accounts = EscalatingLock(
            limit=policy.max_failures,
            window=policy.window_seconds,
            base=policy.lock_seconds,
            ceiling=policy.lock_max_seconds,
        )
        self._addresses = FailureThrottle(limit=policy.address_max_failures, window=policy.window_seconds)
        self._known = KnownSources()

    async def retry_after(self, lock_key: str, source: str) -> int:
        now = self._clock.monotonic()
        return max(self._accounts.retry_after(lock_key, now), self._addresses.retry_after(source, now))

    async def failed(self, lock_key: str, source: str) -> None:
        now = self._clock.monotonic()
        self._accounts.record_failure(lock_key, now)
        self._addresses.record_failure(source, now)

    async def succeeded(self, lock_key: str, account: str, source: str) -> None:
        self._accounts.clear(lock_key)
        self._known.remember(account, source)

    async def knows(self, account: str, source: str) -> bool:
        return self._known.knows(account, source)
