"""H.264 and loss on a video call from the citizen app (issue 23), in Chromium.

H.264: the citizen's page prefers H.264 only (`RTCRtpTransceiver.setCodecPreferences` on its answer),
so its browser sends H.264 while the operator's leg (which negotiated VP8 and H.264) is sent the same
pictures packed in its own H.264 format; the operator's canvas samples the caller's green, the server's
stats and the desk's `rtc.video` name H.264.

Loss: a few per cent of video RTP packets are dropped in each direction inside the test, on loopback,
where the server receives the caller's packets and where it sends the operator's (RTX and RTCP pass).
The server must NACK the caller's browser, which retransmits (RTX, unwrapped and used); the operator's
browser must NACK the server, which retransmits (RTX); the pictures keep arriving. Without RTX
negotiated and the receiving browser's NACKs answered the counts stay at zero and the test fails."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import async_playwright

from c122.telephony.webrtc.video_routes import VideoStats
from tests.e2e.test_citizen_call import client_bundle  # noqa: F401 (a fixture)
from tests.e2e.test_softphone_audio import _tone_wav
from tests.e2e.test_video_call import CITIZEN_SCRIPT, OPERATOR_SCRIPT, _browser, _page, hotline  # noqa: F401
from tests.e2e.test_video_forwarding import _camera_y4m
from tests.integration.call_flow.conftest import info_queue_id, put_menu_on_main_line
from tests.integration.citizen.support import registered
from tests.support.polling import until
from tests.support.server import RunningServer

pytestmark = [pytest.mark.e2e, pytest.mark.peers]

# The citizen's page answers the server's offer preferring H.264 only (and its RTX): what it receives.
# What it sends is picked from the offer (VP8 first), so the page also picks H.264 for its camera
# (`encodings[0].codec`), as a browser without VP8 would send.
H264_ONLY = """
  const h264Only = (config) => {
    const pc = new RTCPeerConnection(config);
    const apply = pc.setRemoteDescription.bind(pc);
    const video = () => pc.getTransceivers().filter((t) => t.receiver.track.kind === 'video');
    pc.setRemoteDescription = async (d) => {
      await apply(d);
      const wanted = RTCRtpReceiver.getCapabilities('video').codecs
        .filter((c) => c.mimeType === 'video/H264' || c.mimeType === 'video/rtx');
      video().forEach((t) => t.setCodecPreferences(wanted));
    };
    const answer = pc.setLocalDescription.bind(pc);
    pc.setLocalDescription = async (d) => {
      await answer(d);
      for (const t of video()) {
        const parameters = t.sender.getParameters();
        const h264 = parameters.codecs.find((c) => c.mimeType === 'video/H264');
        if (!h264 || !parameters.encodings.length) continue;
        parameters.encodings[0].codec = h264;
        await t.sender.setParameters(parameters);
      }
    };
    window.app.peer = pc;
    return pc;
  };
