"""The server notices a camera that stops sending while it is shown (docs/telephony/video.md): the leg
that shows it is told `stalled` after two seconds without a packet, and told again when pictures come
back. Stand-ins for the peers' video halves (their taps and outlets): the routing and the timing
are the product's; the packets are not (the e2e test drives real browsers)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from c122.telephony.webrtc.video_formats import VideoFormat
from c122.telephony.webrtc.video_routes import STALL_S, VideoRoutes, VideoSeen


@dataclass
class Tap:
    last_packet_at: float | None = None
    pictures: int = 0
    key_frame_requests: int = 0
    format: VideoFormat | None = None
    nacked: int = 0
    retransmissions: int = 0
    estimates_forwarded: int = 0


@dataclass
class Sender:
    format: VideoFormat | None = None
    nacked: int = 0
    retransmitted: int = 0
    estimates: int = 0


@dataclass
class Outlet:
    source: Tap | None = None

    def follow(self, source: Tap | None) -> None:
        self.source = source


@dataclass
class Video:
    tap: Tap = field(default_factory=Tap)
    outlet: Outlet = field(default_factory=Outlet)
    sender: Sender = field(default_factory=Sender)
    sent_format: VideoFormat | None = None
    unavailable: str | None = None
    sends: bool = True

    def shows(self, source: Video) -> VideoFormat:
        return VideoFormat("VP8", 96)


@dataclass
class Party:
    id: str


@dataclass
class Bridge:
    """Two parties who hear each other (call control's Bridge as the routes read it)."""

    channels: list[Party]
    id: str = "br-1"

    def hears(self) -> set[tuple[str, str]]:
        ids = [c.id for c in self.channels]
        return {(a, b) for a in ids for b in ids if a != b}


def _routes() -> tuple[VideoRoutes, Video, list[VideoSeen]]:
    routes = VideoRoutes()
    told: list[VideoSeen] = []
    routes.subscribe(told.append)
    caller, operator = Video(), Video()
    routes.register("app", lambda: caller, may_send=True)  # type: ignore[arg-type,return-value]
    routes.register("desk", lambda: operator, may_send=False)  # type: ignore[arg-type,return-value]
    routes.bridge_applied(Bridge([Party("app"), Party("desk")]))  # type: ignore[arg-type]
    return routes, caller, told


def test_a_camera_that_stops_sending_is_told_to_the_leg_that_shows_it_and_so_is_its_return() -> None:
    routes, caller, told = _routes()
    desk = [t for t in told if t.channel_id == "desk"]
    assert desk == [VideoSeen("desk", "app", None, codec="VP8")]
    start = caller.tap.last_packet_at = time.monotonic()  # the routes time with the monotonic clock
    routes.check_stalled(start + STALL_S - 0.1)
    assert routes.seen_by("desk") == VideoSeen("desk", "app", None, stalled=False, codec="VP8")

    routes.check_stalled(start + STALL_S + 0.1)  # two seconds without a packet
    assert routes.seen_by("desk") == VideoSeen("desk", "app", None, stalled=True, codec="VP8")
    assert told[-1] == VideoSeen("desk", "app", None, stalled=True, codec="VP8")
    stats = routes.stats("desk")
    assert stats is not None
    assert stats.stalls == 1
    count = len(told)
    routes.check_stalled(start + 10)  # still stopped: said once
    assert len(told) == count

    caller.tap.last_packet_at = start + 11  # pictures again
    routes.check_stalled(start + 11.1)
    assert told[-1] == VideoSeen("desk", "app", None, stalled=False, codec="VP8")


def test_a_leg_that_shows_nothing_is_never_told_stalled() -> None:
    routes, _caller, told = _routes()
    # The operator's camera is not allowed: the app's leg shows nothing, however long it waits.
    assert routes.seen_by("app") == VideoSeen("app", None, None)
    routes.check_stalled(10**9)
    assert all(not t.stalled for t in told if t.channel_id == "app")
