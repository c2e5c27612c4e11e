"""The video half of a browser leg: a VP8/H.264 m-line next to the audio one, forwarded, never decoded.

The leg's video receiver is tapped (`VideoTap`: the browser's camera, ready to be forwarded) and its
sender plays a `ForwardedVideo` outlet that `VideoRoutes` points at another leg's tap while the two are
bridged, packed in this leg's own format of the source's codec (`video_formats`). A browser that
accepts no common video codec keeps its audio; `unavailable` says why.
"""

from __future__ import annotations

import re
from typing import Final

from aiortc import RTCPeerConnection, RTCRtpTransceiver
from aiortc.sdp import SessionDescription

from c122.telephony.webrtc.video import ForwardedVideo, VideoTap
from c122.telephony.webrtc.video_formats import (
    VideoFormat,
    format_for,
    negotiated_formats,
    offered_capabilities,
)
from c122.telephony.webrtc.video_sender import LegVideoSender

NO_COMMON_CODEC: Final = "no_common_codec"
NO_VIDEO: Final = "no_video"

_VIDEO_SECTION = re.compile(r"^m=video (\d+) [^\r\n]*", re.MULTILINE)
_TRANSPORT_LINES = ("a=ice-ufrag:", "a=ice-pwd:", "a=fingerprint:", "a=setup:")
_DIRECTIONS = ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive")
_CODEC_LINES = ("a=rtpmap:", "a=fmtp:", "a=rtcp-fb:")


def keep_rejected_video(answer_sdp: str, offer_sdp: str) -> str:
    """A browser that has no codec of ours rejects the video m-line (port 0, out of the BUNDLE group);
    aiortc refuses such an answer whole, which would drop the audio too. The rejected section is
    handed to aiortc as an inactive section of the offer's first codec on the bundled transport
    instead: nothing flows on it, and `PeerVideo.accepted` still reads the browser's own answer
    (NO_COMMON_CODEC)."""
    found = _VIDEO_SECTION.search(answer_sdp)
    offered = re.search(r"^a=rtpmap:(\d+) (VP8|H264)/90000", offer_sdp, re.MULTILINE)
    if found is None or found.group(1) != "0" or offered is None:
        return answer_sdp
    lines = answer_sdp.replace("\r\n", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("m=")]
    video_at = next(i for i in starts if lines[i].startswith("m=video "))
    end = next((i for i in starts if i > video_at), len(lines))
    section = lines[video_at:end]
    mid = next((line.split(":", 1)[1] for line in section if line.startswith("a=mid:")), None)
    audio_at = next((i for i in starts if lines[i].startswith("m=audio ")), None)
    if mid is None or audio_at is None:
        return answer_sdp
    audio_end = next((i for i in starts if i > audio_at), len(lines))
    transport = [line for line in lines[audio_at:audio_end] if line.startswith(_TRANSPORT_LINES)]
    kept = [
        line
        for line in section[1:]
        if line and not line.startswith((*_CODEC_LINES, *_DIRECTIONS, *_TRANSPORT_LINES))
    ]
    pt = offered.group(1)
    video = [
        f"m=video 9 {section[0].split()[2]} {pt}",
        *kept,
        *transport,
        "a=inactive",
        "a=rtcp-mux",
        f"a=rtpmap:{pt} {offered.group(2)}/90000",
    ]
    lines[video_at:end] = video
    rebuilt = [
        f"{line} {mid}" if line.startswith("a=group:BUNDLE") and mid not in line.split()[1:] else line
        for line in lines
    ]
    return "\r\n".join(line for line in rebuilt if line) + "\r\n"


class PeerVideo:
    def __init__(self, pc: RTCPeerConnection, *, receive: bool = True) -> None:
        """`receive`: the browser may send its camera here; without it the m-line is offered sendonly,
        so the browser answers recvonly and sends no picture at all."""
        self.outlet = ForwardedVideo(on_format=self._pack_as)
        direction = "sendrecv" if receive else "sendonly"
        self._transceiver: RTCRtpTransceiver = pc.addTransceiver(self.outlet, direction=direction)
        self._transceiver.setCodecPreferences(offered_capabilities())
        self.sender = LegVideoSender(self._transceiver.sender, self.outlet.estimate)
        self.tap = VideoTap(self._transceiver.receiver, self._formats)
        self.tap.relay_key_frame_requests(self._transceiver.sender, self.outlet)
        self.formats: list[VideoFormat] = []  # what the browser receives (its answer), in its order
        self.receivable: list[VideoFormat] = []  # what it may send: any format of the server's offer
        self.sent_format: VideoFormat | None = None  # what it sends its camera in (packets say)
        self.unavailable: str | None = None  # why this leg carries no video (NO_COMMON_CODEC, NO_VIDEO)
        self.sends = False  # the browser sends its camera (its answer is not recvonly or inactive)

    def accepted(self, answer_sdp: str, offer_sdp: str = "") -> None:
        """After the browser's answer: which codec carries video, or why none does.

        The answer lists what the browser receives; it may send in any format of the offer it has
        (RFC 3264: the offer is what the server receives), and Chromium sends in the offer's first
        (VP8) unless the page picks its send codec, whatever its answer prefers. So the tap takes every
        offered format and the packets say which one the camera uses."""
        section = _VIDEO_SECTION.search(answer_sdp)
        codecs = self._transceiver._codecs
        if section is None:
            self.unavailable = NO_VIDEO
        elif section.group(1) == "0" or not codecs:
            self.unavailable = NO_COMMON_CODEC
        else:
            self.formats = negotiated_formats(codecs)
            self.receivable = _offered_formats(offer_sdp) or self.formats
            media = answer_sdp[section.start() :].split("\nm=", 1)[0]
            # Until its packets say otherwise: the offer's first format of a codec it answered with.
            answered = {f.codec for f in self.formats}
            self.sent_format = next((f for f in self.receivable if f.codec in answered), None)
            self.unavailable = None if self.formats else NO_COMMON_CODEC
            self.sends = "a=recvonly" not in media and "a=inactive" not in media

    def shows(self, source: PeerVideo) -> VideoFormat | None:
        """The format this leg would show `source`'s camera in (None: no common codec)."""
        sent = source.tap.format or source.sent_format
        return format_for(sent, self.formats) if sent is not None else None

    def close(self) -> None:
        self.tap.stop()
        self.outlet.stop()

    def _formats(self) -> list[VideoFormat]:
        return self.receivable if self.unavailable is None else []

    def _pack_as(self, source_format: VideoFormat) -> None:
        shown = format_for(source_format, self.formats)
        if shown is not None:
            self.sender.use(shown)


def _offered_formats(offer_sdp: str) -> list[VideoFormat]:
    if "m=video" not in offer_sdp:
        return []
    try:
        offer = SessionDescription.parse(offer_sdp)
    except ValueError:
        return []
    video = next((m for m in offer.media if m.kind == "video"), None)
    return negotiated_formats(video.rtp.codecs) if video is not None else []
