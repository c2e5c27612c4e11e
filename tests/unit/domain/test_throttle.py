"""Failure throttling: a sliding window per key."""

from __future__ import annotations

from c122.domain.throttle import EscalatingLock, FailureThrottle, KnownSources


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


def test_an_escalating_lock_starts_short_doubles_up_to_the_ceiling_and_ignores_guesses_while_locked() -> None:
    lock = EscalatingLock(limit=2, window=60, base=10, ceiling=35)
    waits = []
    now = 0.0
    for _ in range(4):
        lock.record_failure("k", now)
        assert lock.retry_after("k", now) == 0
        lock.record_failure("k", now)
        waits.append(lock.retry_after("k", now))
        lock.record_failure("k", now + 1)  # refused while locked: does not lengthen the lock
        assert lock.retry_after("k", now + 1) == waits[-1] - 1
        now += waits[-1]
    assert waits == [10, 20, 35, 35]


def test_a_quiet_spell_or_a_success_starts_the_lock_over() -> None:
    lock = EscalatingLock(limit=1, window=60, base=10, ceiling=100)
    lock.record_failure("k", 0)
    lock.record_failure("k", 10)
    assert lock.retry_after("k", 10) == 20
    lock.record_failure("k", 10 + 20 + 101)  # longer than the ceiling after the last lock ended
    assert lock.retry_after("k", 131) == 10
    lock.clear("k")
    assert lock.retry_after("k", 131) == 0


def test_known_sources_keep_the_latest_few_per_account() -> None:
    known = KnownSources(per_key=2)
    for source in ("a", "b", "a", "c"):
        known.remember("k", source)
    assert [known.knows("k", s) for s in ("a", "b", "c")] == [True, False, True]
    assert not known.knows("other", "a")
