"""The SQLite write gate: writers take turns in the order they came; a waiter gives up only when the
gate stops moving for the busy timeout, not because the queue ahead of it is long."""

from __future__ import annotations

import asyncio

import pytest

from c122.domain.errors import DatabaseUnavailable
from c122.persistence.write_gate import WriteGate


async def test_writers_take_turns_in_the_order_they_came() -> None:
    gate = WriteGate(wait_s=1.0)
    order: list[int] = []

    async def write(n: int) -> None:
        await gate.enter()
        order.append(n)
        await asyncio.sleep(0)
        gate.leave()

    await gate.enter()
    writers = [asyncio.create_task(write(n)) for n in range(5)]
    await asyncio.sleep(0.01)
    assert gate.waiting == 5
    gate.leave()
    await asyncio.gather(*writers)
    assert order == [0, 1, 2, 3, 4]
    assert not gate.busy


async def test_a_long_queue_that_moves_is_waited_out_past_the_busy_timeout() -> None:
    gate = WriteGate(wait_s=0.2)

    async def write() -> None:
        await gate.enter()
        await asyncio.sleep(0.1)  # each turn well inside the timeout, all of them together past it
        gate.leave()

    await asyncio.wait_for(asyncio.gather(*(write() for _ in range(6))), timeout=5)


async def test_a_writer_holding_the_gate_past_the_busy_timeout_gets_the_waiters_refused() -> None:
    gate = WriteGate(wait_s=0.1)
    await gate.enter()
    with pytest.raises(DatabaseUnavailable):
        await gate.enter()
    assert gate.waiting == 0
    gate.leave()
    await gate.enter()  # the gate still works after a refusal
    gate.leave()


async def test_a_cancelled_waiter_does_not_keep_its_turn() -> None:
    gate = WriteGate(wait_s=1.0)
    await gate.enter()
    gone = asyncio.create_task(gate.enter())
    await asyncio.sleep(0.01)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    gate.leave()
    await asyncio.wait_for(gate.enter(), timeout=1)
    gate.leave()


async def test_a_first_in_line_writer_waits_only_for_the_one_writing_and_earlier_first_ones() -> None:
    """The ACD's transactions go ahead of the call-record batches waiting, in their own order."""
    gate = WriteGate(wait_s=1.0)
    order: list[str] = []

    async def write(name: str, *, first: bool = False) -> None:
        await gate.enter(first_in_line=first)
        order.append(name)
        await asyncio.sleep(0)
        gate.leave()

    await gate.enter()
    writers = [asyncio.create_task(write(f"record-{n}")) for n in range(3)]
    await asyncio.sleep(0.01)
    writers += [asyncio.create_task(write(f"acd-{n}", first=True)) for n in range(2)]
    await asyncio.sleep(0.01)
    assert gate.waiting == 5
    gate.leave()
    await asyncio.gather(*writers)
    assert order == ["acd-0", "acd-1", "record-0", "record-1", "record-2"]


async def test_a_first_in_line_writer_that_gives_up_leaves_the_order_of_the_others_intact() -> None:
    gate = WriteGate(wait_s=1.0)
    order: list[str] = []

    async def write(name: str, *, first: bool = False) -> None:
        await gate.enter(first_in_line=first)
        order.append(name)
        gate.leave()

    await gate.enter()
    record = asyncio.create_task(write("record"))
    await asyncio.sleep(0.01)
    gone = asyncio.create_task(write("gone", first=True))
    await asyncio.sleep(0.01)
    gone.cancel()
    await asyncio.gather(gone, return_exceptions=True)
    acd = asyncio.create_task(write("acd", first=True))
    await asyncio.sleep(0.01)
    gate.leave()
    await asyncio.gather(record, acd)
    assert order == ["acd", "record"]
    assert gate.waiting == 0


async def test_a_first_in_line_writer_served_earlier_does_not_push_the_next_one_back() -> None:
    gate = WriteGate(wait_s=1.0)
    order: list[str] = []

    async def enter(name: str, *, first: bool = False) -> None:
        await gate.enter(first_in_line=first)
        order.append(name)

    await gate.enter()
    acd = asyncio.create_task(enter("acd-0", first=True))
    records = [asyncio.create_task(enter(f"record-{n}")) for n in range(2)]
    await asyncio.sleep(0.01)
    gate.leave()
    await acd  # acd-0 writes; both records still wait
    later = asyncio.create_task(enter("acd-1", first=True))
    await asyncio.sleep(0.01)
    for _turn in range(3):
        gate.leave()
        await asyncio.sleep(0.01)
    await asyncio.gather(later, *records)
    assert order == ["acd-0", "acd-1", "record-0", "record-1"]
