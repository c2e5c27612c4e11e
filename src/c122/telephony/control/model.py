"""Channel, Bridge, Playback, Recording and Snoop: the nouns of call control.

Everything here talks to the media engine only through its message boundary
(`c122.telephony.media.messages`) and to SIP only through `Signalling`, so the media can move
to a worker process and another leg type can sit behind the same nouns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from enum import StrEnum
from typing import Protocol

from c122.telephony.control.events import (
    ChannelAnswered,
    ChannelDtmf,
    ChannelHeld,
    ChannelHungUp,
    ChannelUnheld,
    ControlEvent,
    RecordingFinished,
)
from c122.telephony.control.hearing import BridgeKind, SnoopMode, SnoopRule, hearing
from c122.telephony.control.signalling import MediaParams, Signalling, SignallingSink
from c122.telephony.media import messages as media
from c122.telephony.media.messages import Direction, LegStats, MediaControl, MediaError, NoMediaPorts

log = logging.getLogger(__name__)


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


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class ControlHost(Protocol):
    """What the nouns need from the `CallControl` that owns them."""

    @property
    def media(self) -> MediaControl: ...

    @property
    def music_on_hold(self) -> str: ...

    @property
    def media_timeout(self) -> float | None: ...

    def emit(self, event: ControlEvent) -> None: ...

    def playback_started(self, playback: Playback) -> None:
        """Its `PlaybackFinished` is to resolve `playback.finished`."""

    def channel_gone(self, channel: Channel) -> None: ...

    def bridge_gone(self, bridge: Bridge) -> None: ...

    def bridge_applied(self, bridge: Bridge) -> None:
        """Who hears whom in `bridge` has just changed (video follows it)."""


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

    async def refuse_for_capacity(self, resource: str) -> None:
        pass

    async def hangup(self) -> None:
        pass

    async def renegotiate(self, host: str, port: int, direction: Direction) -> MediaParams | None:
        raise ControlError("no call on this channel yet")


class Playback:
    """Audio played to one channel; `finished` resolves to True when stopped early."""

    def __init__(self, media_control: MediaControl, playback_id: str, channel: Channel) -> None:
        self.id = playback_id
        self.channel = channel
        self._media = media_control
        self.finished: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    async def stop(self) -> None:
        if not self.finished.done():
            await self._media.execute(media.StopPlayback(self.id))

    async def wait(self, timeout: float | None = None) -> bool:
        return await asyncio.wait_for(asyncio.shield(self.finished), timeout)


class Recording:
    """A stereo WAV of a conversation: caller left, operator right."""

    def __init__(self, media_control: MediaControl, recording_id: str, path: str) -> None:
        self.id = recording_id
        self.path = path
        self._media = media_control
        self.finished: asyncio.Future[RecordingFinished] = asyncio.get_running_loop().create_future()

    async def stop(self) -> RecordingFinished:
        if not self.finished.done():
            await self._media.execute(media.StopRecording(self.id))
        return await asyncio.shield(self.finished)


class Channel:
    """One call leg. Inbound channels start RINGING; `answer()` brings them UP."""

    def __init__(self, control: ControlHost, direction: str, caller: str, called: str) -> None:
        self.id = new_id("ch")
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

    @property
    def signalling(self) -> Signalling:
        return self._signalling

    def bind(self, signalling: Signalling) -> None:
        """The leg's SIP (or other) dialog, once it exists; the channel hears it from then on."""
        self._signalling = signalling
        signalling.attach(self)

    # -- what the core calls --------------------------------------------------------------------

    async def ring(self) -> None:
        self.require(ChannelState.RINGING)
        await self._signalling.ring()

    async def answer(self) -> None:
        self.require(ChannelState.RINGING)
        if self.direction != "inbound":
            raise ControlError("only inbound channels are answered")
        params = self._signalling.offered()
        try:
            host, port = await self.open_endpoint(params)
        except NoMediaPorts:
            await self._signalling.refuse_for_capacity("media")
            await self.close("rejected", 503)
            raise
        params = await self._signalling.answer(host, port)
        await self._apply_params(params)
        self._up()

    async def reject(self, status: int = 486) -> None:
        self.require(ChannelState.RINGING)
        await self._signalling.reject(status)
        await self.close("rejected", status)

    async def hangup(self, cause: str = "local-hangup") -> None:
        if self.state is ChannelState.DOWN or self._closing_cause is not None:
            return
        self._closing_cause = cause  # the BYE's own end event must not rename the cause
        with contextlib.suppress(Exception):
            await self._signalling.hangup()
        await self.close(cause, None)

    async def play(self, media_spec: str, *, loop: bool = False) -> Playback:
        """media_spec: "tone:ringback|busy|beep|<hz>[+<hz>]:<ms>" or "file:/path/prompt.wav"."""
        self.require(ChannelState.UP)
        playback = Playback(self._control.media, new_id("pb"), self)
        self._control.playback_started(playback)
        await self._control.media.execute(media.StartPlayback(playback.id, self.id, media_spec, loop))
        return playback

    async def send_dtmf(self, digits: str, duration_ms: int = 100) -> None:
        self.require(ChannelState.UP)
        await self._control.media.execute(media.SendDtmf(self.id, digits, duration_ms))

    async def hold(self, music: str | None = None, *, renegotiate: bool = True) -> None:
        """Music to this channel; the rest of its bridge stops hearing it. `renegotiate` also tells
        the far end by re-INVITE (sendonly); a caller put on hold by the operator needs no re-INVITE."""
        self.require(ChannelState.UP)
        if self.held:
            return
        assert self._endpoint is not None
        if renegotiate:
            params = await self._signalling.renegotiate(*self._endpoint, Direction.SENDONLY)
            await self._apply_params(params, direction=Direction.SENDONLY)
        self._renegotiated_hold = renegotiate
        self.held = True
        self._hold_playback = new_id("moh")
        spec = music or self._control.music_on_hold
        await self._control.media.execute(media.StartPlayback(self._hold_playback, self.id, spec, loop=True))
        await self._bridge_changed()
        self._control.emit(ChannelHeld(self.id))

    async def unhold(self) -> None:
        self.require(ChannelState.UP)
        if not self.held:
            return
        assert self._endpoint is not None
        if self._hold_playback is not None:
            await self._control.media.execute(media.StopPlayback(self._hold_playback))
            self._hold_playback = None
        if self._renegotiated_hold:
            params = await self._signalling.renegotiate(*self._endpoint, Direction.SENDRECV)
            await self._apply_params(params, direction=Direction.SENDRECV)
        self.held = False
        await self._bridge_changed()
        self._control.emit(ChannelUnheld(self.id))

    async def mute(self, muted: bool = True) -> None:
        """Nobody in the bridge hears this channel while muted (TEL-19)."""
        self.muted = muted
        await self._bridge_changed()

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
        self._control.emit(ChannelDtmf(self.id, digit, "sip-info"))

    async def remote_ended(self, cause: str, status: int | None) -> None:
        await self.close(cause, status)

    # -- internals --------------------------------------------------------------------------------

    def require(self, state: ChannelState) -> None:
        if self.state is ChannelState.DOWN:
            raise ChannelGone(self.id)
        if self.state is not state:
            raise ControlError(f"channel {self.id} is {self.state}, needs {state}")

    def resumed(self) -> None:
        """A leg taken over from a stopped process is up without being answered again (no event)."""
        self.state = ChannelState.UP

    def _up(self) -> None:
        self.state = ChannelState.UP
        self._control.emit(ChannelAnswered(self.id))

    async def open_endpoint(self, params: MediaParams, port: int | None = None) -> tuple[str, int]:
        """The leg's RTP endpoint in the media engine; our address for the SDP. `port`: exactly that
        one (a leg taken over after a restart), else the next free pair."""
        opened = await self._control.media.execute(
            media.OpenEndpoint(
                self.id,
                codec=params.codec,
                dtmf_payload_type=params.dtmf_payload_type,
                remote=params.remote,
                inband_dtmf=params.dtmf_payload_type is None,
                media_timeout=self._control.media_timeout,
                port=port,
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
        await self._control.media.execute(
            media.UpdateEndpoint(
                self.id,
                remote=params.remote,
                codec=params.codec,
                dtmf_payload_type=params.dtmf_payload_type,
                direction=direction or params.direction,
            )
        )

    async def _bridge_changed(self) -> None:
        if self.bridge is not None:
            await self.bridge.apply()

    async def close(self, cause: str, status: int | None) -> None:
        """The leg is down: it leaves its bridge, its endpoint closes and `ChannelHungUp` is told."""
        if self.state is ChannelState.DOWN:
            return
        cause = self._closing_cause or cause
        self.state = ChannelState.DOWN
        if self.bridge is not None:
            await self.bridge.detach(self)
        if self._endpoint is not None:
            with contextlib.suppress(MediaError):
                closed = await self._control.media.execute(media.CloseEndpoint(self.id))
                if isinstance(closed, media.EndpointClosed):
                    self.stats = closed.stats
        event = ChannelHungUp(self.id, cause, status)
        if not self.hung_up.done():
            self.hung_up.set_result(event)
        self._control.channel_gone(self)
        self._control.emit(event)


class Snoop:
    """A supervisor channel on a target channel's bridge: listen, whisper or barge (switchable)."""

    def __init__(self, bridge: Bridge, supervisor: Channel, target: Channel, mode: SnoopMode) -> None:
        self.id = new_id("sn")
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
        await self.bridge.apply()

    async def stop(self) -> None:
        await self.bridge.remove(self.supervisor)


class Bridge:
    """Channels that hear each other. DIRECT holds two parties (plus supervisors); MIXING is a
    conference of any size."""

    def __init__(self, control: ControlHost, kind: BridgeKind) -> None:
        self.id = new_id("br")
        self.kind = kind
        self.channels: list[Channel] = []
        self.snoops: list[Snoop] = []
        self._control = control

    async def add(self, channel: Channel) -> None:
        channel.require(ChannelState.UP)
        if channel.bridge is self:
            return
        if channel.bridge is not None:
            await channel.bridge.remove(channel)
        parties = [c for c in self.channels if not self._is_supervisor(c)]
        if self.kind is BridgeKind.DIRECT and len(parties) >= 2:
            raise ControlError("a direct bridge holds two parties; use a mixing bridge for conferences")
        self.channels.append(channel)
        channel.bridge = self
        await self.apply()

    async def remove(self, channel: Channel) -> None:
        if channel.bridge is not self:
            return
        await self.detach(channel)

    async def snoop(self, supervisor: Channel, target: Channel, mode: SnoopMode = SnoopMode.LISTEN) -> Snoop:
        """Puts `supervisor` on this bridge to listen to, whisper to, or barge into `target`'s call."""
        supervisor.require(ChannelState.UP)
        if target.bridge is not self:
            raise ControlError("the snooped channel is not in this bridge")
        if supervisor.bridge is not None and supervisor.bridge is not self:
            await supervisor.bridge.remove(supervisor)
        snoop = Snoop(self, supervisor, target, mode)
        self.snoops.append(snoop)
        if supervisor not in self.channels:
            self.channels.append(supervisor)
            supervisor.bridge = self
        await self.apply()
        return snoop

    async def levels(self) -> dict[str, float]:
        """How loud each channel speaks into the mix now (RMS; empty when the engine cannot say)."""
        try:
            reply = await self._control.media.execute(media.DescribeMix(self.id))
        except MediaError:
            return {}
        return dict(reply.levels) if isinstance(reply, media.MixDescribed) else {}

    async def destroy(self) -> None:
        for channel in list(self.channels):
            channel.bridge = None
        self.channels.clear()
        self.snoops.clear()
        self._control.bridge_gone(self)
        with contextlib.suppress(MediaError):
            await self._control.media.execute(media.RemoveBridge(self.id))

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

    async def detach(self, channel: Channel) -> None:
        """The channel leaves (hung up or moved); its snoops go with it."""
        if channel in self.channels:
            self.channels.remove(channel)
        self.snoops = [s for s in self.snoops if s.supervisor is not channel and s.target is not channel]
        channel.bridge = None
        await self.apply()

    async def apply(self) -> None:
        """Tell the media engine who hears whom now (after a join, leave, hold, mute or snoop)."""
        members = tuple(c.id for c in self.channels if c.state is ChannelState.UP)
        mixed = self.kind is BridgeKind.MIXING
        command = media.SetBridge(self.id, members, tuple(sorted(self.hears())), mixed=mixed)
        with contextlib.suppress(MediaError):  # a leg that vanished meanwhile is reconciled next time
            await self._control.media.execute(command)
        self._control.bridge_applied(self)
