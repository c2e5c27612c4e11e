"""Drives one WebSocket on the event stream: ready, events, heartbeats, acks, and a clean ending.

The framework's WebSocket is seen only through `EventSocket`; Starlette's WebSocket fits it as
is, so after authentication the endpoint is:

    await websocket.accept()
    resume = ResumeRequest.from_query(websocket.query_params)
    await run_event_session(websocket, hub, actor, build_snapshot, resume, settings.event_heartbeat_seconds)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from c122.domain.errors import DatabaseUnavailable
from c122.realtime.hub import EventHub
from c122.realtime.protocol import (
    CLOSE_CODE_CLOSED,
    CLOSE_CODE_RELOAD,
    CLOSE_CODE_SERVER_ERROR,
    AckMessage,
    ClientMessageError,
    ClosedMessage,
    CloseReason,
    ErrorCode,
    ErrorMessage,
    PingMessage,
    PongMessage,
    ReadyMessage,
    ReloadMessage,
    RtcAnswerMessage,
    RtcClientMessage,
    RtcDtmfMessage,
    RtcIceServer,
    RtcOfferMessage,
    RtcRestartMessage,
    RtcStartMessage,
    RtcStateMessage,
    RtcStopMessage,
    RtcVideoMessage,
    encode,
    parse_client_message,
)
from c122.realtime.stream import Stream, StreamEnd, Viewer
from c122.services.phones.softphone import (
    NoSoftphoneMedia,
    RtcFailure,
    RtcNotice,
    RtcOffer,
    RtcStateChange,
    RtcVideo,
    SoftphoneError,
    SoftphoneMedia,
)

MISSED_HEARTBEATS = 3
"""A client silent for this many heartbeat periods (no pong, no ack) is considered gone."""
MAX_CLIENT_ERRORS = 20
"""Malformed messages answered with `error` before the connection is closed."""

SnapshotProvider = Callable[[], Awaitable[dict[str, Any]]]
StreamAdopter = Callable[[str, int, Viewer], Awaitable[Stream | None]]
"""(stream id, after id, viewer) → the stream rebuilt from another node's, or None."""

_log = logging.getLogger(__name__)


class EventSocket(Protocol):
    """The few WebSocket operations the session needs.

    `send_text` and `receive_text` raise (any exception) once the peer has gone.
    """

    async def send_text(self, data: str) -> None: ...

    async def receive_text(self) -> str: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


@dataclass(frozen=True, slots=True)
class ResumeRequest:
    stream_id: str
    after_id: int

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ResumeRequest | None:
        """Reads `?stream=<id>&after=<last acknowledged id>`; anything unusable means a fresh start."""
        stream_id = params.get("stream", "")
        after = params.get("after", "")
        if not stream_id or not after.isascii() or not after.isdigit():
            return None
        return cls(stream_id, int(after))


async def run_event_session(
    socket: EventSocket,
    hub: EventHub,
    viewer: Viewer,
    snapshot_provider: SnapshotProvider,
    resume: ResumeRequest | None = None,
    heartbeat_s: float = 15.0,
    softphone: SoftphoneMedia | None = None,
    adopt: StreamAdopter | None = None,
) -> None:
    """Serves the stream on an accepted WebSocket until either side ends it.

    `softphone` answers the `rtc.*` messages (the user's browser audio leg); `adopt` takes over a
    stream another node served (realtime/handover.py)."""
    stream = hub.resume(resume.stream_id, resume.after_id, viewer) if resume else None
    if stream is None and resume is not None and adopt is not None:
        stream = await adopt(resume.stream_id, resume.after_id, viewer)
    resumed = stream is not None
    if stream is None:
        stream = hub.open(viewer)
    lease = stream.attach()
    try:
        snapshot = None
        if not resumed:
            try:
                snapshot = await snapshot_provider()
            except DatabaseUnavailable:
                stream.close(ClosedMessage.of(CloseReason.DATABASE_UNAVAILABLE))
                await close_for_database(socket, heartbeat_s)
                return
            except Exception:
                _log.exception("event snapshot for user %s failed", viewer.user_id)
                stream.close(ClosedMessage.of(CloseReason.SESSION_ENDED))
                failure = ErrorMessage(
                    code=ErrorCode.SNAPSHOT_FAILED, message="the snapshot could not be built"
                )
                await _say_goodbye(socket, failure, CLOSE_CODE_SERVER_ERROR, heartbeat_s)
                return
        connection = _Connection(socket, stream, lease, heartbeat_s, viewer, softphone or NoSoftphoneMedia())
        ready = ReadyMessage(stream=stream.id, resumed=resumed, last_id=stream.sent_id, snapshot=snapshot)
        if await connection.send(encode(ready)):
            await connection.serve()
    finally:
        hub.detach(stream, lease)


