"""A media worker's opens go side by side; a move off it waits for them and holds new ones back."""

from __future__ import annotations

import asyncio

from c122.telephony.media.workers.port_gate import PortGate


async def test_opens_are_inside_at_the_same_time() -> None:
    gate = PortGate()
    inside = 0
    most = 0
    release = asyncio.Event()

    async def open_leg() -> None:
        nonlocal inside, most
        async with gate.opening():
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    opens = [asyncio.create_task(open_leg()) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert most == 5  # none waited for another's round trip
    release.set()
    await asyncio.gather(*opens)


async def test_a_move_waits_for_the_opens_and_holds_new_ones_back() -> None:
    gate = PortGate()
    order: list[str] = []
    first_open_may_end = asyncio.Event()
    move_may_end = asyncio.Event()

    async def first_open() -> None:
        async with gate.opening():
            order.append("open 1 in")
            await first_open_may_end.wait()
            order.append("open 1 out")

    async def move() -> None:
        async with gate.moving():
            order.append("move in")
            await move_may_end.wait()
            order.append("move out")

    async def later_open() -> None:
        async with gate.opening():
            order.append("open 2 in")

    tasks = [asyncio.create_task(first_open())]
    await asyncio.sleep(0.01)
    tasks.append(asyncio.create_task(move()))
    await asyncio.sleep(0.01)
    tasks.append(asyncio.create_task(later_open()))
    await asyncio.sleep(0.01)
    assert order == ["open 1 in"]  # the move waits for the open; the later open waits for the move
    first_open_may_end.set()
    await asyncio.sleep(0.01)
    assert order == ["open 1 in", "open 1 out", "move in"]
    move_may_end.set()
    await asyncio.gather(*tasks)
    assert order == ["open 1 in", "open 1 out", "move in", "move out", "open 2 in"]


async def test_a_move_given_up_lets_the_held_opens_go() -> None:
    gate = PortGate()
    first_open_may_end = asyncio.Event()
    later_in = asyncio.Event()

    async def first_open() -> None:
        async with gate.opening():
            await first_open_may_end.wait()

    async def move() -> None:
        async with gate.moving():
            raise AssertionError("the move was cancelled before its turn")

    async def later_open() -> None:
        async with gate.opening():
            later_in.set()

    holder = asyncio.create_task(first_open())
    await asyncio.sleep(0.01)
    mover = asyncio.create_task(move())
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(later_open())
    await asyncio.sleep(0.01)
    assert not later_in.is_set()
    mover.cancel()
    await asyncio.wait_for(later_in.wait(), 1.0)
    first_open_may_end.set()
    await asyncio.gather(holder, waiter)
