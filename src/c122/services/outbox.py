"""Writes the call path must not lose: straight to the database when it answers, into the outbox when it
does not, and replayed from the outbox, in order, once it answers again (docs/operations.md, "Database
outage").

A write is replayed by a function registered for its kind; every replay stores a whole record, so
replaying one twice (after a restart in the middle of a drain) changes nothing. While anything waits in
the outbox, new writes queue behind it: a later version of a record never lands before an earlier one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from c122.domain.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

Replay = Callable[[Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class OutboxEntry:
    seq: int
    kind: str
    data: Mapping[str, Any]


class Outbox(Protocol):
    """Durable, ordered storage of writes waiting for the database (persistence/outbox.py)."""

    def __len__(self) -> int: ...

    def entries(self) -> Sequence[OutboxEntry]:
        """Everything waiting, oldest first."""
        ...

    async def append(self, kind: str, data: Mapping[str, Any]) -> None:
        """Stored durably (on disk, synced) before it returns."""
        ...

    async def confirm(self, seq: int) -> None:
        """Entries up to `seq` are in the database."""
        ...

    async def set_aside(self, entry: OutboxEntry, reason: str) -> None:
        """An entry the database refuses for good is kept elsewhere for a person to look at."""
        ...


class DeferredWrites:
    def __init__(self, outbox: Outbox) -> None:
        self._outbox = outbox
        self._replays: dict[str, Replay] = {}
        self._draining = asyncio.Lock()

    def register(self, kind: str, replay: Replay) -> None:
        self._replays[kind] = replay

    @property
    def waiting(self) -> int:
        return len(self._outbox)

    async def write(self, kind: str, data: Mapping[str, Any]) -> None:
        """Stores `data` now if the database takes it and nothing waits before it; else in the outbox."""
        replay = self._replays[kind]
        await self.write_lazily(kind, lambda: replay(data), lambda: data)

    async def write_lazily(
        self, kind: str, store: Callable[[], Awaitable[None]], data: Callable[[], Mapping[str, Any]]
    ) -> None:
        """As `write`, for a value the caller can store as it is: `store` writes it while nothing waits,
        and `data` turns it into the outbox's form only when it has to wait (every call writes its
        record several times; the form is for the outbox alone)."""
        if not len(self._outbox):
            try:
                await store()
                return
            except DatabaseUnavailable as exc:
                log.warning("%s kept in the outbox: %s", kind, exc.message)
        await self._outbox.append(kind, data())

    async def drain(self) -> int:
        """Replays what waits, oldest first, until the outbox is empty or the database stops answering;
        returns how many were written."""
        written = 0
        async with self._draining:
            while entries := self._outbox.entries():
                for entry in entries:
                    replay = self._replays.get(entry.kind)
                    if replay is None:  # written by a version that knew this kind: it waits for one
                        log.error(
                            "outbox entry %s: no replay for %r; the outbox waits", entry.seq, entry.kind
                        )
                        return written
                    try:
                        await replay(entry.data)
                    except DatabaseUnavailable:
                        return written
                    except Exception as exc:  # refused for good: kept aside, never dropped
                        log.exception("outbox entry %s (%s) refused; set aside", entry.seq, entry.kind)
                        await self._outbox.set_aside(entry, f"{type(exc).__name__}: {exc}"[:500])
                    await self._outbox.confirm(entry.seq)
                    written += 1
        if written:
            log.info("outbox drained: %d write(s) stored", written)
        return written