class _Connection:
    """Three tasks share one socket: the reader (acks, pongs), the writer (events, pings) and the
    watcher (stream ended, client silent). The first to finish ends the other two, so a writer stuck
    on a client that does not read is abandoned rather than waited for."""

    def __init__(
        self,
        socket: EventSocket,
        stream: Stream,
        lease: int,
        heartbeat_s: float,
        viewer: Viewer,
        softphone: SoftphoneMedia,
    ) -> None:
        self._socket = socket
        self._viewer = viewer
        self._softphone = softphone
        self._rtc_reply = self._send_rtc  # one object: the softphone tells connections apart by it
        self._stream = stream
        self._lease = lease
        self._heartbeat = heartbeat_s
        self._loop = asyncio.get_running_loop()
        self._last_heard = self._loop.time()
        self._send_lock = asyncio.Lock()
        self._errors = 0

    async def send(self, text: str) -> bool:
        """False when the peer has gone."""
        async with self._send_lock:
            try:
                await self._socket.send_text(text)
            except Exception:
                return False
            return True

    async def serve(self) -> None:
        tasks = [asyncio.create_task(job()) for job in (self._read, self._write, self._watch)]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._softphone.detach(self._viewer.user_id, self._rtc_reply)
        endings = [ending for ending in (task.result() for task in done) if ending is not None]
        if endings:
            message = endings[0].message
            code = CLOSE_CODE_RELOAD if isinstance(message, ReloadMessage) else CLOSE_CODE_CLOSED
            await _say_goodbye(self._socket, message, code, self._heartbeat)

    async def _read(self) -> StreamEnd | None:
        while True:
            try:
                text = await self._socket.receive_text()
            except Exception:
                return None
            self._last_heard = self._loop.time()
            try:
                message = parse_client_message(text)
                if isinstance(message, AckMessage):
                    self._ack(message.id)
                elif not isinstance(message, PongMessage) and not await self._rtc(message):
                    return None
            except ClientMessageError as refusal:
                self._errors += 1
                if self._errors > MAX_CLIENT_ERRORS:
                    return StreamEnd(ClosedMessage.of(CloseReason.PROTOCOL_ERRORS))
                if not await self.send(encode(refusal.to_message())):
                    return None

    async def _rtc(self, message: RtcClientMessage) -> bool:
        """Hands an `rtc.*` request to the softphone media; False when the peer has gone."""
        user_id, softphone, reply = self._viewer.user_id, self._softphone, self._rtc_reply
        try:
            match message:
                case RtcStartMessage(codecs=codecs):
                    await softphone.start(user_id, codecs, reply)
                case RtcAnswerMessage(leg=leg, sdp=sdp):
                    await softphone.answer(user_id, leg, sdp, reply)
                case RtcRestartMessage(leg=leg):
                    await softphone.restart(user_id, leg, reply)
                case RtcDtmfMessage(leg=leg, digit=digit):
                    await softphone.dtmf(user_id, leg, digit)
                case RtcStopMessage(leg=leg):
                    await softphone.stop(user_id, leg)
        except SoftphoneError as refusal:
            return await self._send_rtc(RtcFailure(refusal.code, refusal.message))
        except Exception:
            _log.exception("%s from user %s failed", message.kind, user_id)
            return await self.send(
                encode(
                    ErrorMessage(code=ErrorCode.RTC_FAILED, message=f"{message.kind} failed on the server")
                )
            )
        return True

    async def _send_rtc(self, notice: RtcNotice) -> bool:
        match notice:
            case RtcOffer(leg=leg, sdp=sdp, ice_servers=servers, camera=camera):
                ice = [
                    RtcIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
                    for s in servers
                ]
                offer = RtcOfferMessage(leg=leg, sdp=sdp, ice_servers=ice, camera=camera)
                return await self.send(encode(offer))
            case RtcStateChange(leg=leg, state=state):
                return await self.send(encode(RtcStateMessage(leg=leg, state=state.value)))
            case RtcVideo(leg=leg, showing=showing, reason=reason, stalled=stalled, codec=codec):
                video = RtcVideoMessage(leg=leg, showing=showing, reason=reason, stalled=stalled, codec=codec)
                return await self.send(encode(video))
            case RtcFailure(code=code, message=text):
                return await self.send(encode(ErrorMessage(code=ErrorCode(code.value), message=text)))

    def _ack(self, event_id: int) -> None:
        if self._stream.end_for(self._lease) is not None:
            return
        if not self._stream.ack(event_id):
            raise ClientMessageError(
                ErrorCode.ACK_OUT_OF_RANGE,
                f"ack {event_id} is beyond the last event sent ({self._stream.sent_id})",
            )

    async def _write(self) -> StreamEnd | None:
        next_ping = self._loop.time() + self._heartbeat
        while True:
            delivery = await self._stream.next(self._lease, next_ping)
            if delivery is not None and not await self.send(delivery.text):
                return None
            if self._loop.time() >= next_ping:
                if not await self.send(encode(PingMessage(last_id=self._stream.sent_id))):
                    return None
                next_ping = self._loop.time() + self._heartbeat

    async def _watch(self) -> StreamEnd | None:
        while True:
            ending = await self._stream.wait_end(self._lease, self._loop.time() + self._heartbeat)
            if ending is not None:
                return ending
            if self._loop.time() - self._last_heard > self._heartbeat * MISSED_HEARTBEATS:
                return StreamEnd(ClosedMessage.of(CloseReason.HEARTBEAT_TIMEOUT))


async def close_for_database(socket: EventSocket, limit_s: float) -> None:
    """The database does not answer: `closed {database_unavailable}` and code 4001; the client
    reconnects after a back-off and the server decides then."""
    message = ClosedMessage.of(CloseReason.DATABASE_UNAVAILABLE)
    await _say_goodbye(socket, message, CLOSE_CODE_CLOSED, limit_s)


async def _say_goodbye(
    socket: EventSocket, message: ReloadMessage | ClosedMessage | ErrorMessage, code: int, limit_s: float
) -> None:
    """Tells the client why and closes; each step is bounded because the client may not be reading."""
    reason = message.code if isinstance(message, ErrorMessage) else message.reason
    with contextlib.suppress(Exception):
        async with asyncio.timeout(limit_s):
            await socket.send_text(encode(message))
    with contextlib.suppress(Exception):
        async with asyncio.timeout(limit_s):
            await socket.close(code, reason.value)
