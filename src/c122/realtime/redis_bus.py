"""The event bus between nodes: one Redis stream that every node appends to and reads in one order.

Each node's committed events are appended (XADD, trimmed to `DEFAULT_STREAM_LENGTH`); every node,
the publisher included, reads the stream and hands each event to its subscribers with the entry's
id as its position. One order for all nodes is what lets a desktop resume its stream on another
node (`realtime/handover.py`): the numbering of its events can be rebuilt there.

Redis down: `publish` hands the event to this node's own subscribers at once (without position),
so a node keeps serving its own desktops; health says degraded. When Redis answers again the node
appends a resync marker: every node that reads it tells its desktops to reload (fresh snapshot),
since each may have missed what the others committed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from c122.realtime.bus import EventHandler, PublishedEvent, Unsubscribe
from c122.realtime.codec import decode_event, encode_event

DEFAULT_STREAM_KEY = "c122:events"
DEFAULT_STREAM_LENGTH = 20_000
"""Entries kept (approximately); a desktop can resume on another node within this many events."""
PUBLISH_QUEUE_LIMIT = 10_000
READ_BLOCK_MS = 1_000
RETRY_SECONDS = 0.5
SOCKET_TIMEOUT_S = 10.0
"""A silent Redis (no reset) counts as lost after this; generous, since a timeout on a busy node that
is not an outage would still make every desktop reload. A stopped Redis is seen at once."""
CONNECT_TIMEOUT_S = 2.0
PUBLISHER_STOP_S = 2.0
"""How long a session that ends waits for its publisher to stop after cancelling it."""
_EVENT = b"e"
_RESYNC = b"resync"

_Entries = list[tuple[bytes, dict[bytes, bytes]]]
PositionedHandler = Callable[[PublishedEvent, str | None], None]
"""Called with the event and its stream entry id (None when it did not travel through Redis)."""

_log = logging.getLogger(__name__)


class RedisEventBus:
    """Implements the `EventBus` port over a Redis stream; `run()` is the node's background task."""

    def __init__(
        self,
        url: str,
        *,
        stream_key: str = DEFAULT_STREAM_KEY,
        stream_length: int = DEFAULT_STREAM_LENGTH,
        on_start: Callable[[str], None] = lambda _position: None,
        on_resync: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._client = redis.Redis.from_url(
            url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=CONNECT_TIMEOUT_S
        )
        self._key = stream_key
        self._length = stream_length
        self._on_start = on_start
        self._on_resync = on_resync
        self._clock = clock
        self._node = secrets.token_hex(4)
        self._handlers: list[PositionedHandler] = []
        self._outgoing: asyncio.Queue[bytes] | None = None
        self._connected = False
        self._down_since: float | None = clock()
        self._error = "not connected yet"
        self._had_session = False

    @property
    def client(self) -> redis.Redis:
        """The connection pool, shared with what else a node keeps in Redis."""
        return self._client

    @property
    def url(self) -> str:
        return self._url

    @property
    def node_id(self) -> str:
        """This node's name among the others (random per start)."""
        return self._node

    @property
    def connected(self) -> bool:
        return self._connected

    def describe(self) -> str:
        """One line for the health check."""
        if self._connected:
            return "event bus: Redis"
        down = "" if self._down_since is None else f" for {self._clock() - self._down_since:.0f} s"
        return f"event bus: Redis unreachable{down} ({self._error}); serving this node's desktops only"

    def publish(self, event: PublishedEvent) -> None:
        if self._connected and self._outgoing is not None:
            try:
                self._outgoing.put_nowait(encode_event(event))
                return
            except asyncio.QueueFull:  # Redis far behind: the other nodes' desktops miss this one
                _log.warning(
                    "event bus: %s events wait for Redis; %s kept on this node",
                    PUBLISH_QUEUE_LIMIT,
                    event.type,
                )
        self._deliver(event, None)

    def subscribe(self, handler: EventHandler) -> Unsubscribe:
        return self.subscribe_positioned(lambda event, _position: handler(event))

    def subscribe_positioned(self, handler: PositionedHandler) -> Unsubscribe:
        self._handlers.append(handler)

        def unsubscribe() -> None:
            if handler in self._handlers:
                self._handlers.remove(handler)

        return unsubscribe

    async def run(self) -> None:
        """Connects, reads and publishes until cancelled; reconnects after every failure."""
        self._outgoing = asyncio.Queue(PUBLISH_QUEUE_LIMIT)
        try:
            while True:
                try:
                    await self._session()
                except (RedisError, OSError) as exc:
                    self._lost(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(RETRY_SECONDS)
        finally:
            with contextlib.suppress(Exception):
                await self._client.aclose()

    async def _session(self) -> None:
        newest = cast(_Entries, await self._client.xrevrange(self._key, count=1))
        after = newest[0][0].decode() if newest else "0-0"
        self._on_start(after)
        if self._down_since is not None and self._had_session:
            await self._client.xadd(self._key, {_RESYNC: self._node.encode()}, maxlen=self._length)
        self._had_session = True
        self._connected = True
        self._down_since = None
        _log.info("event bus: Redis connected, reading %s after %s", self._key, after)
        publisher = asyncio.create_task(self._publish_queued())
        try:
            while True:
                answer = cast(
                    list[tuple[bytes, _Entries]],
                    await self._client.xread({self._key: after}, count=500, block=READ_BLOCK_MS),
                )
                if publisher.done():
                    publisher.result()  # raises what stopped it
                for _key, entries in answer or ():
                    for entry_id, fields in entries:
                        after = entry_id.decode()
                        self._receive(after, fields)
        finally:
            publisher.cancel()
            # Not `await publisher`: a cancellation of this task while it waits there is passed on to
            # the publisher and comes back only when the publisher ends. Here it goes through, and a
            # publisher that does not end is not waited for (the node's shutdown hung on one).
            await asyncio.wait({publisher}, timeout=PUBLISHER_STOP_S)
            if publisher.done() and not publisher.cancelled():
                stopped_by = publisher.exception()
                if stopped_by is not None and not isinstance(stopped_by, RedisError | OSError):
                    raise stopped_by

    async def _publish_queued(self) -> None:
        assert self._outgoing is not None
        this = asyncio.current_task()
        while True:
            raw = await self._outgoing.get()
            try:
                await self._client.xadd(self._key, {_EVENT: raw}, maxlen=self._length, approximate=True)
            except (RedisError, OSError, asyncio.CancelledError):
                # Not in Redis, or never read back by this node (its reader has stopped): at least
                # this node's desktops see it.
                self._deliver(decode_event(raw), None)
                raise
            if this is not None and this.cancelling():
                # The client took the cancellation for its own and returned: stop all the same.
                raise asyncio.CancelledError

    def _receive(self, position: str, fields: dict[bytes, bytes]) -> None:
        raw = fields.get(_EVENT)
        if raw is not None:
            try:
                event = decode_event(raw)
            except ValueError:
                _log.warning("event bus: entry %s is not an event; skipped", position)
                return
            self._deliver(event, position)
        elif _RESYNC in fields:
            _log.warning(
                "event bus: node %s was cut off from Redis; desktops reload", fields[_RESYNC].decode()
            )
            self._on_resync()

    def _lost(self, reason: str) -> None:
        if self._connected:
            _log.warning("event bus: Redis lost (%s); this node's desktops only until it answers", reason)
            self._down_since = self._clock()
        self._connected = False
        self._error = reason[:120]
        if self._outgoing is not None:  # what was waiting for Redis goes to this node's desktops
            while not self._outgoing.empty():
                self._deliver(decode_event(self._outgoing.get_nowait()), None)

    def _deliver(self, event: PublishedEvent, position: str | None) -> None:
        for handler in tuple(self._handlers):
            try:
                handler(event, position)
            except Exception:
                _log.exception("event subscriber failed on %s", event.type)
