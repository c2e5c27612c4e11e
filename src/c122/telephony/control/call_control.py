"""The CallControl: the port the contact-center core drives, owner of the channels, bridges,
playbacks and recordings, and the one place their events come from."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Final

from c122.telephony.control.events import (
    ChannelCreated,
    ChannelDtmf,
    ControlEvent,
    PlaybackFinished,
    RecordingFinished,
)
from c122.telephony.control.hearing import BridgeKind
from c122.telephony.control.model import (
    Bridge,
    Channel,
    ChannelState,
    ControlError,
    Playback,
    Recording,
    new_id,
)
from c122.telephony.control.signalling import Gateway, MediaParams, Signalling
from c122.telephony.media import messages as media
from c122.telephony.media.messages import Direction, MediaControl

log = logging.getLogger(__name__)

DEFAULT_MUSIC: Final = "tone:425+600:400"  # used when no music-on-hold file is configured


class CallControl:
    """The port the contact-center core drives. Config comes as constructor arguments."""

    def __init__(
        self,
        media_control: MediaControl,
        *,
        music_on_hold: str = DEFAULT_MUSIC,
        media_timeout: float | None = 30.0,
    ) -> None:
        self.media = media_control
        self.music_on_hold = music_on_hold
        self.media_timeout = media_timeout
        self._gateway: Gateway | None = None
        self._channels: dict[str, Channel] = {}
        self._bridges: dict[str, Bridge] = {}
        self._playbacks: dict[str, Playback] = {}
        self._recordings: dict[str, Recording] = {}
        self._handlers: list[Callable[[ControlEvent], None]] = []
        self._bridge_listeners: list[Callable[[Bridge], None]] = []
        self._queues: list[asyncio.Queue[ControlEvent]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        media_control.subscribe(self._on_media_event)

    # -- wiring -----------------------------------------------------------------------------------

    def use_gateway(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def subscribe(self, handler: Callable[[ControlEvent], None]) -> None:
        self._handlers.append(handler)

    def unsubscribe(self, handler: Callable[[ControlEvent], None]) -> None:
        if handler in self._handlers:
            self._handlers.remove(handler)

    async def events(self) -> AsyncIterator[ControlEvent]:
        """Every control event from now on, in order."""
        queue: asyncio.Queue[ControlEvent] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.remove(queue)

    def emit(self, event: ControlEvent) -> None:
        for queue in self._queues:
            queue.put_nowait(event)
        for handler in self._handlers:
            try:
                handler(event)
            except Exception:
                log.exception("control event handler failed for %r", event)

    # -- ControlHost: what the nouns report ------------------------------------------------------

    def playback_started(self, playback: Playback) -> None:
        self._playbacks[playback.id] = playback

    def channel_gone(self, channel: Channel) -> None:
        self._channels.pop(channel.id, None)

    def bridge_gone(self, bridge: Bridge) -> None:
        self._bridges.pop(bridge.id, None)
        self.bridge_applied(bridge)  # emptied: nobody in it hears anyone now

    def bridge_applied(self, bridge: Bridge) -> None:
        for listener in self._bridge_listeners:
            try:
                listener(bridge)
            except Exception:
                log.exception("bridge listener failed for %s", bridge.id)

    def on_bridge_applied(self, listener: Callable[[Bridge], None]) -> None:
        """`listener` hears every bridge whose membership or hearing changed, or that was destroyed
        (video routing)."""
        self._bridge_listeners.append(listener)

    # -- nouns ------------------------------------------------------------------------------------

    def channel(self, channel_id: str) -> Channel:
        return self._channels[channel_id]

    def find(self, channel_id: str) -> Channel | None:
        """The channel while it is up or ringing; None once it is gone."""
        return self._channels.get(channel_id)

    @property
    def channels(self) -> list[Channel]:
        return list(self._channels.values())

    def incoming(self, signalling: Signalling) -> Channel:
        """Called by a gateway for a new inbound leg; the core hears ChannelCreated."""
        channel = Channel(self, "inbound", signalling.caller, signalling.called)
        channel.bind(signalling)
        self._channels[channel.id] = channel
        self.emit(ChannelCreated(channel.id, "inbound", channel.caller, channel.called))
        return channel

    async def originate(
        self,
        target: str,
        caller_id: str,
        *,
        headers: dict[str, str] | None = None,
        destination: tuple[str, int] | None = None,
        codecs: tuple[str, ...] = (),
        credentials: tuple[str, str] | None = None,
    ) -> Channel:
        """An outbound leg; it is RINGING until the far end answers (ChannelAnswered). `codecs`: those
        the offer names, in order (a trunk's); empty: the default ones."""
        if self._gateway is None:
            raise ControlError("no gateway for outbound calls")
        channel = Channel(self, "outbound", caller_id, target)
        self._channels[channel.id] = channel
        first = codecs[0] if codecs else "PCMU"
        host, port = await channel.open_endpoint(MediaParams(first, 101, None, Direction.SENDRECV))
        try:
            channel.bind(
                await self._gateway.originate(
                    target, caller_id, host, port, headers, destination, codecs, credentials
                )
            )
        except Exception:
            await channel.close("rejected", None)
            raise
        self.emit(ChannelCreated(channel.id, "outbound", channel.caller, channel.called))
        return channel

    async def resume(
        self,
        channel_id: str,
        direction: str,
        signalling: Signalling,
        params: MediaParams,
        port: int,
    ) -> Channel:
        """A leg a stopped process had up, taken over under its own id: its endpoint on exactly `port`,
        UP at once. No `ChannelCreated`: the call flow resumes the call it belongs to itself."""
        if channel_id in self._channels:
            raise ControlError(f"channel {channel_id} already exists")
        channel = Channel(self, direction, signalling.caller, signalling.called)
        channel.id = channel_id
        self._channels[channel_id] = channel
        try:
            await channel.open_endpoint(params, port)
        except Exception:
            self._channels.pop(channel_id, None)
            raise
        channel.bind(signalling)
        channel.resumed()
        return channel

    async def create_bridge(self, kind: BridgeKind = BridgeKind.DIRECT) -> Bridge:
        bridge = Bridge(self, kind)
        self._bridges[bridge.id] = bridge
        return bridge

    async def record(
        self,
        path: str,
        caller: Channel,
        operator: Channel | None = None,
        *,
        append: bool = False,
        mixed: bool = False,
    ) -> Recording:
        """Records `caller` on the left channel and `operator` on the right (TEL-11); `append`: at the
        end of the file already there; `mixed`: the right channel is what the caller hears from their
        conference's mix (everyone else), `operator` not read."""
        caller.require(ChannelState.UP)
        recording = Recording(self.media, new_id("rec"), path)
        self._recordings[recording.id] = recording
        await self.media.execute(
            media.StartRecording(
                recording.id,
                path,
                caller.id,
                operator.id if operator is not None and not mixed else None,
                append,
                right_mixed=mixed,
            )
        )
        return recording

    # -- media events -----------------------------------------------------------------------------

    def _on_media_event(self, event: media.MediaEvent) -> None:
        match event:
            case media.DtmfReceived(endpoint_id=channel_id, digit=digit, method=method):
                if channel_id in self._channels:
                    self.emit(ChannelDtmf(channel_id, digit, method))
            case media.PlaybackFinished(playback_id=playback_id, endpoint_id=channel_id, stopped=stopped):
                playback = self._playbacks.pop(playback_id, None)
                if playback is not None:
                    if not playback.finished.done():
                        playback.finished.set_result(stopped)
                    self.emit(PlaybackFinished(playback_id, channel_id, stopped))
            case media.RecordingFinished(recording_id=recording_id, path=path, duration_seconds=duration):
                finished = RecordingFinished(recording_id, path, duration)
                recording = self._recordings.pop(recording_id, None)
                if recording is not None and not recording.finished.done():
                    recording.finished.set_result(finished)
                self.emit(finished)
            case media.MediaTimeout(endpoint_id=channel_id):
                channel = self._channels.get(channel_id)
                if channel is not None:
                    self._spawn(self._timed_out(channel))
            case media.MediaLost(endpoint_id=channel_id):
                channel = self._channels.get(channel_id)
                if channel is not None:
                    self._spawn(channel.hangup("media-lost"))

    async def _timed_out(self, channel: Channel) -> None:
        await channel.hangup("media-timeout")

    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
