"""RTCP on a forwarded video stream (issue 23): RTX taken from the sending browser, the receiving
browser's NACKs answered as RTX with the leg's own SSRC and payload type, its REMB passed on to the
sending browser for that browser's own SSRC. aiortc's real sender is used (never started: no network);
the receiver is a stand-in that records what would be sent toward the sending browser."""

from __future__ import annotations

import asyncio
from typing import Any

from aiortc import RTCPeerConnection, RTCRtpCodecParameters
from aiortc.rtcrtpparameters import RTCRtpSendParameters
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RTCP_RTPFB_NACK,
    RtcpPsfbPacket,
    RtcpRtpfbPacket,
    RtpPacket,
    pack_remb_fci,
    unpack_remb_fci,
    wrap_rtx,
)

from c122.telephony.webrtc.video import VideoTap
from c122.telephony.webrtc.video_formats import VideoFormat
from c122.telephony.webrtc.video_sender import LegVideoSender

VP8 = VideoFormat("VP8", 96, 97)
H264 = VideoFormat("H264", 102, 103, "42e01f", "1")
CAMERA_SSRC = 0x1234
RTCP_SSRC = 0x9999


class Receiver:
    """What `VideoTap` calls on aiortc's receiver; RTCP toward the sending browser is recorded."""

    def __init__(self) -> None:
        self.sent: list[Any] = []
        self.nacks: list[list[int]] = []
        self._RTCRtpReceiver__rtcp_ssrc = RTCP_SSRC

    async def _handle_rtp_packet(self, packet: Any, arrival_time_ms: int) -> None:
        pass

    async def _send_rtcp_pli(self, ssrc: int) -> None:
        pass

    async def _send_rtcp_nack(self, ssrc: int, lost: list[int]) -> None:
        self.nacks.append(lost)

    async def _send_rtcp(self, packet: Any) -> None:
        self.sent.append(packet)


def _vp8(sequence: int, timestamp: int, marker: int = 1) -> RtpPacket:
    packet = RtpPacket(
        payload_type=VP8.payload_type, sequence_number=sequence, timestamp=timestamp, ssrc=CAMERA_SSRC
    )
    packet.payload = bytes([0x10]) + b"picture"  # VP8 descriptor (start of a partition), then data
    packet.marker = marker
    return packet


async def test_the_tap_nacks_a_gap_and_uses_the_browsers_rtx_as_the_lost_packet() -> None:
    receiver = Receiver()
    tap = VideoTap(receiver, lambda: [VP8])  # type: ignore[arg-type]
    track = tap.track()
    await tap._tapped(_vp8(100, 3000), 0)
    await tap._tapped(_vp8(102, 9000), 0)  # 101 lost
    assert receiver.nacks == [[101]]
    assert tap.nacked == 1
    rtx = wrap_rtx(_vp8(101, 6000), payload_type=VP8.rtx_payload_type, sequence_number=7, ssrc=0x5555)
    await tap._tapped(rtx, 0)
    assert tap.retransmissions == 1
    await tap._tapped(_vp8(103, 12000), 0)
    assert tap.pictures >= 2  # the retransmitted picture completed
    assert tap.format == VP8
    pictures = [await track.recv() for _ in range(tap.pictures)]
    assert all(bytes(p) == b"picture" for p in pictures)
    track.stop()


async def test_an_rtx_packet_of_a_payload_type_not_negotiated_is_dropped() -> None:
    receiver = Receiver()
    tap = VideoTap(receiver, lambda: [VideoFormat("VP8", 96, None)])  # type: ignore[arg-type]
    await tap._tapped(_vp8(100, 3000), 0)
    await tap._tapped(wrap_rtx(_vp8(101, 6000), payload_type=97, sequence_number=1, ssrc=5), 0)
    assert tap.retransmissions == 0
    assert tap.packets == 1


