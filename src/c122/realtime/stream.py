"""One client's logical subscription: rising ids, the unacknowledged buffer, and who is attached."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import Enum

from c122.domain.users import Actor
from c122.realtime.protocol import ClosedMessage, CloseReason, PreparedEvent, ReloadMessage, ReloadReason
from c122.realtime.wakeup import Wakeup

Viewer = Actor
"""Who is watching a stream: user id, role and groups, as the access rules see a signed-in user."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """An event numbered for one stream. The serialised event is shared by every stream holding it."""

    id: int
    event: PreparedEvent

    @property
    def text(self) -> str:
        return self.event.encode(self.id)


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """Why a connection on this stream must stop, and what to tell the client before closing."""

    message: ReloadMessage | ClosedMessage


class StreamState(Enum):
    DETACHED = "detached"
    ATTACHED = "attached"
    LOST = "lost"
    CLOSED = "closed"


class Stream:
    """Events for one viewer, numbered 1, 2, 3... and kept until acknowledged.

    At most `limit` events wait unacknowledged (sent or not). One more and the stream is lost:
    its buffer is dropped and the client is told to reload. That is what keeps a client that
    never reads from holding memory or delaying anyone: `offer` never waits.

    A connection works on the stream through a lease from `attach`; a later `attach` (a resume
    from a new connection) supersedes the earlier lease.
    """

    def __init__(
        self,
        stream_id: str,
        viewer: Viewer,
        limit: int,
        now: float,
        *,
        first_id: int = 0,
        origin: str | None = None,
    ) -> None:
        """`first_id`, `origin`: a stream taken over from another node continues its numbering
        after `first_id`, which stood at bus position `origin`."""
        self.id = stream_id
        self.viewer = viewer
        self._limit = limit
        self._buffer: deque[Delivery] = deque()
        self._last_id = first_id
        self._acked_id = first_id
        self._sent_id = first_id
        self._acked_position = origin
        self.checkpointed_id = -1
        """The acknowledged id last written where another node can read it (realtime/handover.py)."""
        self._lease = 0
        self._attached = False
        self._detached_at = now
        self._end: StreamEnd | None = None
        # Two, so the writer is woken by new events and the watcher only by an ending or a new lease.
        self._arrived = Wakeup()
        self._turned = Wakeup()

    @property
    def state(self) -> StreamState:
        if self._end is not None:
            return StreamState.LOST if isinstance(self._end.message, ReloadMessage) else StreamState.CLOSED
        return StreamState.ATTACHED if self._attached else StreamState.DETACHED

    @property
    def ended(self) -> bool:
        return self._end is not None

    @property
    def attached(self) -> bool:
        return self._attached

    @property
    def last_id(self) -> int:
        """The id of the newest event numbered for this stream."""
        return self._last_id

    @property
    def sent_id(self) -> int:
        """The id of the newest event handed to the current connection."""
        return self._sent_id

    @property
    def acked_id(self) -> int:
        return self._acked_id

    @property
    def acked_position(self) -> str | None:
        """The bus position of the newest acknowledged event (or of the stream's start); None when
        unknown (an event that did not travel through the bus), so no other node can take it over."""
        return self._acked_position

    @property
    def unacked(self) -> int:
        return len(self._buffer)

    def detached_since(self) -> float | None:
        return None if self._attached else self._detached_at

    def offer(self, event: PreparedEvent) -> None:
        if self._end is not None:
            return
        if len(self._buffer) >= self._limit:
            self.reload(ReloadReason.OVERFLOW)
            return
        self._last_id += 1
        self._buffer.append(Delivery(self._last_id, event))
        self._arrived.fire()

    def ack(self, event_id: int) -> bool:
        """Drops events up to `event_id`. False if that id was never sent (the client is confused)."""
        if event_id > self._sent_id:
            return False
        while self._buffer and self._buffer[0].id <= event_id:
            self._acked_position = self._buffer.popleft().event.position
        self._acked_id = max(self._acked_id, event_id)
        return True

    def rewind(self, after_id: int) -> bool:
        """Prepares a replay of every event after `after_id`; False if they are not all still here."""
        if self._end is not None or not self._acked_id <= after_id <= self._last_id:
            return False
        self._sent_id = after_id
        self.ack(after_id)
        return True

    def reload(self, reason: ReloadReason) -> None:
        """Tells the client to start afresh from a snapshot."""
        if self._end is None:
            self._buffer.clear()
            self._finish(StreamEnd(ReloadMessage(reason=reason)))

    def close(self, message: ClosedMessage) -> None:
        if self._end is None:
            self._buffer.clear()
            self._finish(StreamEnd(message))

    def attach(self) -> int:
        """Gives the calling connection the stream; any earlier connection's lease ends."""
        self._lease += 1
        self._attached = True
        self._turn()
        return self._lease

    def detach(self, lease: int, now: float) -> None:
        if lease == self._lease and self._attached:
            self._attached = False
            self._detached_at = now
            self._sent_id = self._acked_id

    def end_for(self, lease: int) -> StreamEnd | None:
        if self._end is not None:
            return self._end
        if lease != self._lease:
            return StreamEnd(ClosedMessage.of(CloseReason.SUPERSEDED))
        return None

    async def next(self, lease: int, deadline: float) -> Delivery | None:
        """The next unsent event, or None if none came before `deadline` (loop clock).

        Once the lease has ended it only waits for the deadline.
        """
        while True:
            if self.end_for(lease) is None and self._sent_id < self._last_id:
                delivery = self._buffer[self._sent_id + 1 - self._buffer[0].id]
                self._sent_id = delivery.id
                return delivery
            if not await self._arrived.wait(deadline):
                return None

    async def wait_end(self, lease: int, deadline: float) -> StreamEnd | None:
        """Why this lease ended, or None if it still holds at `deadline` (loop clock)."""
        while True:
            end = self.end_for(lease)
            if end is not None:
                return end
            if not await self._turned.wait(deadline):
                return None

    def _finish(self, end: StreamEnd) -> None:
        self._end = end
        self._turn()

    def _turn(self) -> None:
        self._turned.fire()