"""
START = "  const call = CitizenCall.startHotlineCall(token, null, {\n    video: true,"
CITIZEN_H264 = CITIZEN_SCRIPT.replace(START, H264_ONLY + START + "\n    createPeer: h264Only,")
CITIZEN_KEPT = CITIZEN_SCRIPT.replace(
    START,
    "  const kept = (config) => (window.app.peer = new RTCPeerConnection(config));\n"
    + START
    + "\n    createPeer: kept,",
)

# The video RTP stream's counters in a page's own stats (outbound: the camera; inbound: the picture).
RTP_STATS = """
async (type) => {
  const pc = window.app ? window.app.peer : window.op.pc;
  const found = {};
  (await pc.getStats()).forEach((s) => {
    if (s.type === type && s.kind === 'video') Object.assign(found, s);
  });
  return found;
}
"""


async def _call_up(server: RunningServer, tmp_path: Path, playwright: Any, number: str):  # type: ignore[no-untyped-def]
    """Both browsers, the operator's leg connected and ready; the citizen's page opened."""
    await put_menu_on_main_line(server, await info_queue_id(server))
    device = await registered(server, number)
    operator_browser = await _browser(
        playwright, f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-1khz.wav', 1000.0)}"
    )
    citizen_browser = await _browser(
        playwright,
        f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-440.wav', 440.0)}",
        f"--use-file-for-fake-video-capture={_camera_y4m(tmp_path / 'citizen.y4m')}",
    )
    operator = await _page(operator_browser, server.base_url + "/api/v1/health")
    login = {"login": "operator1", "password": server.passwords["operator1"]}
    await operator.evaluate(
        OPERATOR_SCRIPT.replace("const pc = new", "const pc = window.op.pc = new"),
        {"login": login, "camera": False},
    )
    await operator.wait_for_function("() => window.op.legs.includes('connected')", timeout=20000)
    assert await operator.evaluate("window.ready()") == 200
    citizen = await _page(citizen_browser, server.base_url + "/app/")
    return operator_browser, citizen_browser, operator, citizen, device


def _legs(server: RunningServer) -> tuple[str, str]:
    """(the caller's channel, the operator leg's channel that shows it)."""
    telephony = server.application.telephony
    assert telephony is not None
    (caller,) = [c.id for c in telephony.control.channels if c.direction == "inbound"]
    shown = [
        c.id
        for c in telephony.control.channels
        if (seen := telephony.video.seen_by(c.id)) is not None and seen.source == caller
    ]
    assert len(shown) == 1
    return caller, shown[0]


def _stats(server: RunningServer, channel_id: str) -> VideoStats:
    telephony = server.application.telephony
    assert telephony is not None
    stats = telephony.video.stats(channel_id)
    assert stats is not None
    return stats


async def test_a_caller_whose_browser_prefers_h264_is_seen_by_the_operator_in_h264(
    hotline: RunningServer,  # noqa: F811
    client_bundle: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert "createPeer: h264Only" in CITIZEN_H264
    async with async_playwright() as playwright:
        operator_browser, citizen_browser, operator, citizen, device = await _call_up(
            hotline, tmp_path, playwright, "+79161112277"
        )
        try:
            await citizen.add_script_tag(content=client_bundle)
            await citizen.evaluate(CITIZEN_H264, {"token": device.token})
            await citizen.wait_for_function("() => window.app.states.includes('connected')", timeout=25000)
            answer = await citizen.evaluate("window.app.peer.localDescription.sdp")
            video_section = answer.split("m=video", 1)[1].split("\nm=", 1)[0]
            assert "VP8/90000" not in video_section
            assert "H264/90000" in video_section

            await operator.wait_for_function("() => window.op.accepted === 1", timeout=30000)
            await operator.wait_for_function("() => window.op.green >= 10", timeout=20000)
            caller, operator_leg = _legs(hotline)
            assert (_stats(hotline, caller).codec or "").startswith("H264")
            assert (_stats(hotline, operator_leg).sent_codec or "").startswith("H264")
            assert _stats(hotline, caller).key_frame_requests > 0  # asked when the operator joined
            camera = await citizen.evaluate(RTP_STATS, "outbound-rtp")
            assert camera["framesEncoded"] > 0, camera
            sent = await citizen.evaluate(
                "async (id) => { let m = null; (await window.app.peer.getStats()).forEach((r) => "
                "{ if (r.id === id) m = r.mimeType; }); return m; }",
                camera["codecId"],
            )
            assert sent == "video/H264", sent
            codecs = await operator.evaluate("window.op.codecs")
            assert any(c and c.startswith("H264") for c in codecs), codecs
            seen = await operator.evaluate("window.op")
        finally:
            await citizen_browser.close()
            await operator_browser.close()
    assert seen["black"] == 0


def _lossy(send: Callable[..., Awaitable[Any]], payload_type: Callable[[Any], bool], dropped: list[int]):  # type: ignore[no-untyped-def]
    """Drops ~8 % of the packets `payload_type` says are video media (not RTX, not RTCP)."""
    chance = random.Random(23)

    async def lossy(item: Any, *args: Any, **kwargs: Any) -> Any:
        if payload_type(item) and chance.random() < 0.08:
            dropped.append(1)
            return None
        return await send(item, *args, **kwargs)

    return lossy


async def test_video_loss_is_repaired_by_nack_and_rtx_on_both_legs_and_the_pictures_keep_arriving(
    hotline: RunningServer,  # noqa: F811
    client_bundle: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    async with async_playwright() as playwright:
        operator_browser, citizen_browser, operator, citizen, device = await _call_up(
            hotline, tmp_path, playwright, "+79161112288"
        )
        try:
            await citizen.add_script_tag(content=client_bundle)
            await citizen.evaluate(CITIZEN_KEPT, {"token": device.token})
            await operator.wait_for_function("() => window.op.accepted === 1", timeout=30000)
            await operator.wait_for_function("() => window.op.green >= 10", timeout=20000)
            caller, operator_leg = _legs(hotline)
            telephony = hotline.application.telephony
            assert telephony is not None
            caller_video = telephony.video.video_of(caller)
            operator_video = telephony.video.video_of(operator_leg)
            assert caller_video is not None
            assert operator_video is not None
            media = {f.payload_type for f in caller_video.formats}
            to_operator = {f.payload_type for f in operator_video.formats}

            # Caller -> server: dropped where the server receives them, before the tap.
            into_server: list[int] = []
            receiver = caller_video._transceiver.receiver
            receiver._handle_rtp_packet = _lossy(  # type: ignore[method-assign]
                receiver._handle_rtp_packet, lambda p: p.payload_type in media, into_server
            )
            # Server -> operator: dropped where the operator's leg hands them to DTLS-SRTP.
            out_of_server: list[int] = []
            transport = operator_video._transceiver.sender.transport
            transport._send_rtp = _lossy(  # type: ignore[method-assign]
                transport._send_rtp,
                lambda data: len(data) > 12 and data[0] >> 6 == 2 and data[1] & 0x7F in to_operator,
                out_of_server,
            )
            green = await operator.evaluate("window.op.green")
            before = _stats(hotline, caller), _stats(hotline, operator_leg)

            # Lossy video until at least 8 packets were lost each way (a few seconds at this camera's
            # ~20 packets a second); the pictures keep coming meanwhile (50 green samples, 5 s).
            async def lost() -> int:
                return min(len(into_server), len(out_of_server))

            await until(lost, lambda n: n >= 8, timeout=40)
            await operator.wait_for_function(f"() => window.op.green >= {green + 50}", timeout=20000)
            caller_stats, operator_stats = _stats(hotline, caller), _stats(hotline, operator_leg)
            # The server NACKed the caller's browser, which sent RTX back, used by the tap.
            assert caller_stats.nacked > before[0].nacked

            async def caller_now() -> VideoStats:
                return _stats(hotline, caller)

            await until(caller_now, lambda s: s.retransmissions > before[0].retransmissions)
            camera = await citizen.evaluate(RTP_STATS, "outbound-rtp")
            assert camera["nackCount"] > 0, camera
            assert camera["retransmittedPacketsSent"] > 0, camera
            # The operator's browser NACKed the server, which retransmitted (RTX) toward it.
            assert operator_stats.nacked_by_browser > before[1].nacked_by_browser
            assert operator_stats.retransmitted > before[1].retransmitted
            picture = await operator.evaluate(RTP_STATS, "inbound-rtp")
            assert picture["nackCount"] > 0, picture
            if "retransmittedPacketsReceived" in picture:
                assert picture["retransmittedPacketsReceived"] > 0, picture
            # The operator's browser's bandwidth estimate reached the caller's (REMB, SSRC rewritten).
            assert operator_stats.estimates_from_browser > 0
            assert caller_stats.estimates_forwarded > 0
            seen = await operator.evaluate("window.op")
        finally:
            await citizen_browser.close()
            await operator_browser.close()
    assert seen["black"] == 0
