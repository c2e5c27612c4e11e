"""Video forwarded between two browser legs without decoding (VP8 or H.264).

The sending leg's receiver is tapped like the audio one (`BrowserPeer`): each RTP packet is read before
aiortc's decoder, its payload descriptor stripped (VP8) or its NAL units unpacked (H.264), and aiortc's
own `JitterBuffer` puts the packets of one picture back together. Whole encoded pictures, with the
format they came in, go to a `ForwardedVideo` track, which the receiving leg's sender packs again into
RTP (aiortc's `Vp8Encoder.pack` / `H264Encoder.pack`: no encoder runs) with that leg's own SSRC and
payload type.

Loss is answered per leg, where it happens (the two legs' sequence numbers are unrelated, since the
pictures are packed again): the tap NACKs the sending browser for missing packets and takes its RTX
retransmissions (unwrapped to the original packet); the receiving browser's NACKs are answered by its
leg's sender from the packets it sent, as RTX where negotiated. A PLI when a picture cannot be
completed; a PLI or FIR from the receiving browser, and a leg joining, ask the sending browser for a
key frame (aiortc's own keyframe request only reaches an encoder, which a forwarded stream has none of).
The receiving browser's bandwidth estimate (REMB) goes to the sending browser with the SSRC rewritten
to the sender's own stream (the lowest of the legs that follow it).
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
from aiortc.codecs.h264 import h264_depayload
from aiortc.codecs.vpx import vp8_depayload
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcrtpreceiver import NackGenerator
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtpPacket, pack_remb_fci, unwrap_rtx

from c122.telephony.webrtc.video_formats import VideoFormat

VIDEO_CLOCK: Final = fractions.Fraction(1, 90000)
JITTER_CAPACITY: Final = 128  # packets: a 720p key frame is ~100
MAX_QUEUED_PICTURES: Final = 30  # about a second; older pictures are dropped, then a key frame asked for
FRAME_STEP: Final = 3000  # 90 kHz ticks between pictures at 30 fps: the gap left at a switch of source
_DEPAYLOAD: Final = {"VP8": vp8_depayload, "H264": h264_depayload}
RECORDED_CODEC: Final = "VP8"


class ForwardedVideo(MediaStreamTrack):
    """A video track of already-encoded pictures (aiortc's sender packs them as they are).

    It follows one `VideoTap` at a time (`follow`); on a switch its timestamps go on from where they
    were, so the receiving browser sees one continuous stream, and the new source is asked for a key
    frame. Before a picture in another format than the last is handed out, `on_format` is told (the
    leg's sender then packs in its matching format)."""

    kind = "video"

    def __init__(self, on_format: Callable[[VideoFormat], None] | None = None) -> None:
        super().__init__()
        self._pictures: deque[tuple[av.Packet[Any], VideoFormat | None]] = deque()
        self._on_format = on_format
        self._format: VideoFormat | None = None
        self.bitrate: int | None = None  # the receiving browser's last REMB, bits/s
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
        self._pictures.clear()  # the old source's pictures are not sent after the new one's key frame
        if source is not None:
            source.attach(self)

    def ask_key_frame(self) -> None:
        if self.source is not None:
            self.source.ask_key_frame()

    def estimate(self, bitrate: int) -> None:
        """The receiving browser's REMB: passed on to the sending browser."""
        self.bitrate = bitrate
        if self.source is not None:
            self.source.estimate_changed()

    def push(self, picture: bytes, timestamp: int, video_format: VideoFormat | None = None) -> None:
        if self._offset is None:
            self._offset = (self._last_pts + FRAME_STEP - timestamp) & 0xFFFFFFFF
        packet = av.Packet(picture)
        packet.pts = self._last_pts = (timestamp + self._offset) & 0xFFFFFFFF
        packet.time_base = VIDEO_CLOCK
        if len(self._pictures) >= MAX_QUEUED_PICTURES:
            self._pictures.clear()
            self.dropped += MAX_QUEUED_PICTURES
            self.ask_key_frame()  # what follows the gap cannot be decoded without one
        self._pictures.append((packet, video_format))
        self._ready.set()

    async def recv(self) -> Any:
        while not self._pictures:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        self.forwarded += 1
        packet, video_format = self._pictures.popleft()
        if video_format is not None and video_format != self._format:
            self._format = video_format
            if self._on_format is not None:
                self._on_format(video_format)  # the sender packs this picture in the leg's own format
        return packet

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

    def __init__(self, receiver: RTCRtpReceiver, formats: Callable[[], list[VideoFormat]]) -> None:
        if not hasattr(receiver, "_handle_rtp_packet") or not hasattr(receiver, "_send_rtcp_pli"):
            raise RuntimeError("this aiortc has no RTP tap point (RTCRtpReceiver._handle_rtp_packet)")
        self._receiver = receiver
        self._formats = formats
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
        self.nacked = 0  # packets asked again of the sending browser (NACK)
        self.retransmissions = 0  # RTX packets it sent back, unwrapped and used
        self.estimates_forwarded = 0  # REMBs passed on to it
        self.format: VideoFormat | None = None  # what its last packet came in
        self._estimate: int | None = None
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

    def estimate_changed(self) -> None:
        """A following leg's bandwidth estimate changed: the lowest goes to the sending browser (REMB),
        for its own stream's SSRC, from this receiver's RTCP SSRC."""
        estimates = [t.bitrate for t in self._tracks if t.bitrate is not None]
        rtcp_ssrc: int | None = getattr(self._receiver, "_RTCRtpReceiver__rtcp_ssrc", None)
        if not estimates or self._ssrc is None or rtcp_ssrc is None:
            return
        lowest = min(estimates)
        if lowest == self._estimate:
            return
        self._estimate = lowest
        self.estimates_forwarded += 1
        remb = remb_packet(rtcp_ssrc, self._ssrc, lowest)
        self._spawn(self._receiver._send_rtcp(remb))

    def stop(self) -> None:
        for track in list(self._tracks):
            track.follow(None)

    async def _tapped(self, packet: RtpPacket, arrival_time_ms: int) -> None:
        if not self._decoder_stopped:
            self._decoder_stopped = True  # nothing is decoded here: end aiortc's decoder thread
            stop: Callable[[], None] | None = getattr(self._receiver, "_RTCRtpReceiver__stop_decoder", None)
            if stop is not None:
                stop()
        formats = self._formats()
        video_format = next((f for f in formats if f.payload_type == packet.payload_type), None)
        if video_format is None:
            rtx_of = next((f for f in formats if f.rtx_payload_type == packet.payload_type), None)
            if rtx_of is None or self._ssrc is None or len(packet.payload) < 2:
                return  # not a format of ours, or a retransmission before the stream is known
            packet = unwrap_rtx(packet, payload_type=rtx_of.payload_type, ssrc=self._ssrc)
            video_format = rtx_of
            self.retransmissions += 1
        self.format = video_format
        self.packets += 1
        self.last_packet_at = time.monotonic()
        if self._ssrc is None:
            self._ssrc = packet.ssrc
            if self._tracks or self._key_frame_wanted:
                self._key_frame_wanted = False
                self.ask_key_frame()
        if self._nack.add(packet):
            missing = sorted(self._nack.missing)
            self.nacked += len(missing)
            await self._receiver._send_rtcp_nack(packet.ssrc, missing)
        try:
            depayload = _DEPAYLOAD[video_format.codec]
            packet._data = depayload(packet.payload) if packet.payload else b""  # type: ignore[attr-defined]
        except ValueError:
            return
        lost, picture = self._jitter.add(packet)
        # The WebM writer takes VP8 pictures: an H.264 camera is forwarded, not recorded.
        recorders = self._recorders if video_format.codec == RECORDED_CODEC else ()
        if lost:
            self.ask_key_frame()
            for recorder in recorders:
                recorder.lost()
        if picture is not None:
            self.pictures += 1
            for recorder in recorders:
                recorder.push(picture.data, picture.timestamp)
            self._tracks = [t for t in self._tracks if t.readyState == "live"]
            for track in self._tracks:
                track.push(picture.data, picture.timestamp, video_format)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def remb_packet(rtcp_ssrc: int, media_ssrc: int, bitrate: int) -> RtcpPsfbPacket:
    """A REMB (draft-alvestrand-rmcat-remb) asking the browser that sends `media_ssrc` to keep under
    `bitrate`."""
    return RtcpPsfbPacket(
        fmt=RTCP_PSFB_APP, ssrc=rtcp_ssrc, media_ssrc=0, fci=pack_remb_fci(bitrate, [media_ssrc])
    )
