"""Channel, Bridge, Playback, Recording, Snoop and the CallControl that owns them.

Everything here talks to the media engine only through its message boundary
(`c122.telephony.media.messages`) and to SIP only through `Signalling`, so the media can move
to a worker process and another leg type can sit behind the same nouns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from enum import StrEnum
from typing import Final

from c122.telephony.control.events import (
    ChannelAnswered,
    ChannelCreated,
    ChannelDtmf,
    ChannelHeld,
    ChannelHungUp,
    ChannelUnheld,
    ControlEvent,
    PlaybackFinished,
    RecordingFinished,
)
from c122.telephony.control.hearing import BridgeKind, SnoopMode, SnoopRule, hearing
from c122.telephony.control.signalling import Gateway, MediaParams, Signalling, SignallingSink
from c122.telephony.media import messages as media
from c122.telephony.media.messages import Direction, LegStats, MediaControl, MediaError

log = logging.getLogger(__name__)

DEFAULT_MUSIC: Final = "tone:425+600:400"  # used when no music-on-hold file is configured


class ControlError(Exception):
    """An operation that the channel's or bridge's state does not allow."""


class ChannelGone(ControlError):
    """The channel has hung up."""

    def __init__(self, channel_id: str) -> None:
        super().__init__(f"channel {channel_id} has hung up")
        self.channel_id = channel_id


class ChannelState(StrEnum):
    RINGING = "ringing"
    UP = "up"
    DOWN = "down"


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class _NoSignalling:
    """Stands in until a leg's signalling exists (an outbound channel between media and INVITE)."""

    caller = ""
    called = ""

    def attach(self, sink: SignallingSink) -> None:
        pass

    def offered(self) -> MediaParams:
        raise ControlError("no call on this channel yet")

    async def ring(self) -> None:
        raise ControlError("no call on this channel yet")

    async def answer(self, host: str, port: int) -> MediaParams:
        raise ControlError("no call on this channel yet")

    async def reject(self, status: int) -> None:
        pass

    async def hangup(self) -> None:
        pass

    async def renegotiate(self, host: str, port: int, direction: Direction) -> MediaParams | None:
        raise ControlError("no call on this channel yet")


class Playback:
    """Audio played to one channel; `finished` resolves to True when stopped early."""

    def __init__(self, control: CallControl, playback_id: str, channel: Channel) -> None:
        self.id = playback_id
        self.channel = channel
        self._control = control
        self.finished: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        if not self.finished.done():
            await self._control._media.execute(media.StopPlayback(self.id))

    async def wait(self, timeout: float | None = None) -> bool:
        return await asyncio.wait_for(asyncio.shield(self.finished), timeout)


class Recording:
    """A stereo WAV of a conversation: caller left, operator right."""

    def __init__(self, control: CallControl, recording_id: str, path: str) -> None:
        self.id = recording_id
        self.path = path
        self._control = control
        self.finished: asyncio.Future[RecordingFinished] = asyncio.get_running_loop().create_future()

    async def stop(self) -> RecordingFinished:
        if not self.finished.done():
            await self._control._media.execute(media.StopRecording(self.id))
        return await asyncio.shield(self.finished)


