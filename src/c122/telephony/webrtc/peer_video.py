"""The video half of a browser leg: a VP8 m-line next to the audio one, forwarded, never decoded.

The leg's video receiver is tapped (`VideoTap`: the browser's camera, ready to be forwarded) and its
sender plays a `ForwardedVideo` outlet that `VideoRoutes` points at another leg's tap while the two are
bridged. A browser that accepts no common video codec keeps its audio; `unavailable` says why.
"""

from __future__ import annotations

import re
from typing import Final

from aiortc import RTCPeerConnection, RTCRtpCodecCapability, RTCRtpSender, RTCRtpTransceiver

from c122.telephony.webrtc.video import ForwardedVideo, VideoTap

VIDEO_CODECS: Final = ("VP8",)  # what the tap depacketizes; H.264 is not forwarded yet
NO_COMMON_CODEC: Final = "no_common_codec"
NO_VIDEO: Final = "no_video"

_VIDEO_SECTION = re.compile(r"^m=video (\d+) [^\r\n]*", re.MULTILINE)


class PeerVideo:
    def __init__(self, pc: RTCPeerConnection, *, receive: bool = True) -> None:
        """`receive`: the browser may send its camera here; without it the m-line is offered sendonly,
        so the browser answers recvonly and sends no picture at all."""
        self.outlet = ForwardedVideo()
        direction = "sendrecv" if receive else "sendonly"
        self._transceiver: RTCRtpTransceiver = pc.addTransceiver(self.outlet, direction=direction)
        self._transceiver.setCodecPreferences(_capabilities())
        self.tap = VideoTap(self._transceiver.receiver, self._payload_type)
        self.tap.relay_key_frame_requests(self._transceiver.sender, self.outlet)
        self.codec: str | None = None
        self.unavailable: str | None = None  # why this leg carries no video (NO_COMMON_CODEC, NO_VIDEO)
        self.sends = False  # the browser sends its camera (its answer is not recvonly or inactive)

    def accepted(self, answer_sdp: str) -> None:
        """After the browser's answer: which codec carries video, or why none does."""
        section = _VIDEO_SECTION.search(answer_sdp)
        codecs = self._transceiver._codecs
        if section is None:
            self.unavailable = NO_VIDEO
        elif section.group(1) == "0" or not codecs:
            self.unavailable = NO_COMMON_CODEC
        else:
            self.codec = codecs[0].mimeType.split("/", 1)[1].upper()
            self.unavailable = None if self.codec in VIDEO_CODECS else NO_COMMON_CODEC
            media = answer_sdp[section.start() :].split("\nm=", 1)[0]
            self.sends = "a=recvonly" not in media and "a=inactive" not in media

    def close(self) -> None:
        self.tap.stop()
        self.outlet.stop()

    def _payload_type(self) -> int | None:
        codecs = self._transceiver._codecs
        return codecs[0].payloadType if codecs and self.unavailable is None else None


def _capabilities() -> list[RTCRtpCodecCapability]:
    available = RTCRtpSender.getCapabilities("video").codecs
    return [cap for cap in available if cap.mimeType.split("/", 1)[1].upper() in VIDEO_CODECS]
