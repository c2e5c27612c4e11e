"""Operators' persistent browser legs: one call-control Channel per operator, for the whole shift.

`rtc.start` creates the leg (a Channel, RINGING) and sends the server's offer; the first time the
browser connects, the Channel is answered and stays UP. A renegotiation (`rtc.restart`, or a new
`rtc.start` after a reconnect) builds a new peer connection for the SAME Channel: the old one
keeps carrying audio until the new one connects, so a caller bridged to the leg goes on hearing
the operator. A leg left without its desktop, or failed, for `restart_grace_s` is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Final

from c122.services.phones.softphone import (
    RtcErrorCode,
    RtcFailure,
    RtcLegState,
    RtcNotice,
    RtcOffer,
    RtcReply,
    RtcStateChange,
    RtcVideo,
    SoftphoneError,
)
from c122.telephony.control import CallControl, Channel, ChannelState, ControlError
from c122.telephony.control.signalling import Gateway
from c122.telephony.webrtc.ice import IceServers, IceSettings, announce_public_address, use_host_addresses
from c122.telephony.webrtc.peer import SUPPORTED_CODECS, AnswerRefused, BrowserPeer
from c122.telephony.webrtc.relay import EngineRelay
from c122.telephony.webrtc.signalling import BROWSER_TARGET_PREFIX, BrowserGateway, BrowserSignalling
from c122.telephony.webrtc.video_routes import VideoRoutes, VideoSeen

log = logging.getLogger(__name__)

DEFAULT_CODECS: Final = SUPPORTED_CODECS  # PCMU first, then PCMA

CameraPolicy = Callable[[int], Awaitable[bool]]  # user id -> may send their camera (their group's setting)


@dataclass(frozen=True, slots=True)
class WebRtcSettings:
    engine_host: str = "127.0.0.1"  # where the media engine's endpoints listen
    ice: IceSettings = field(default_factory=IceSettings)
    restart_grace_s: float = 30.0
    connect_timeout_s: float = 15.0


@dataclass(frozen=True, slots=True)
class LegStateChanged:
    user_id: int
    leg_id: str
    state: RtcLegState


class _Leg:
    def __init__(self, user_id: int, relay: EngineRelay, codecs: tuple[str, ...]) -> None:
        self.user_id = user_id
        self.relay = relay
        self.codecs = codecs
        self.channel: Channel | None = None
        self.signalling: BrowserSignalling | None = None
        self.state = RtcLegState.CLOSED  # until its first offer goes out
        self.reply: RtcReply | None = None
        self.pending: BrowserPeer | None = None  # offered, waiting for the browser's answer
        self.connecting: BrowserPeer | None = None  # answered, ICE/DTLS under way
        self.active: BrowserPeer | None = None  # the one carrying audio
        self.codec: str | None = None
        self.camera = False  # the operator's group lets them send their camera (asked at each offer)
        self.grace: asyncio.TimerHandle | None = None
        self.connect_timer: asyncio.TimerHandle | None = None
        self.closed = False

    @property
    def id(self) -> str:
        assert self.channel is not None
        return self.channel.id

    def peers(self) -> list[BrowserPeer]:
        return [p for p in (self.pending, self.connecting, self.active) if p is not None]


class OperatorLegs:
    """The browser legs of this process; implements `SoftphoneMedia` for the event stream."""

    def __init__(
        self,
        control: CallControl,
        settings: WebRtcSettings | None = None,
        gateway: Gateway | None = None,
        video: VideoRoutes | None = None,
    ) -> None:
        """`gateway`: where other outbound legs go (the SIP gateway); browser legs are placed here.
        `video`: legs offer video too and show the camera of the party they hear."""
        self._control = control
        self._video = video
        if video is not None:
            video.subscribe(self._video_seen)
        self._settings = settings or WebRtcSettings()
        self._ice = IceServers(self._settings.ice)
        self._legs: dict[int, _Leg] = {}
        self._placing: dict[str, _Leg] = {}
        self._placed = 0
        self._starting = asyncio.Lock()
        self._listeners: list[Callable[[LegStateChanged], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._camera_policy: CameraPolicy | None = None
        use_host_addresses(self._settings.ice.host_addresses)
        control.use_gateway(BrowserGateway(self, gateway))

    def check_camera_with(self, policy: CameraPolicy) -> None:
        """`policy(user_id)`: may this operator send their camera? Without one, nobody may."""
        self._camera_policy = policy

    # -- what the call flow uses ---------------------------------------------------------------

    def channel_for(self, user_id: int) -> Channel | None:
        """The operator's leg as a Channel, while it is UP (its browser has connected)."""
        leg = self._legs.get(user_id)
        if leg is None or leg.channel is None or leg.channel.state is not ChannelState.UP:
            return None
        return leg.channel

    def connected_users(self) -> list[int]:
        """The operators whose browser leg is UP here (other nodes reach them through a media hop)."""
        return [user_id for user_id in self._legs if self.channel_for(user_id) is not None]

    def is_connected(self, user_id: int) -> bool:
        leg = self._legs.get(user_id)
        return leg is not None and leg.state is RtcLegState.CONNECTED

    def subscribe(self, listener: Callable[[LegStateChanged], None]) -> None:
        """`listener` hears every leg state change (connecting, connected, failed, closed)."""
        self._listeners.append(listener)

    def owns(self, channel_id: str) -> bool:
        """True for the Channel of a browser leg (so call routing leaves it alone)."""
        return any(leg.channel is not None and leg.channel.id == channel_id for leg in self._legs.values())

    def states(self) -> dict[RtcLegState, int]:
        counts = dict.fromkeys(RtcLegState, 0)
        for leg in self._legs.values():
            counts[leg.state] += 1
        return counts

    # -- SoftphoneMedia ----------------------------------------------------------------------------

    async def start(self, user_id: int, codecs: Sequence[str] | None, reply: RtcReply) -> None:
        async with self._starting:  # two desktops of one user must not each create a leg
            leg = self._legs.get(user_id)
            if leg is None:
                leg = await self._create(user_id, tuple(codecs or DEFAULT_CODECS))
            elif codecs:
                leg.codecs = tuple(codecs)
        leg.reply = reply
        await self._offer(leg)

    async def answer(self, user_id: int, leg_id: str, sdp: str, reply: RtcReply) -> None:
        leg = self._leg(user_id, leg_id)
        leg.reply = reply
        peer = leg.pending
        if peer is None:
            raise SoftphoneError(
                RtcErrorCode.OUT_OF_ORDER,
                f"no offer on leg {leg_id} is waiting for an answer; send rtc.restart for a fresh one",
            )
        leg.pending = None
        try:
            await peer.accept(sdp)
        except AnswerRefused as refusal:
            await peer.close()
            await self._notify(leg, RtcFailure(RtcErrorCode.BAD_SDP, f"{refusal}; a fresh offer follows"))
            await self._offer(leg)
            return
        if leg.connecting is not None:
            await leg.connecting.close()
        leg.connecting = peer
        self._cancel(leg, "connect_timer")
        loop = asyncio.get_running_loop()
        leg.connect_timer = loop.call_later(
            self._settings.connect_timeout_s, self._connect_timed_out, leg, peer
        )

    async def restart(self, user_id: int, leg_id: str, reply: RtcReply) -> None:
        leg = self._leg(user_id, leg_id)
        leg.reply = reply
        await self._offer(leg)

    async def dtmf(self, user_id: int, leg_id: str, digit: str) -> None:
        leg = self._leg(user_id, leg_id)
        channel = leg.channel
        bridge = channel.bridge if channel is not None else None
        supervisors = {s.supervisor for s in bridge.snoops} if bridge is not None else set()
        far = [
            c
            for c in (bridge.channels if bridge is not None else [])
            if c is not channel and c not in supervisors and c.state is ChannelState.UP
        ]
        if not far:
            raise SoftphoneError(RtcErrorCode.NO_CALL, f"leg {leg_id} is in no call to send the digit to")
        for party in far:
            with contextlib.suppress(ControlError):
                await party.send_dtmf(digit)

    async def stop(self, user_id: int, leg_id: str) -> None:
        await self._close(self._leg(user_id, leg_id))

    def detach(self, user_id: int, reply: RtcReply) -> None:
        leg = self._legs.get(user_id)
        if leg is not None and leg.reply is reply:
            leg.reply = None
            self._start_grace(leg)

    # -- lifecycle ---------------------------------------------------------------------------------

    def close_user(self, user_id: int) -> None:
        """The user signed out or signed in elsewhere: their leg goes now (before any new one)."""
        leg = self._legs.pop(user_id, None)
        if leg is not None:
            self._spawn(self._close(leg))

    async def close(self) -> None:
        for leg in list(self._legs.values()):
            await self._close(leg)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- internals ---------------------------------------------------------------------------------

    def _leg(self, user_id: int, leg_id: str) -> _Leg:
        leg = self._legs.get(user_id)
        if leg is None or leg.channel is None or leg.channel.id != leg_id:
            raise SoftphoneError(RtcErrorCode.UNKNOWN_LEG, f"no leg {leg_id} for this user; send rtc.start")
        return leg

    async def _create(self, user_id: int, codecs: tuple[str, ...]) -> _Leg:
        relay = await EngineRelay.open(self._settings.engine_host)
        leg = _Leg(user_id, relay, codecs)
        self._placed += 1
        target = f"{BROWSER_TARGET_PREFIX}{user_id}:{self._placed}"
        self._placing[target] = leg
        try:
            leg.channel = await self._control.originate(target, f"{BROWSER_TARGET_PREFIX}{user_id}")
        except Exception as exc:
            relay.close()
            log.exception("the leg of user %s could not be placed", user_id)
            raise SoftphoneError(RtcErrorCode.FAILED, f"the audio leg could not be created: {exc}") from None
        finally:
            self._placing.pop(target, None)
        self._legs[user_id] = leg
        if self._video is not None:
            self._video.register(leg.id, lambda: leg.active.video if leg.active else None, may_send=False)
        return leg

    def signalling_for(self, target: str, caller_id: str, engine_port: int) -> BrowserSignalling:
        """Called back by `control.originate` through the gateway, with the leg's engine endpoint."""
        leg = self._placing.get(target)
        if leg is None:
            raise ValueError(f"{target} is no browser leg being placed")
        leg.relay.engine = (self._settings.engine_host, engine_port)

        async def ended() -> None:
            await self._close(leg)

        leg.signalling = BrowserSignalling(caller_id, target, leg.relay.address, ended)
        return leg.signalling

    async def _offer(self, leg: _Leg) -> None:
        self._cancel(leg, "grace")
        if leg.pending is not None:
            await leg.pending.close()
            leg.pending = None
        await self._check_camera(leg)
        peer = BrowserPeer(
            leg.relay,
            self._ice.for_server(),
            leg.codecs,
            self._peer_state(leg),
            video=self._video is not None,
            camera=leg.camera,
        )
        try:
            sdp = announce_public_address(await peer.offer(), self._settings.ice.public_address)
        except Exception as exc:
            await peer.close()
            log.exception("offer for the leg of user %s failed", leg.user_id)
            raise SoftphoneError(RtcErrorCode.FAILED, f"no offer could be made: {exc}") from None
        leg.pending = peer
        await self._notify(leg, RtcOffer(leg.id, sdp, self._ice.for_browser(str(leg.user_id)), leg.camera))
        if leg.state is not RtcLegState.CONNECTED:
            self._set_state(leg, RtcLegState.CONNECTING)

    async def _check_camera(self, leg: _Leg) -> None:
        """Asks the group's setting before each offer; a refusal stops the camera reaching anyone now
        (the offer that follows does not even ask the browser for it)."""
        if self._video is None:
            return
        try:
            allowed = self._camera_policy is not None and await self._camera_policy(leg.user_id)
        except Exception:
            log.exception(
                "the camera setting of user %s could not be read; the camera stays off", leg.user_id
            )
            allowed = False
        if allowed != leg.camera:
            leg.camera = allowed
            self._video.allow_camera(leg.id, allowed)
            if leg.channel is not None:
                self._video.refresh(leg.channel)

    def _peer_state(self, leg: _Leg) -> Callable[[BrowserPeer, str], None]:
        def changed(peer: BrowserPeer, state: str) -> None:
            if leg.closed:
                return
            if state == "connected" and peer is leg.connecting:
                self._spawn(self._connected(leg, peer))
            elif state == "failed" and peer in (leg.connecting, leg.active):
                self._spawn(self._failed(leg, peer))

        return changed

    async def _connected(self, leg: _Leg, peer: BrowserPeer) -> None:
        self._cancel(leg, "connect_timer")
        previous, leg.active, leg.connecting = leg.active, peer, None
        peer.activate()
        codec_changed = leg.codec is not None and leg.codec != peer.codec
        leg.codec = peer.codec
        if previous is not None and previous is not peer:
            await previous.close()
        channel, signalling = leg.channel, leg.signalling
        assert channel is not None
        assert signalling is not None
        assert signalling.sink is not None
        signalling.codec = peer.codec
        try:
            if channel.state is ChannelState.RINGING:
                await signalling.sink.remote_answered(signalling.params())
            elif codec_changed:
                await signalling.sink.remote_changed(signalling.params())
        except Exception:
            log.exception("bringing up the leg of user %s failed", leg.user_id)
            await self._close(leg)
            return
        self._cancel(leg, "grace")
        if leg.reply is None:
            self._start_grace(leg)
        self._set_state(leg, RtcLegState.CONNECTED)
        if self._video is not None:
            self._video.refresh(channel)  # the new peer's outlet takes over the picture

    async def _failed(self, leg: _Leg, peer: BrowserPeer) -> None:
        if peer is leg.connecting:
            leg.connecting = None
        if peer is leg.active and leg.connecting is not None:
            return  # a renegotiation is already under way
        await peer.close()
        if peer is leg.active:
            leg.active = None
        self._set_state(leg, RtcLegState.FAILED)
        self._start_grace(leg)

    def _connect_timed_out(self, leg: _Leg, peer: BrowserPeer) -> None:
        if leg.connecting is peer and not leg.closed:
            self._spawn(self._failed(leg, peer))

    def _start_grace(self, leg: _Leg) -> None:
        self._cancel(leg, "grace")
        leg.grace = asyncio.get_running_loop().call_later(
            self._settings.restart_grace_s, lambda: self._spawn(self._close(leg))
        )

    @staticmethod
    def _cancel(leg: _Leg, timer: str) -> None:
        handle: asyncio.TimerHandle | None = getattr(leg, timer)
        if handle is not None:
            handle.cancel()
            setattr(leg, timer, None)

    async def _close(self, leg: _Leg) -> None:
        if leg.closed:
            return
        leg.closed = True
        if self._legs.get(leg.user_id) is leg:
            del self._legs[leg.user_id]
        self._cancel(leg, "grace")
        self._cancel(leg, "connect_timer")
        for peer in leg.peers():
            await peer.close()
        leg.pending = leg.connecting = leg.active = None
        if leg.channel is not None:
            if self._video is not None:
                self._video.forget(leg.channel.id)
            await leg.channel.hangup()  # its signalling comes back here, already closed
        leg.relay.close()
        self._set_state(leg, RtcLegState.CLOSED)

    def _set_state(self, leg: _Leg, state: RtcLegState) -> None:
        changed = leg.state is not state
        leg.state = state
        self._spawn(self._notify(leg, RtcStateChange(leg.id, state)))
        if not changed and state is not RtcLegState.CLOSED:
            return
        event = LegStateChanged(leg.user_id, leg.id, state)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("leg state listener failed for %r", event)

    def _video_seen(self, seen: VideoSeen) -> None:
        for leg in self._legs.values():
            if leg.channel is not None and leg.channel.id == seen.channel_id:
                notice = RtcVideo(leg.id, seen.source is not None, seen.reason, seen.stalled, seen.codec)
                self._spawn(self._notify(leg, notice))

    async def _notify(self, leg: _Leg, notice: RtcNotice) -> None:
        reply = leg.reply
        if reply is not None and not await reply(notice):
            self.detach(leg.user_id, reply)

    def _spawn(self, coroutine: Coroutine[object, object, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