class Channel:
    """One call leg. Inbound channels start RINGING; `answer()` brings them UP."""

    def __init__(self, control: CallControl, direction: str, caller: str, called: str) -> None:
        self.id = _new_id("ch")
        self.direction = direction
        self.caller = caller
        self.called = called
        self.state = ChannelState.RINGING
        self.held = False
        self.muted = False
        self.bridge: Bridge | None = None
        self.stats: LegStats | None = None  # filled in when the channel is gone, for the call record
        self.hung_up: asyncio.Future[ChannelHungUp] = asyncio.get_running_loop().create_future()
        self._control = control
        self._signalling: Signalling = _NoSignalling()
        self._endpoint: tuple[str, int] | None = None
        self._hold_playback: str | None = None
        self._renegotiated_hold = False
        self._params: MediaParams | None = None
        self._closing_cause: str | None = None

    def _bind(self, signalling: Signalling) -> None:
        self._signalling = signalling
        signalling.attach(self)

    # -- what the core calls --------------------------------------------------------------------

    async def ring(self) -> None:
        self._require(ChannelState.RINGING)
        await self._signalling.ring()

    async def answer(self) -> None:
        self._require(ChannelState.RINGING)
        if self.direction != "inbound":
            raise ControlError("only inbound channels are answered")
        params = self._signalling.offered()
        host, port = await self._open_endpoint(params)
        params = await self._signalling.answer(host, port)
        await self._apply_params(params)
        self._up()

    async def reject(self, status: int = 486) -> None:
        self._require(ChannelState.RINGING)
        await self._signalling.reject(status)
        await self._gone("rejected", status)

    async def hangup(self) -> None:
        await self._hang_up("local-hangup")

    async def _hang_up(self, cause: str) -> None:
        if self.state is ChannelState.DOWN or self._closing_cause is not None:
            return
        self._closing_cause = cause  # the BYE's own end event must not rename the cause
        with contextlib.suppress(Exception):
            await self._signalling.hangup()
        await self._gone(cause, None)

    async def play(self, media_spec: str, *, loop: bool = False) -> Playback:
        """media_spec: "tone:ringback|busy|beep|<hz>[+<hz>]:<ms>" or "file:/path/prompt.wav"."""
        self._require(ChannelState.UP)
        playback = Playback(self._control, _new_id("pb"), self)
        self._control._playbacks[playback.id] = playback
        await self._control._media.execute(media.StartPlayback(playback.id, self.id, media_spec, loop))
        return playback

    async def send_dtmf(self, digits: str, duration_ms: int = 100) -> None:
        self._require(ChannelState.UP)
        await self._control._media.execute(media.SendDtmf(self.id, digits, duration_ms))

    async def hold(self, music: str | None = None, *, renegotiate: bool = True) -> None:
        """Music to this channel; the rest of its bridge stops hearing it. `renegotiate` also tells
        the far end by re-INVITE (sendonly); a caller put on hold by the operator needs no re-INVITE."""
        self._require(ChannelState.UP)
        if self.held:
            return
        assert self._endpoint is not None
        if renegotiate:
            params = await self._signalling.renegotiate(*self._endpoint, Direction.SENDONLY)
            await self._apply_params(params, direction=Direction.SENDONLY)
        self._renegotiated_hold = renegotiate
        self.held = True
        self._hold_playback = _new_id("moh")
        spec = music or self._control.music_on_hold
        await self._control._media.execute(media.StartPlayback(self._hold_playback, self.id, spec, loop=True))
        await self._control._bridge_changed(self.bridge)
        self._control._emit(ChannelHeld(self.id))

    async def unhold(self) -> None:
        self._require(ChannelState.UP)
        if not self.held:
            return
        assert self._endpoint is not None
        if self._hold_playback is not None:
            await self._control._media.execute(media.StopPlayback(self._hold_playback))
            self._hold_playback = None
        if self._renegotiated_hold:
            params = await self._signalling.renegotiate(*self._endpoint, Direction.SENDRECV)
            await self._apply_params(params, direction=Direction.SENDRECV)
        self.held = False
        await self._control._bridge_changed(self.bridge)
        self._control._emit(ChannelUnheld(self.id))

    async def mute(self, muted: bool = True) -> None:
        """Nobody in the bridge hears this channel while muted (TEL-19)."""
        self.muted = muted
        await self._control._bridge_changed(self.bridge)

    async def wait_hung_up(self, timeout: float | None = None) -> ChannelHungUp:
        return await asyncio.wait_for(asyncio.shield(self.hung_up), timeout)

    # -- SignallingSink ---------------------------------------------------------------------------

    async def remote_answered(self, params: MediaParams) -> None:
        await self._apply_params(params)
        if self.state is ChannelState.RINGING:
            self._up()

    async def remote_changed(self, params: MediaParams) -> None:
        held_remotely = self.held and self._renegotiated_hold
        await self._apply_params(params, direction=Direction.SENDONLY if held_remotely else None)

    def remote_dtmf(self, digit: str) -> None:
        self._control._emit(ChannelDtmf(self.id, digit, "sip-info"))

    async def remote_ended(self, cause: str, status: int | None) -> None:
        await self._gone(cause, status)

    # -- internals --------------------------------------------------------------------------------

    def _require(self, state: ChannelState) -> None:
        if self.state is ChannelState.DOWN:
            raise ChannelGone(self.id)
        if self.state is not state:
            raise ControlError(f"channel {self.id} is {self.state}, needs {state}")

    def _up(self) -> None:
        self.state = ChannelState.UP
        self._control._emit(ChannelAnswered(self.id))

    async def _open_endpoint(self, params: MediaParams) -> tuple[str, int]:
        opened = await self._control._media.execute(
            media.OpenEndpoint(
                self.id,
                codec=params.codec,
                dtmf_payload_type=params.dtmf_payload_type,
                remote=params.remote,
                inband_dtmf=params.dtmf_payload_type is None,
                media_timeout=self._control.media_timeout,
            )
        )
        assert isinstance(opened, media.EndpointOpened)
        self._endpoint = (opened.host, opened.port)
        self._params = params
        return self._endpoint

    async def _apply_params(self, params: MediaParams | None, direction: Direction | None = None) -> None:
        if params is None or self._endpoint is None:
            return
        self._params = params
        await self._control._media.execute(
            media.UpdateEndpoint(
                self.id,
                remote=params.remote,
                codec=params.codec,
                dtmf_payload_type=params.dtmf_payload_type,
                direction=direction or params.direction,
            )
        )

    async def _gone(self, cause: str, status: int | None) -> None:
        if self.state is ChannelState.DOWN:
            return
        cause = self._closing_cause or cause
        self.state = ChannelState.DOWN
        if self.bridge is not None:
            await self.bridge._detach(self)
        if self._endpoint is not None:
            with contextlib.suppress(MediaError):
                closed = await self._control._media.execute(media.CloseEndpoint(self.id))
                if isinstance(closed, media.EndpointClosed):
                    self.stats = closed.stats
        event = ChannelHungUp(self.id, cause, status)
        if not self.hung_up.done():
            self.hung_up.set_result(event)
        self._control._channels.pop(self.id, None)
        self._control._emit(event)


