"""Waiting for a state seen only from outside (a record over HTTP, a phone's registration): ask again
until it holds, within a deadline. Used where no event announces the state."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def until(read: Callable[[], Awaitable[T]], holds: Callable[[T], bool], timeout: float = 20.0) -> T:
    """Reads every 0.1 s until `holds(value)`; raises TimeoutError with the last value otherwise."""
    value = await read()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not holds(value):
        if loop.time() > deadline:
            raise TimeoutError(f"still {value!r} after {timeout} s")
        await asyncio.sleep(0.1)
        value = await read()
    return value


def reading(read: Callable[[], T]) -> Callable[[], Awaitable[T]]:
    """A plain read (an attribute, a list's length) as `until` takes it."""

    async def value() -> T:
        return read()

    return value
