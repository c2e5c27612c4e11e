"""The event hub: every open stream in this process, fed by the bus, filtered by audience."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from c122.realtime.protocol import ClosedMessage, CloseReason, PreparedEvent, ReloadReason
from c122.realtime.stream import Stream, Viewer
from c122.services.events import Audience, OutboundEvent

Clock = Callable[[], float]
"""Monotonic seconds."""

DEFAULT_RESUME_GRACE_SECONDS = 60.0
RECENT_EVENTS = 20_000
"""Events kept with their bus position, so a stream from another node can be rebuilt from them."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HubStats:
    streams: int
    attached: int
    unacked: int
    """Events held for replay across all streams."""


@dataclass(frozen=True, slots=True)
class StreamCheckpoint:
    """Where a stream's client stands, as another node needs it to take the stream over."""

    stream_id: str
    user_id: int
    acked_id: int
    position: str


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
        self._recent: deque[PreparedEvent] = deque(maxlen=RECENT_EVENTS)
        self._recent_audiences: deque[Audience] = deque(maxlen=RECENT_EVENTS)
        self._last_position: str | None = None
        self._base_position: str | None = None

    def __len__(self) -> int:
        return len(self._streams)

    def stats(self) -> HubStats:
        streams = self._streams.values()
        return HubStats(
            streams=len(streams),
            attached=sum(1 for stream in streams if stream.attached),
            unacked=sum(stream.unacked for stream in streams),
        )

    def publish(self, event: OutboundEvent, position: str | None = None) -> None:
        """Never waits: a stream that cannot take the event is marked lost, the others carry on.

        `position`: the event's place on the bus between nodes, kept for `adopt`."""
        prepared: PreparedEvent | None = None
        if position is not None:
            prepared = PreparedEvent.of(event, position)
            self._recent.append(prepared)
            self._recent_audiences.append(event.audience)
            self._last_position = position
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
        stream = Stream(self._new_id(), viewer, self._limit, self._clock(), origin=self._last_position)
        self._streams[stream.id] = stream
        return stream

    def knows(self, stream_id: str) -> bool:
        return stream_id in self._streams

    def adopt(self, checkpoint: StreamCheckpoint, after_id: int, viewer: Viewer) -> Stream | None:
        """Rebuilds a stream another node served, numbering the events after its checkpoint as that
        node did (every node reads the bus in one order and filters by the same audience), ready to
        replay after `after_id`. None when that is not possible: the client must reload."""
        if checkpoint.user_id != viewer.user_id or self.knows(checkpoint.stream_id):
            return None
        start = self._index_of(checkpoint.position)
        if start is None:
            return None
        stream = Stream(
            checkpoint.stream_id,
            viewer,
            self._limit,
            self._clock(),
            first_id=checkpoint.acked_id,
            origin=checkpoint.position,
        )
        for index in range(start + 1, len(self._recent)):
            if self._recent_audiences[index].admits(viewer):
                stream.offer(self._recent[index])
        if stream.ended or not stream.rewind(after_id):
            return None
        self._streams[stream.id] = stream
        return stream

    def checkpoints(self) -> list[StreamCheckpoint]:
        """The streams whose acknowledgement moved since the last call, where their position is known."""
        due: list[StreamCheckpoint] = []
        for stream in self._streams.values():
            position = stream.acked_position
            if stream.ended or position is None or stream.checkpointed_id == stream.acked_id:
                continue
            stream.checkpointed_id = stream.acked_id
            due.append(StreamCheckpoint(stream.id, stream.viewer.user_id, stream.acked_id, position))
        return due

    def forget_checkpoints(self, unwritten: list[StreamCheckpoint]) -> None:
        """These were not written: `checkpoints` offers them again."""
        for point in unwritten:
            stream = self._streams.get(point.stream_id)
            if stream is not None:
                stream.checkpointed_id = -1

    def reload_all(self, reason: ReloadReason) -> int:
        """Tells every client to start afresh from a snapshot. Returns how many streams."""
        streams = list(self._streams.values())
        for stream in streams:
            stream.reload(reason)
            if not stream.attached:
                self._forget(stream)
        return len(streams)

    def follow_from(self, position: str) -> None:
        """The bus reads on after `position` (it connected, or connected again after a gap): the
        events kept so far no longer join up with what comes."""
        self._recent.clear()
        self._recent_audiences.clear()
        self._base_position = self._last_position = position

    def _index_of(self, position: str) -> int | None:
        if position == self._base_position:
            return -1
        for index in range(len(self._recent) - 1, -1, -1):
            if self._recent[index].position == position:
                return index
        return None

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