class Snoop:
    """A supervisor channel on a target channel's bridge: listen, whisper or barge (switchable)."""

    def __init__(self, bridge: Bridge, supervisor: Channel, target: Channel, mode: SnoopMode) -> None:
        self.id = _new_id("sn")
        self.bridge = bridge
        self.supervisor = supervisor
        self.target = target
        self.mode = mode

    @property
    def rule(self) -> SnoopRule:
        return SnoopRule(self.supervisor.id, self.target.id, self.mode)

    async def set_mode(self, mode: SnoopMode) -> None:
        """Switch mid-call; the media crossfades so nobody hears a click."""
        self.mode = mode
        await self.bridge._apply()

    async def stop(self) -> None:
        await self.bridge.remove(self.supervisor)


class Bridge:
    """Channels that hear each other. DIRECT holds two parties (plus supervisors); MIXING is a
    conference of any size."""

    def __init__(self, control: CallControl, kind: BridgeKind) -> None:
        self.id = _new_id("br")
        self.kind = kind
        self.channels: list[Channel] = []
        self.snoops: list[Snoop] = []
        self._control = control

    async def add(self, channel: Channel) -> None:
        channel._require(ChannelState.UP)
        if channel.bridge is self:
            return
        if channel.bridge is not None:
            await channel.bridge.remove(channel)
        parties = [c for c in self.channels if not self._is_supervisor(c)]
        if self.kind is BridgeKind.DIRECT and len(parties) >= 2:
            raise ControlError("a direct bridge holds two parties; use a mixing bridge for conferences")
        self.channels.append(channel)
        channel.bridge = self
        await self._apply()

    async def remove(self, channel: Channel) -> None:
        if channel.bridge is not self:
            return
        await self._detach(channel)

    async def snoop(self, supervisor: Channel, target: Channel, mode: SnoopMode = SnoopMode.LISTEN) -> Snoop:
        """Puts `supervisor` on this bridge to listen to, whisper to, or barge into `target`'s call."""
        supervisor._require(ChannelState.UP)
        if target.bridge is not self:
            raise ControlError("the snooped channel is not in this bridge")
        if supervisor.bridge is not None and supervisor.bridge is not self:
            await supervisor.bridge.remove(supervisor)
        snoop = Snoop(self, supervisor, target, mode)
        self.snoops.append(snoop)
        if supervisor not in self.channels:
            self.channels.append(supervisor)
            supervisor.bridge = self
        await self._apply()
        return snoop

    async def destroy(self) -> None:
        for channel in list(self.channels):
            channel.bridge = None
        self.channels.clear()
        self.snoops.clear()
        self._control._bridges.pop(self.id, None)
        with contextlib.suppress(MediaError):
            await self._control._media.execute(media.RemoveBridge(self.id))

    def hears(self) -> set[tuple[str, str]]:
        """(listener, speaker) channel-id pairs as they are now."""
        up = [c for c in self.channels if c.state is ChannelState.UP]
        silenced = {c.id for c in up if c.held or c.muted}
        deaf = {c.id for c in up if c.held}
        live = {c.id for c in up}
        snoops = [s.rule for s in self.snoops if s.supervisor.id in live and s.target.id in live]
        return hearing([c.id for c in up], snoops, silenced, deaf)

    def _is_supervisor(self, channel: Channel) -> bool:
        return any(s.supervisor is channel for s in self.snoops)

    async def _detach(self, channel: Channel) -> None:
        if channel in self.channels:
            self.channels.remove(channel)
        self.snoops = [s for s in self.snoops if s.supervisor is not channel and s.target is not channel]
        channel.bridge = None
        await self._apply()

    async def _apply(self) -> None:
        members = tuple(c.id for c in self.channels if c.state is ChannelState.UP)
        command = media.SetBridge(self.id, members, tuple(sorted(self.hears())))
        with contextlib.suppress(MediaError):  # a leg that vanished meanwhile is reconciled next time
            await self._control._media.execute(command)


