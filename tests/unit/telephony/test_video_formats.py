"""Which video formats a leg offers and negotiates, and which format of a receiving leg shows a source
(issue 23: H.264 next to VP8, RFC 6184's profile and packetization-mode rules)."""

from __future__ import annotations

from aiortc import RTCPeerConnection, RTCRtpCodecParameters, RTCSessionDescription

from c122.telephony.webrtc.peer_video import PeerVideo
from c122.telephony.webrtc.video_formats import (
    VideoFormat,
    can_show,
    format_for,
    negotiated_formats,
    offered_capabilities,
)

VP8 = VideoFormat("VP8", 96, 97)
CB = VideoFormat("H264", 102, 103, "42e01f", "1")  # constrained baseline 3.1
BASELINE = VideoFormat("H264", 104, 105, "42001f", "1")
MAIN = VideoFormat("H264", 106, 107, "4d001f", "1")
CB_LEVEL_4 = VideoFormat("H264", 108, None, "42e028", "1")
CB_MODE_0 = VideoFormat("H264", 110, None, "42e01f", "0")


def test_a_leg_offers_vp8_first_then_h264_in_packetization_mode_1_and_rtx() -> None:
    names = [(c.mimeType, c.parameters.get("packetization-mode")) for c in offered_capabilities()]
    assert names[0] == ("video/VP8", None)
    assert ("video/H264", "1") in names
    assert all(mode in (None, "1") for _, mode in names)
    assert names[-1][0] == "video/rtx"


def test_negotiated_formats_keep_the_order_pair_rtx_by_apt_and_drop_what_cannot_be_packed() -> None:
    codecs = [
        RTCRtpCodecParameters(
            "video/H264",
            90000,
            payloadType=102,
            parameters={"packetization-mode": "1", "profile-level-id": "42E01F"},
        ),
        RTCRtpCodecParameters("video/rtx", 90000, payloadType=103, parameters={"apt": 102}),
        RTCRtpCodecParameters(
            "video/H264", 90000, payloadType=110, parameters={"profile-level-id": "42e01f"}
        ),
        RTCRtpCodecParameters("video/VP8", 90000, payloadType=96),
        RTCRtpCodecParameters("video/VP9", 90000, payloadType=98),
    ]
    assert negotiated_formats(codecs) == [
        VideoFormat("H264", 102, 103, "42e01f", "1"),  # mode 0 (the default) is left out
        VideoFormat("VP8", 96, None),
    ]


def test_h264_is_shown_only_in_the_same_packetization_mode_and_a_compatible_profile() -> None:
    assert can_show(CB, BASELINE)  # constrained baseline is a subset of baseline
    assert not can_show(BASELINE, CB)
    assert not can_show(MAIN, CB)
    assert can_show(CB, CB_LEVEL_4)  # the level may differ
    assert not can_show(CB, CB_MODE_0)
    assert not can_show(VP8, CB)
    assert not can_show(CB, VP8)
    assert can_show(VP8, VideoFormat("VP8", 120))


def test_the_receiving_leg_sends_in_its_format_of_the_same_profile_first() -> None:
    assert format_for(CB, [VP8, BASELINE, CB]) == CB
    assert format_for(CB, [VP8, BASELINE]) == BASELINE
    assert format_for(CB, [VP8]) is None
    assert format_for(VP8, [CB, VP8]) == VP8


def _keep_only(sdp: str, codecs: list[str]) -> str:
    """The answer of a browser that keeps only `codecs` (and their RTX) on the video m-line, as
    Chromium's answer after `setCodecPreferences` (aiortc's own answer ignores its preferences)."""
    lines = sdp.splitlines()
    names = {
        int(line.split()[0][9:]): line.split()[1].split("/")[0]
        for line in lines
        if line.startswith("a=rtpmap:")
    }
    apt = {int(line.split()[0][7:]): int(line.split("apt=")[1]) for line in lines if "apt=" in line}
    kept = {pt for pt, name in names.items() if name in codecs}
    kept |= {pt for pt, base in apt.items() if base in kept}
    dropped = set(names) - kept
    out = []
    for line in lines:
        if line.startswith("m=video"):
            fields = line.split()
            line = " ".join(fields[:3] + [pt for pt in fields[3:] if int(pt) not in dropped])
        elif (
            line.startswith(("a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"))
            and int(line.split(":", 1)[1].split()[0]) in dropped
        ):
            continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"


async def _negotiate(answerer_codecs: list[str]) -> PeerVideo:
    """A leg's offer answered by aiortc standing in for a browser that prefers `answerer_codecs`."""
    server, browser = RTCPeerConnection(), RTCPeerConnection()
    try:
        video = PeerVideo(server)
        await server.setLocalDescription(await server.createOffer())
        await browser.setRemoteDescription(server.localDescription)
        await browser.setLocalDescription(await browser.createAnswer())
        answer = _keep_only(browser.localDescription.sdp, answerer_codecs)
        await server.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        video.accepted(answer, server.localDescription.sdp)
        return video
    finally:
        await server.close()
        await browser.close()


async def test_a_browser_preferring_h264_sends_h264_and_a_default_one_vp8_with_rtx_each() -> None:
    h264 = await _negotiate(["H264"])
    assert h264.unavailable is None
    assert h264.sent_format is not None
    assert h264.sent_format.codec == "H264"
    assert h264.sent_format.packetization_mode == "1"
    assert h264.sent_format.rtx_payload_type is not None
    assert {f.codec for f in h264.formats} == {"H264"}  # what it receives
    assert [f.codec for f in h264.receivable][:1] == ["VP8"]  # what it may send: the whole offer

    both = await _negotiate(["VP8", "H264"])
    assert both.sent_format is not None
    assert both.sent_format.codec == "VP8"  # VP8 stays preferred
    assert [f.codec for f in both.formats][:1] == ["VP8"]
    assert "H264" in {f.codec for f in both.formats}
    # This leg can be shown the H.264 caller, in its own H.264 format.
    assert both.shows(h264) is not None
    assert both.shows(h264).codec == "H264"  # type: ignore[union-attr]


async def test_a_vp8_only_leg_cannot_be_shown_an_h264_only_caller() -> None:
    h264 = await _negotiate(["H264"])
    vp8 = await _negotiate(["VP8"])
    assert vp8.shows(h264) is None
    assert h264.shows(vp8) is None
