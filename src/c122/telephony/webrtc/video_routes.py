"""Who sees whom: video follows hearing. A bridged browser leg's outlet plays the camera of a party it
hears (its tap), so hold, a transfer or a snoop moves the picture exactly as it moves the sound.

Call control tells every bridge change (`CallControl.on_bridge_applied`); each registered leg names its
current `PeerVideo` (a renegotiated leg has a new one: `refresh`). A leg's camera reaches others only if
`may_send` says so (the citizen's always; an operator's only where their group allows it).

A source that stops sending while it is shown (the app turned its camera off, its network went) is
noticed here too (`check_stalled`, run every half second by `watch`): the leg is told `stalled` after
`STALL_S` without a packet, and told again when pictures come back; the call goes on either way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Final

from c122.telephony.control import Bridge, Channel
from c122.telephony.webrtc.peer_video import NO_COMMON_CODEC, NO_VIDEO, PeerVideo
from c122.telephony.webrtc.video import VideoTap

log = logging.getLogger(__name__)

STALL_S: Final = 2.0  # no packet from the shown camera for this long: the picture has stopped
WATCH_INTERVAL_S: Final = 0.5


@dataclass(frozen=True, slots=True)
class VideoSeen:
    """What a leg's outlet shows now: `source` is the channel it follows (None: nothing), and when that
    party carries no video, `reason` says why (`no_common_codec`, `no_video`)."""

    channel_id: str
    source: str | None
    reason: str | None
    stalled: bool = False  # the source is shown but has sent nothing for STALL_S
    codec: str | None = None  # what the picture is carried in toward this leg ("VP8", "H264 42e01f")


@dataclass(frozen=True, slots=True)
class VideoStats:
    """A leg's video as the server sees it. Its camera: pictures put together, key frames (PLI) and
    packets (NACK) asked again of it, retransmissions (RTX) it sent back, bandwidth estimates (REMB)
    passed on to it. Toward it: the format it is sent, packets its browser asked again and the server
    sent again, its browser's REMBs."""

    pictures: int
    key_frame_requests: int
    stalls: int = 0  # times the camera shown to this leg stopped sending
    codec: str | None = None  # what its camera sends in
    nacked: int = 0
    retransmissions: int = 0
    estimates_forwarded: int = 0
    sent_codec: str | None = None  # what the server sends this leg in
    nacked_by_browser: int = 0
    retransmitted: int = 0
    estimates_from_browser: int = 0


@dataclass(slots=True)
class _Leg:
    video: Callable[[], PeerVideo | None]
    may_send: bool
    told: VideoSeen | None = None
    bridge: str | None = None
    routed_at: float = 0.0  # when its outlet began following the current source
    stalls: int = 0