class CallControl:
    """The port the contact-center core drives. Config comes as constructor arguments."""

    def __init__(
        self,
        media_control: MediaControl,
        *,
        music_on_hold: str = DEFAULT_MUSIC,
        media_timeout: float | None = 30.0,
    ) -> None:
        self._media = media_control
        self.music_on_hold = music_on_hold
        self.media_timeout = media_timeout
        self._gateway: Gateway | None = None
        self._channels: dict[str, Channel] = {}
        self._bridges: dict[str, Bridge] = {}
        self._playbacks: dict[str, Playback] = {}
        self._recordings: dict[str, Recording] = {}
        self._handlers: list[Callable[[ControlEvent], None]] = []
        self._queues: list[asyncio.Queue[ControlEvent]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        media_control.subscribe(self._on_media_event)

    # -- wiring -----------------------------------------------------------------------------------

    def use_gateway(self, gateway: Gateway) -> None:
        self._gateway = gateway

    def subscribe(self, handler: Callable[[ControlEvent], None]) -> None:
        self._handlers.append(handler)

    async def events(self) -> AsyncIterator[ControlEvent]:
        """Every control event from now on, in order."""
        queue: asyncio.Queue[ControlEvent] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.remove(queue)

    def _emit(self, event: ControlEvent) -> None:
        for queue in self._queues:
            queue.put_nowait(event)
        for handler in self._handlers:
            try:
                handler(event)
            except Exception:
                log.exception("control event handler failed for %r", event)

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
        channel._bind(signalling)
        self._channels[channel.id] = channel
        self._emit(ChannelCreated(channel.id, "inbound", channel.caller, channel.called))
        return channel

    async def originate(
        self,
        target: str,
        caller_id: str,
        *,
        headers: dict[str, str] | None = None,
        destination: tuple[str, int] | None = None,
    ) -> Channel:
        """An outbound leg; it is RINGING until the far end answers (ChannelAnswered)."""
        if self._gateway is None:
            raise ControlError("no gateway for outbound calls")
        channel = Channel(self, "outbound", caller_id, target)
        self._channels[channel.id] = channel
        host, port = await channel._open_endpoint(MediaParams("PCMU", 101, None, Direction.SENDRECV))
        try:
            channel._bind(await self._gateway.originate(target, caller_id, host, port, headers, destination))
        except Exception:
            await channel._gone("rejected", None)
            raise
        self._emit(ChannelCreated(channel.id, "outbound", channel.caller, channel.called))
        return channel

    async def create_bridge(self, kind: BridgeKind = BridgeKind.DIRECT) -> Bridge:
        bridge = Bridge(self, kind)
        self._bridges[bridge.id] = bridge
        return bridge

    async def record(self, path: str, caller: Channel, operator: Channel | None = None) -> Recording:
        """Records `caller` on the left channel and `operator` on the right (TEL-11)."""
        caller._require(ChannelState.UP)
        recording = Recording(self, _new_id("rec"), path)
        self._recordings[recording.id] = recording
        await self._media.execute(
            media.StartRecording(recording.id, path, caller.id, operator.id if operator is not None else None)
        )
        return recording

    # -- media events -----------------------------------------------------------------------------

    def _on_media_event(self, event: media.MediaEvent) -> None:
        match event:
            case media.DtmfReceived(endpoint_id=channel_id, digit=digit, method=method):
                if channel_id in self._channels:
                    self._emit(ChannelDtmf(channel_id, digit, method))
            case media.PlaybackFinished(playback_id=playback_id, endpoint_id=channel_id, stopped=stopped):
                playback = self._playbacks.pop(playback_id, None)
                if playback is not None:
                    if not playback.finished.done():
                        playback.finished.set_result(stopped)
                    self._emit(PlaybackFinished(playback_id, channel_id, stopped))
            case media.RecordingFinished(recording_id=recording_id, path=path, duration_seconds=duration):
                finished = RecordingFinished(recording_id, path, duration)
                recording = self._recordings.pop(recording_id, None)
                if recording is not None and not recording.finished.done():
                    recording.finished.set_result(finished)
                self._emit(finished)
            case media.MediaTimeout(endpoint_id=channel_id):
                channel = self._channels.get(channel_id)
                if channel is not None:
                    self._spawn(self._timed_out(channel))

    async def _timed_out(self, channel: Channel) -> None:
        await channel._hang_up("media-timeout")

    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _bridge_changed(self, bridge: Bridge | None) -> None:
        if bridge is not None:
            await bridge._apply()
