"""A leg's video sender (aiortc's) made to follow what it forwards: its format, and its browser's RTCP.

aiortc's sender packs every picture in the first codec the leg negotiated. A leg that negotiated VP8
and H.264 may be shown a VP8 caller on one call and an H.264 caller on the next, so the format it packs
with is switched between pictures (`use`): the payload type, the packer and the RTX payload type of the
leg's matching format. The leg's SSRC and sequence numbers go on; the new source is asked for a key
frame by the outlet's switch anyway.

From the receiving browser: NACKs are answered by aiortc from the packets it sent (as RTX where
negotiated; counted here), and its REMB goes to the outlet, which passes it on to the sending browser.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiortc import RTCRtpCodecParameters, RTCRtpSender
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_RTPFB_NACK,
    AnyRtcpPacket,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    unpack_remb_fci,
)

from c122.telephony.webrtc.video_formats import VideoFormat

RTP_HISTORY_SIZE: Final = 128  # aiortc's sender keeps this many packets for retransmission
_PRIVATE = "_RTCRtpSender__"  # aiortc's sender keeps these name-mangled; checked when wrapped


class LegVideoSender:
    def __init__(self, sender: RTCRtpSender, on_estimate: Callable[[int], None]) -> None:
        for needed in ("send", "_handle_rtcp_packet", "_retransmit"):
            if not hasattr(sender, needed):
                raise RuntimeError(f"this aiortc's RTCRtpSender has no {needed}")
        self._sender = sender
        self._on_estimate = on_estimate
        self._codec: RTCRtpCodecParameters | None = None  # the one aiortc's RTP loop packs with
        self._wanted: VideoFormat | None = None
        self.format: VideoFormat | None = None
        self.nacked = 0  # packets its browser asked again
        self.retransmitted = 0  # of those, sent again (RTX where negotiated)
        self.estimates = 0  # REMBs from its browser
        self._send: Callable[[Any], Awaitable[None]] = sender.send
        self._handle_rtcp: Callable[[AnyRtcpPacket], Awaitable[None]] = sender._handle_rtcp_packet
        self._retransmit: Callable[[int], Awaitable[None]] = sender._retransmit
        setattr(sender, "send", self._started)  # noqa: B010
        setattr(sender, "_handle_rtcp_packet", self._rtcp)  # noqa: B010
        setattr(sender, "_retransmit", self._again)  # noqa: B010

    def use(self, video_format: VideoFormat) -> None:
        """Packs the next picture in `video_format` (one of the leg's negotiated formats)."""
        self._wanted = video_format
        codec = self._codec
        if codec is None or video_format == self.format:
            return
        codec.mimeType = f"video/{video_format.codec}"
        codec.payloadType = video_format.payload_type
        setattr(self._sender, f"{_PRIVATE}encoder", None)  # made again for the codec at the next picture
        setattr(self._sender, f"{_PRIVATE}rtx_payload_type", video_format.rtx_payload_type)
        self.format = video_format

    async def _started(self, parameters: Any) -> None:
        if self._codec is None and parameters.codecs:
            # A copy of its own: the transceiver's negotiated list stays as negotiated.
            self._codec = copy.deepcopy(parameters.codecs[0])
            parameters.codecs = [self._codec, *parameters.codecs[1:]]
        await self._send(parameters)
        if self._wanted is not None:
            self.use(self._wanted)

    async def _rtcp(self, packet: AnyRtcpPacket) -> None:
        if isinstance(packet, RtcpRtpfbPacket) and packet.fmt == RTCP_RTPFB_NACK:
            self.nacked += len(packet.lost)
        elif isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
            except ValueError:
                bitrate, ssrcs = 0, []
            if self._sender._ssrc in ssrcs:
                self.estimates += 1
                self._on_estimate(bitrate)
        await self._handle_rtcp(packet)

    async def _again(self, sequence_number: int) -> None:
        history: dict[int, Any] = getattr(self._sender, f"{_PRIVATE}rtp_history", {})
        kept = history.get(sequence_number % RTP_HISTORY_SIZE)
        if kept is not None and kept.sequence_number == sequence_number:
            self.retransmitted += 1
        await self._retransmit(sequence_number)
