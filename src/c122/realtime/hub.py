"""The event hub: every open stream in this process, fed by the bus, filtered by audience."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from c122.realtime.protocol import ClosedMessage, CloseReason, PreparedEvent
from c122.realtime.stream import Stream, Viewer
from c122.services.events import OutboundEvent

Clock = Callable[[], float]
"""Monotonic seconds."""

DEFAULT_RESUME_GRACE_SECONDS = 60.0

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HubStats:
    streams: int
    attached: int
    unacked: int
    """Events held for replay across all streams."""


class EventHub:
    """Holds streams; `publish` hands each committed event to the streams whose viewer may see it.

    A stream outlives its connection for `resume_grace_s`, so a client that reconnects in time
    resumes where it acknowledged; after that `expire_abandoned` forgets it. All methods run on
    the event loop's thread.
    """

    def __init__(
        self,
        queue_limit: int,
        resume_grace_s: float = DEFAULT_RESUME_GRACE_SECONDS,
        clock: Clock = time.monotonic,
        new_stream_id: Callable[[], str] = lambda: secrets.token_urlsafe(16),
    ) -> None:
        if queue_limit < 1:
            raise ValueError("queue_limit must be at least 1")
        self._limit = queue_limit
        self._grace = resume_grace_s
        self._clock = clock
        self._new_id = new_stream_id
        self._streams: dict[str, Stream] = {}

    def __len__(self) -> int:
        return len(self._streams)

    def stats(self) -> HubStats:
        streams = self._streams.values()
        return HubStats(
            streams=len(streams),
            attached=sum(1 for stream in streams if stream.attached),
            unacked=sum(stream.unacked for stream in streams),
        )

    def publish(self, event: OutboundEvent) -> None:
        """Never waits: a stream that cannot take the event is marked lost, the others carry on."""
        prepared: PreparedEvent | None = None
        lost: list[Stream] = []
        for stream in self._streams.values():
            if stream.ended or not event.audience.admits(stream.viewer):
                continue
            if prepared is None:
                prepared = PreparedEvent.of(event)
            stream.offer(prepared)
            if stream.ended:
                lost.append(stream)
        for stream in lost:
            _log.warning(
                "event stream %s of user %s overflowed; client must reload", stream.id, stream.viewer.user_id
            )
            if not stream.attached:
                self._forget(stream)

    def open(self, viewer: Viewer) -> Stream:
        stream = Stream(self._new_id(), viewer, self._limit, self._clock())
        self._streams[stream.id] = stream
        return stream

    def resume(self, stream_id: str, after_id: int, viewer: Viewer) -> Stream | None:
        """The stream ready to replay every event after `after_id`, or None: the client must reload."""
        stream = self._streams.get(stream_id)
        if stream is None or stream.viewer.user_id != viewer.user_id:
            return None
        if self._expired(stream) or not stream.rewind(after_id):
            if not stream.attached:
                self._forget(stream)
            return None
        return stream

    def detach(self, stream: Stream, lease: int) -> None:
        """The connection holding `lease` has gone; the stream waits for a resume or expiry."""
        stream.detach(lease, self._clock())
        if stream.ended and not stream.attached:
            self._forget(stream)

    def close_user(self, user_id: int, reason: CloseReason, message: str | None = None) -> int:
        """Ends every stream of `user_id`, telling connected clients why. Returns how many."""
        return self._close(lambda stream: stream.viewer.user_id == user_id, ClosedMessage.of(reason, message))

    def close_all(self, reason: CloseReason, message: str | None = None) -> int:
        return self._close(lambda stream: True, ClosedMessage.of(reason, message))

    def expire_abandoned(self) -> int:
        """Forgets streams detached for longer than the grace period. Returns how many."""
        expired = [stream for stream in self._streams.values() if self._expired(stream)]
        for stream in expired:
            self._forget(stream)
        return len(expired)

    async def run_expiry(self, interval_s: float) -> None:
        """Runs `expire_abandoned` every `interval_s` until cancelled."""
        while True:
            await asyncio.sleep(interval_s)
            self.expire_abandoned()

    def _expired(self, stream: Stream) -> bool:
        since = stream.detached_since()
        return since is not None and self._clock() - since > self._grace

    def _close(self, selects: Callable[[Stream], bool], message: ClosedMessage) -> int:
        chosen = [stream for stream in self._streams.values() if selects(stream)]
        for stream in chosen:
            stream.close(message)
            if not stream.attached:
                self._forget(stream)
        return len(chosen)

    def _forget(self, stream: Stream) -> None:
        self._streams.pop(stream.id, None)
