"""Video forwarded between two browser legs without decoding (VP8): issue 23's first step.

The sending leg's receiver is tapped like the audio one (`BrowserPeer`): each RTP packet is read before
aiortc's decoder, its VP8 payload descriptor stripped, and aiortc's own `JitterBuffer` puts the
packets of one picture back together. Whole encoded pictures go to a `ForwardedVideo` track, which the
receiving leg's sender packs again into RTP (aiortc's `Vp8Encoder.pack`: no encoder runs). Loss is
answered where it happens: NACKs toward the sender for missing packets, a PLI when a picture cannot be
completed; a PLI or FIR from the receiving browser, and a leg joining, ask the sending browser for a
key frame (aiortc's own keyframe request only reaches an encoder, which a forwarded stream has none of).
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Final, Protocol

import av
from aiortc import MediaStreamTrack, RTCRtpReceiver, RTCRtpSender
from aiortc.codecs.vpx import vp8_depayload
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpreceiver import NackGenerator
from aiortc.rtp import RtpPacket

VIDEO_CLOCK: Final = fractions.Fraction(1, 90000)
JITTER_CAPACITY: Final = 128  # packets: a 720p key frame is ~100
MAX_QUEUED_PICTURES: Final = 30  # about a second; older pictures are dropped, then a key frame asked for
FRAME_STEP: Final = 3000  # 90 kHz ticks between pictures at 30 fps: the gap left at a switch of source


class ForwardedVideo(MediaStreamTrack):
    """A video track of already-encoded VP8 pictures (aiortc's sender packs them as they are).

    It follows one `VideoTap` at a time (`follow`); on a switch its timestamps go on from where they
    were, so the receiving browser sees one continuous stream, and the new source is asked for a key
    frame."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._pictures: deque[av.Packet[Any]] = deque()
        self._ready = asyncio.Event()
        self._offset: int | None = None  # source timestamp -> our pts
        self._last_pts = 0
        self.source: VideoTap | None = None
        self.forwarded = 0
        self.dropped = 0

    def follow(self, source: VideoTap | None) -> None:
        if source is self.source:
            return
        if self.source is not None:
            self.source.detach(self)
        self.source = source
        self._offset = None  # the next picture continues our timeline
        if source is not None:
            source.attach(self)

    def ask_key_frame(self) -> None:
        if self.source is not None:
            self.source.ask_key_frame()

    def push(self, picture: bytes, timestamp: int) -> None:
        if self._offset is None:
            self._offset = (self._last_pts + FRAME_STEP - timestamp) & 0xFFFFFFFF
        packet = av.Packet(picture)
        packet.pts = self._last_pts = (timestamp + self._offset) & 0xFFFFFFFF
        packet.time_base = VIDEO_CLOCK
        if len(self._pictures) >= MAX_QUEUED_PICTURES:
            self._pictures.clear()
            self.dropped += MAX_QUEUED_PICTURES
            self.ask_key_frame()  # what follows the gap cannot be decoded without one
        self._pictures.append(packet)
        self._ready.set()

    async def recv(self) -> Any:
        while not self._pictures:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        self.forwarded += 1
        return self._pictures.popleft()

    def stop(self) -> None:
        self.follow(None)
        super().stop()
        self._ready.set()


class PictureRecorder(Protocol):
    """Where a tap's whole pictures are also written (`video_recording.WebmRecorder`); both calls come
    on the media loop and must not block."""

    def push(self, picture: bytes, timestamp: int) -> None: ...

    def lost(self) -> None: ...


class VideoTap:
    """Taps a leg's video receiver: its pictures go to `ForwardedVideo` tracks toward other legs."""

    def __init__(self, receiver: RTCRtpReceiver, payload_type: Callable[[], int | None]) -> None:
        if not hasattr(receiver, "_handle_rtp_packet") or not hasattr(receiver, "_send_rtcp_pli"):
            raise RuntimeError("this aiortc has no RTP tap point (RTCRtpReceiver._handle_rtp_packet)")
        self._receiver = receiver
        self._payload_type = payload_type
        self._jitter = JitterBuffer(capacity=JITTER_CAPACITY, is_video=True)
        self._nack = NackGenerator()
        self._ssrc: int | None = None
        self._decoder_stopped = False
        self._tracks: list[ForwardedVideo] = []
        self._recorders: list[PictureRecorder] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.pictures = 0
        self.packets = 0
        self.last_packet_at: float | None = None  # time.monotonic() of the last picture packet
        self.key_frame_requests = 0  # PLIs sent to the sending browser
        self._key_frame_wanted = False
        setattr(receiver, "_handle_rtp_packet", self._tapped)  # noqa: B010

    def track(self) -> ForwardedVideo:
        """A new receiving leg's track (following this tap)."""
        track = ForwardedVideo()
        track.follow(self)
        return track

    def attach(self, track: ForwardedVideo) -> None:
        """A receiving leg joins: a key frame is asked for so its picture starts at once."""
        if track not in self._tracks:
            self._tracks.append(track)
        self.ask_key_frame()

    def detach(self, track: ForwardedVideo) -> None:
        if track in self._tracks:
            self._tracks.remove(track)

    def record_into(self, recorder: PictureRecorder) -> None:
        """The camera is also recorded: a key frame is asked for so the file starts at once."""
        if recorder not in self._recorders:
            self._recorders.append(recorder)
        self.ask_key_frame()

    def stop_recording(self, recorder: PictureRecorder) -> None:
        if recorder in self._recorders:
            self._recorders.remove(recorder)

    def relay_key_frame_requests(self, sender: RTCRtpSender, track: ForwardedVideo | None = None) -> None:
        """A PLI or FIR from the receiving browser reaches the sending one (through `track`'s source
        when given, so it follows a switch)."""
        setattr(sender, "_send_keyframe", track.ask_key_frame if track else self.ask_key_frame)  # noqa: B010

    def ask_key_frame(self) -> None:
        if self._ssrc is not None:
            self.key_frame_requests += 1
            self._spawn(self._receiver._send_rtcp_pli(self._ssrc))
        else:
            self._key_frame_wanted = True  # asked for as soon as the sender's stream is known

    def stop(self) -> None:
        for track in list(self._tracks):
            track.follow(None)

    async def _tapped(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        if not self._decoder_stopped:
            self._decoder_stopped = True  # nothing is decoded here: end aiortc's decoder thread
            stop: Callable[[], None] | None = getattr(self._receiver, "_RTCRtpReceiver__stop_decoder", None)
            if stop is not None:
                stop()
        if packet.payload_type != self._payload_type():
            return  # RTX or another codec: not forwarded (RTX is not negotiated)
        self.packets += 1
        self.last_packet_at = time.monotonic()
        if self._ssrc is None:
            self._ssrc = packet.ssrc
            if self._tracks or self._key_frame_wanted:
                self._key_frame_wanted = False
                self.ask_key_frame()
        if self._nack.add(packet):
            await self._receiver._send_rtcp_nack(packet.ssrc, sorted(self._nack.missing))
        try:
            packet._data = vp8_depayload(packet.payload) if packet.payload else b""  # type: ignore[attr-defined]
        except ValueError:
            return
        lost, picture = self._jitter.add(packet)
        if lost:
            self.ask_key_frame()
            for recorder in self._recorders:
                recorder.lost()
        if picture is not None:
            self.pictures += 1
            for recorder in self._recorders:
                recorder.push(picture.data, picture.timestamp)
            self._tracks = [t for t in self._tracks if t.readyState == "live"]
            for track in self._tracks:
                track.push(picture.data, picture.timestamp)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
