"""`PortGate`: a media worker's opens side by side, a move off the worker alone.

A leg moved to another worker is closed here and opened there on the same port; an open on this
worker in between could take the port just freed. A single lock around every open kept that out but
queued every new leg behind the previous one's round trip to the worker, so at a hundred new legs a
second the call path waited hundreds of milliseconds to ring a phone. Opens only need to stay out of
a move, not out of each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class PortGate:
    """Shared for opens, exclusive for moves; a waiting move holds new opens back so a steady stream
    of opens cannot keep it waiting forever."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._opens = 0
        self._moving = False
        self._moves_waiting = 0

    @asynccontextmanager
    async def opening(self) -> AsyncIterator[None]:
        async with self._changed:
            await self._changed.wait_for(lambda: not self._moving and self._moves_waiting == 0)
            self._opens += 1
        try:
            yield
        finally:
            self._opens -= 1
            await self._notify()

    @asynccontextmanager
    async def moving(self) -> AsyncIterator[None]:
        async with self._changed:
            self._moves_waiting += 1
            try:
                await self._changed.wait_for(lambda: not self._moving and self._opens == 0)
            finally:
                self._moves_waiting -= 1
                self._changed.notify_all()  # a move given up lets the opens it held back go
            self._moving = True
        try:
            yield
        finally:
            self._moving = False
            await self._notify()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
