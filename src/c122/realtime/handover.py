"""A desktop's event stream taken over by another node: where each client stands, kept in Redis.

Every node writes, once a second, the acknowledged id and bus position of each stream whose
acknowledgement moved (a hash per stream, expiring after the resume grace). A desktop whose node
died reconnects through the load balancer to another node with `?stream=<id>&after=<n>`; that node
reads the checkpoint and rebuilds the stream from the events it read from the bus itself
(`EventHub.adopt`), so the ids the client holds stay valid and nothing is missed or repeated.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

import redis.asyncio as redis
from redis.exceptions import RedisError

from c122.realtime.hub import EventHub, StreamCheckpoint
from c122.realtime.stream import Stream, Viewer

CHECKPOINT_SECONDS = 1.0
_PREFIX = "c122:stream:"

_log = logging.getLogger(__name__)


class StreamHandover:
    def __init__(self, client: redis.Redis, hub: EventHub, grace_s: float) -> None:
        self._client = client
        self._hub = hub
        self._ttl_ms = int(grace_s * 1000) + 5_000

    async def adopt(self, stream_id: str, after_id: int, viewer: Viewer) -> Stream | None:
        """The stream rebuilt here, or None (unknown, expired, or Redis unreachable): reload."""
        if self._hub.knows(stream_id):
            return None
        try:
            fields = cast(dict[bytes, bytes], await self._client.hgetall(_PREFIX + stream_id))
        except (RedisError, OSError) as exc:
            _log.warning("stream %s not taken over: %s", stream_id, exc)
            return None
        try:
            checkpoint = StreamCheckpoint(
                stream_id, int(fields[b"user"]), int(fields[b"acked"]), fields[b"position"].decode()
            )
        except (KeyError, ValueError):
            return None
        stream = self._hub.adopt(checkpoint, after_id, viewer)
        if stream is not None:
            _log.info("stream %s of user %s taken over after id %s", stream_id, viewer.user_id, after_id)
        return stream

    async def save(self) -> int:
        """Writes the checkpoints that moved; returns how many. Lost ones are written next time."""
        due = self._hub.checkpoints()
        if not due:
            return 0
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for point in due:
                    key = _PREFIX + point.stream_id
                    pipe.hset(
                        key,
                        mapping={"user": point.user_id, "acked": point.acked_id, "position": point.position},
                    )
                    pipe.pexpire(key, self._ttl_ms)
                await pipe.execute()
        except (RedisError, OSError):
            self._hub.forget_checkpoints(due)
            raise
        return len(due)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            try:
                await self.save()
            except (RedisError, OSError) as exc:
                _log.debug("stream checkpoints not written: %s", exc)
