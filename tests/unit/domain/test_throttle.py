"""Failure throttling: a sliding window per key."""

from __future__ import annotations

from c122.domain.throttle import FailureThrottle


def test_the_limit_th_failure_blocks_until_the_oldest_leaves_the_window() -> None:
    throttle = FailureThrottle(limit=3, window=60)
    for second in (0, 10, 20):
        assert throttle.retry_after("k", second) == 0
        throttle.record_failure("k", second)
    assert throttle.retry_after("k", 30) == 30
    assert throttle.retry_after("k", 60) == 0


def test_keys_are_independent_and_clearing_forgets() -> None:
    throttle = FailureThrottle(limit=1, window=60)
    throttle.record_failure("a", 0)
    assert throttle.retry_after("a", 1) > 0
    assert throttle.retry_after("b", 1) == 0
    throttle.clear("a")
    assert throttle.retry_after("a", 1) == 0


def test_memory_is_bounded() -> None:
    throttle = FailureThrottle(limit=1, window=60, max_keys=100)
    for n in range(1000):
        throttle.record_failure(f"addr:{n}", 0)
    assert throttle.retry_after("addr:999", 1) > 0
    assert throttle.retry_after("addr:0", 1) == 0, "the oldest keys were dropped"