async def test_the_lowest_remb_of_the_following_legs_goes_to_the_sending_browser_for_its_own_ssrc() -> None:
    receiver = Receiver()
    tap = VideoTap(receiver, lambda: [VP8])  # type: ignore[arg-type]
    operator, supervisor = tap.track(), tap.track()
    operator.estimate(900_000)  # the camera's SSRC is not known yet: nothing to address
    assert receiver.sent == []
    await tap._tapped(_vp8(1, 3000), 0)
    operator.estimate(800_000)
    supervisor.estimate(300_000)
    supervisor.estimate(300_000)  # unchanged: not sent again
    await asyncio.sleep(0)
    rembs = [p for p in receiver.sent if isinstance(p, RtcpPsfbPacket) and p.fmt == RTCP_PSFB_APP]
    assert [unpack_remb_fci(p.fci) for p in rembs] == [(800_000, [CAMERA_SSRC]), (300_000, [CAMERA_SSRC])]
    assert all(p.ssrc == RTCP_SSRC for p in rembs)
    assert tap.estimates_forwarded == 2
    for track in (operator, supervisor):
        track.stop()


async def _sender() -> tuple[RTCPeerConnection, LegVideoSender, Any, list[bytes], list[int]]:
    pc = RTCPeerConnection()
    transceiver = pc.addTransceiver("video", direction="sendonly")
    aiortc_sender = transceiver.sender

    async def not_started(parameters: Any) -> None:  # no transport here: aiortc's RTP loop is not run
        pass

    aiortc_sender.send = not_started
    sent: list[bytes] = []

    async def capture(data: bytes) -> None:
        sent.append(data)

    aiortc_sender.transport._send_rtp = capture
    estimates: list[int] = []
    return pc, LegVideoSender(aiortc_sender, estimates.append), aiortc_sender, sent, estimates


async def test_the_leg_sender_switches_format_and_answers_its_browsers_nack_as_rtx_of_that_format() -> None:
    pc, sender, aiortc_sender, sent, _ = await _sender()
    try:
        codecs = [
            RTCRtpCodecParameters("video/VP8", 90000, payloadType=96),
            RTCRtpCodecParameters("video/rtx", 90000, payloadType=97, parameters={"apt": 96}),
            RTCRtpCodecParameters(
                "video/H264", 90000, payloadType=102, parameters={"packetization-mode": "1"}
            ),
            RTCRtpCodecParameters("video/rtx", 90000, payloadType=103, parameters={"apt": 102}),
        ]
        parameters = RTCRtpSendParameters(codecs=codecs)
        await aiortc_sender.send(parameters)
        assert parameters.codecs[0] is not codecs[0]  # its own copy: the negotiated list is untouched
        sender.use(H264)
        assert parameters.codecs[0].mimeType == "video/H264"
        assert parameters.codecs[0].payloadType == 102
        assert codecs[0].mimeType == "video/VP8"
        assert aiortc_sender._RTCRtpSender__rtx_payload_type == 103
        assert sender.format == H264

        original = RtpPacket(payload_type=102, sequence_number=500, timestamp=1, ssrc=aiortc_sender._ssrc)
        original.payload = b"nal"
        aiortc_sender._RTCRtpSender__rtp_history[500 % 128] = original
        nack = RtcpRtpfbPacket(fmt=RTCP_RTPFB_NACK, ssrc=1, media_ssrc=aiortc_sender._ssrc)
        nack.lost = [500, 501]  # 501 was never sent: nothing to send again
        await aiortc_sender._handle_rtcp_packet(nack)
        assert sender.nacked == 2
        assert sender.retransmitted == 1
        (again,) = [RtpPacket.parse(data) for data in sent]
        assert again.payload_type == 103
        assert again.ssrc == aiortc_sender._rtx_ssrc
        assert again.payload[2:] == b"nal"  # after RTX's original sequence number
    finally:
        await pc.close()


async def test_the_leg_sender_passes_on_its_browsers_remb_for_its_own_ssrc_only() -> None:
    pc, sender, aiortc_sender, _, estimates = await _sender()
    try:
        ours = RtcpPsfbPacket(
            fmt=RTCP_PSFB_APP, ssrc=1, media_ssrc=0, fci=pack_remb_fci(700_000, [aiortc_sender._ssrc])
        )
        other = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=1, media_ssrc=0, fci=pack_remb_fci(100_000, [42]))
        await aiortc_sender._handle_rtcp_packet(ours)
        await aiortc_sender._handle_rtcp_packet(other)
        assert estimates == [700_000]
        assert sender.estimates == 1
    finally:
        await pc.close()
