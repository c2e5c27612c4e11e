"""Wakeup: the hub's cheap wake-up call for waiting writers.

Ordering relies on asyncio running newly scheduled tasks first-in first-out: a task created
before another has registered its waiter by the time the other starts.
"""

from __future__ import annotations

import asyncio

from c122.realtime.wakeup import Wakeup


async def test_fire_wakes_every_current_waiter_and_not_later_ones() -> None:
    wakeup = Wakeup()
    loop = asyncio.get_running_loop()
    far = loop.time() + 30

    async def fire() -> int:
        waiting = wakeup.waiting
        wakeup.fire()
        return waiting

    woken = await asyncio.gather(wakeup.wait(far), wakeup.wait(far), wakeup.wait(far), fire())
    late = await wakeup.wait(loop.time() + 0.05)

    assert woken == [True, True, True, 3]
    assert late is False
    assert wakeup.waiting == 0


async def test_a_deadline_in_the_past_returns_false_and_leaves_no_waiter_behind() -> None:
    wakeup = Wakeup()

    assert await wakeup.wait(asyncio.get_running_loop().time() - 1) is False
    assert wakeup.waiting == 0


async def test_a_cancelled_waiter_is_removed() -> None:
    wakeup = Wakeup()
    waiter = asyncio.create_task(wakeup.wait(asyncio.get_running_loop().time() + 30))
    seen_waiting: list[int] = []

    async def cancel() -> None:
        seen_waiting.append(wakeup.waiting)
        waiter.cancel()

    await asyncio.gather(waiter, asyncio.create_task(cancel()), return_exceptions=True)

    assert seen_waiting == [1]
    assert waiter.cancelled()
    assert wakeup.waiting == 0


async def test_waits_with_the_same_deadline_share_one_timer_that_still_ends_the_last_wait() -> None:
    wakeup = Wakeup()
    deadline = asyncio.get_running_loop().time() + 0.05

    async def fire_soon() -> None:
        await asyncio.sleep(0)
        wakeup.fire()

    for _ in range(3):  # a writer woken by events, each time waiting again for the same heartbeat
        woken = await asyncio.gather(wakeup.wait(deadline), fire_soon())
        assert woken[0] is True
    assert len(wakeup._timers) == 1

    assert await wakeup.wait(deadline) is False
    assert wakeup.waiting == 0
    assert not wakeup._timers


async def test_a_timer_ends_only_the_waits_whose_deadline_has_come() -> None:
    wakeup = Wakeup()
    now = asyncio.get_running_loop().time()
    late = asyncio.create_task(wakeup.wait(now + 30))

    assert await wakeup.wait(now + 0.02) is False
    assert not late.done()
    assert wakeup.waiting == 1

    wakeup.fire()
    assert await late is True
