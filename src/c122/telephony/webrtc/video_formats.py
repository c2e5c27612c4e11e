"""The video formats a browser leg may carry, and which format of a receiving leg can show a picture.

Nothing is transcoded: a picture goes from one leg to another only in a codec both negotiated. The
server offers VP8 first, then H.264 (constrained baseline 42e01f, baseline 42001f), each with RTX; a
browser that keeps the offer's order sends VP8, so VP8 is used unless a browser prefers H.264 or has
no VP8. H.264 is offered with packetization-mode 1 only, because the server packs pictures again (FU-A,
STAP-A) and mode 0 (one NAL unit per packet) cannot carry a NAL unit larger than a packet. Which H.264
formats match follows RFC 6184: the same packetization-mode and a compatible profile (the level may
differ: pictures go from one browser to another, each sending at the level it announced).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from aiortc import RTCRtpCodecCapability, RTCRtpCodecParameters, RTCRtpSender
from aiortc.sdp import H264Profile, parse_h264_profile_level_id

FORWARDED_CODECS: Final = ("VP8", "H264")  # the server's order of preference
H264_PACKETIZATION_MODE: Final = "1"
_DEFAULT_PROFILE_LEVEL_ID: Final = "42e01f"  # RFC 6184: constrained baseline 3.1 when absent
# A constrained-baseline stream is also a baseline one (RFC 6184 8.1: a subset), not the reverse.
_DECODABLE_AS: Final = {
    H264Profile.PROFILE_CONSTRAINED_BASELINE: {
        H264Profile.PROFILE_CONSTRAINED_BASELINE,
        H264Profile.PROFILE_BASELINE,
    },
}


@dataclass(frozen=True, slots=True)
class VideoFormat:
    """One negotiated video format of a leg: its codec, payload type and RTX payload type (if any)."""

    codec: str  # "VP8" or "H264"
    payload_type: int
    rtx_payload_type: int | None = None
    profile_level_id: str | None = None  # H.264 only
    packetization_mode: str | None = None  # H.264 only

    @property
    def label(self) -> str:
        """How stats and the desk name it: "VP8", "H264 42e01f"."""
        return f"{self.codec} {self.profile_level_id}" if self.profile_level_id else self.codec


def offered_capabilities() -> list[RTCRtpCodecCapability]:
    """What a leg offers, in order: VP8, H.264 (packetization-mode 1) and RTX for each."""
    available = RTCRtpSender.getCapabilities("video").codecs
    wanted = [cap for name in FORWARDED_CODECS for cap in available if _name(cap.mimeType) == name]
    media = [
        cap
        for cap in wanted
        if cap.parameters.get("packetization-mode", "1") == "1" or _name(cap.mimeType) != "H264"
    ]
    rtx = [cap for cap in available if _name(cap.mimeType) == "RTX"]
    return media + rtx


def negotiated_formats(codecs: Sequence[RTCRtpCodecParameters]) -> list[VideoFormat]:
    """The forwardable formats of a leg's negotiated codecs, in the leg's order, with their RTX."""
    rtx = {
        apt: codec.payloadType
        for codec in codecs
        if _name(codec.mimeType) == "RTX" and isinstance(apt := codec.parameters.get("apt"), int)
    }
    formats = []
    for codec in codecs:
        name = _name(codec.mimeType)
        if name not in FORWARDED_CODECS or codec.payloadType is None:
            continue
        if name == "H264":
            mode = str(codec.parameters.get("packetization-mode", "0"))
            if mode != H264_PACKETIZATION_MODE:
                continue
            profile = str(codec.parameters.get("profile-level-id", _DEFAULT_PROFILE_LEVEL_ID)).lower()
            formats.append(VideoFormat(name, codec.payloadType, rtx.get(codec.payloadType), profile, mode))
        else:
            formats.append(VideoFormat(name, codec.payloadType, rtx.get(codec.payloadType)))
    return formats


def can_show(source: VideoFormat, receiver: VideoFormat) -> bool:
    """Can a leg that negotiated `receiver` be sent pictures that arrived in `source`?"""
    if source.codec != receiver.codec:
        return False
    if source.codec != "H264":
        return True
    if source.packetization_mode != receiver.packetization_mode:
        return False
    sent, shown = _profile(source), _profile(receiver)
    if sent is None or shown is None:
        return False
    return shown == sent or shown in _DECODABLE_AS.get(sent, set())


def format_for(source: VideoFormat, receiver_formats: Sequence[VideoFormat]) -> VideoFormat | None:
    """The receiving leg's format to send `source`'s pictures in: the same profile first."""
    matching = [f for f in receiver_formats if can_show(source, f)]
    same = [f for f in matching if f.profile_level_id == source.profile_level_id]
    chosen = same or matching
    return chosen[0] if chosen else None


def _profile(video_format: VideoFormat) -> H264Profile | None:
    try:
        return parse_h264_profile_level_id(video_format.profile_level_id or _DEFAULT_PROFILE_LEVEL_ID)[0]
    except ValueError:
        return None


def _name(mime_type: str) -> str:
    return mime_type.split("/", 1)[-1].upper()
