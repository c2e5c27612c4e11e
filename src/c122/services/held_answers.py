"""Answers read from the database kept in memory per key for `ttl_s` seconds, for what the call path
asks at every call but an administrator rarely changes. The service that makes a change announces it,
and its reaction calls `forget`: every answer is read again at once. A change made through another node
is seen within `ttl_s`. A read that began before a `forget` does not keep what it read."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class HeldAnswers(Generic[K, V]):
    def __init__(self, ttl_s: float = 5.0, now: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._now = now
        self._answers: dict[K, tuple[float, V]] = {}  # key: (read at, the answer)
        self._generation = 0  # bumped by `forget`

    async def get(
        self, key: K, read: Callable[[], Awaitable[V]], keeps: Callable[[V], bool] = lambda _: True
    ) -> V:
        """The answer held for `key`, or `read()`'s, held when `keeps` says so."""
        known = self._answers.get(key)
        if known is not None and self._now() - known[0] < self._ttl_s:
            return known[1]
        generation = self._generation
        read_at = self._now()
        answer = await read()
        if keeps(answer) and generation == self._generation:
            self._answers[key] = (read_at, answer)
        return answer

    def forget(self) -> None:
        self._answers.clear()
        self._generation += 1