class VideoRoutes:
    def __init__(self) -> None:
        self._legs: dict[str, _Leg] = {}
        self._listeners: list[Callable[[VideoSeen], None]] = []

    def register(self, channel_id: str, video: Callable[[], PeerVideo | None], *, may_send: bool) -> None:
        self._legs[channel_id] = _Leg(video, may_send)

    def forget(self, channel_id: str) -> None:
        self._legs.pop(channel_id, None)

    def allow_camera(self, channel_id: str, allowed: bool) -> None:
        leg = self._legs.get(channel_id)
        if leg is not None:
            leg.may_send = allowed

    def camera(self, channel_id: str, *, sending: bool = True) -> VideoTap | None:
        """The leg's camera tap: with `sending`, only one that may be shown (the citizen's; an
        operator's where their group allows it) and whose browser sends a picture on a VP8 m-line."""
        leg = self._legs.get(channel_id)
        video = leg.video() if leg is not None else None
        if leg is None or video is None:
            return None
        if sending and (not leg.may_send or video.unavailable is not None or not video.sends):
            return None
        return video.tap

    def subscribe(self, listener: Callable[[VideoSeen], None]) -> None:
        self._listeners.append(listener)

    def seen_by(self, channel_id: str) -> VideoSeen | None:
        leg = self._legs.get(channel_id)
        return leg.told if leg is not None else None

    def video_of(self, channel_id: str) -> PeerVideo | None:
        """The leg's current video half (None: not registered, or no video)."""
        leg = self._legs.get(channel_id)
        return leg.video() if leg is not None else None

    def stats(self, channel_id: str) -> VideoStats | None:
        leg = self._legs.get(channel_id)
        video = leg.video() if leg is not None else None
        if leg is None or video is None:
            return None
        tap, sender = video.tap, video.sender
        sent = tap.format or video.sent_format
        return VideoStats(
            tap.pictures,
            tap.key_frame_requests,
            leg.stalls,
            codec=sent.label if sent is not None else None,
            nacked=tap.nacked,
            retransmissions=tap.retransmissions,
            estimates_forwarded=tap.estimates_forwarded,
            sent_codec=sender.format.label if sender.format is not None else None,
            nacked_by_browser=sender.nacked,
            retransmitted=sender.retransmitted,
            estimates_from_browser=sender.estimates,
        )

    def check_stalled(self, now: float | None = None) -> None:
        """Tells each leg whose shown camera has stopped sending (or started again)."""
        now = time.monotonic() if now is None else now
        for channel_id, leg in self._legs.items():
            told = leg.told
            source = self._legs.get(told.source) if told is not None and told.source else None
            video = source.video() if source is not None else None
            if told is None or video is None:
                continue
            last = max(video.tap.last_packet_at or 0.0, leg.routed_at)
            stalled = now - last > STALL_S
            if stalled != told.stalled:
                if stalled:
                    leg.stalls += 1
                    log.info("video shown to %s stopped arriving from %s", channel_id, told.source)
                self._tell(leg, replace(told, stalled=stalled))

    async def watch(self, interval_s: float = WATCH_INTERVAL_S) -> None:
        """Runs `check_stalled` until cancelled (the telephony's lifetime)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                self.check_stalled()
            except Exception:
                log.exception("checking for stopped video failed")

    def refresh(self, channel: Channel) -> None:
        """The leg's peer connection changed: its routes are made again."""
        if channel.bridge is not None:
            self.bridge_applied(channel.bridge)

    def bridge_applied(self, bridge: Bridge) -> None:
        members = {c.id for c in bridge.channels}
        heard: dict[str, list[str]] = {}
        for listener, speaker in sorted(bridge.hears()):
            heard.setdefault(listener, []).append(speaker)
        for channel_id, leg in self._legs.items():
            if channel_id in members:
                leg.bridge = bridge.id
                self._route(channel_id, leg, heard.get(channel_id, []))
            elif leg.bridge == bridge.id:  # it left this bridge
                leg.bridge = None
                self._route(channel_id, leg, [])

    def _route(self, channel_id: str, leg: _Leg, speakers: list[str]) -> None:
        video = leg.video()
        if video is None:
            return
        source: str | None = None
        reason: str | None = None
        codec: str | None = None
        for speaker in speakers:
            party = self._legs.get(speaker)
            party_video = party.video() if party is not None and party.may_send else None
            if party_video is None:
                continue
            if party_video.unavailable is not None or video.unavailable is not None:
                reason = party_video.unavailable or video.unavailable
                continue
            if not party_video.sends:
                reason = reason or NO_VIDEO
                continue
            shown = video.shows(party_video)
            if shown is None:  # e.g. an H.264-only caller and a leg that negotiated VP8 only
                reason = NO_COMMON_CODEC
                continue
            source = speaker
            codec = shown.label
            if video.outlet.source is not party_video.tap:
                leg.routed_at = time.monotonic()
            video.outlet.follow(party_video.tap)
            break
        if source is None:
            video.outlet.follow(None)
        seen = VideoSeen(channel_id, source, None if source else reason, codec=codec)
        told = leg.told
        if told is not None and told.source == source and source is not None:
            seen = replace(seen, stalled=told.stalled)  # the same camera: still stopped, or not
        self._tell(leg, seen)

    def _tell(self, leg: _Leg, seen: VideoSeen) -> None:
        if seen != leg.told:
            leg.told = seen
            for listener in self._listeners:
                listener(seen)
