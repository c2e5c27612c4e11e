"""A caller's browser that shares no video codec with the server (issue 23, bad input): Chromium as the
citizen, whose page renames the server's video codecs (VP8, H.264) in the offer it is given, so the browser
finds no codec it has on the video m-line and rejects it (port 0), as a browser without VP8 would. The
real desk, with the call accepted, says why there is no picture; the audio goes on both ways.

The browser here has VP8 (and H.264); the offer is what is changed, in the test page, not the browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.test_citizen_call import client_bundle  # noqa: F401 (a fixture)
from tests.e2e.test_softphone_audio import _tone_wav
from tests.e2e.test_video_call import CITIZEN_SCRIPT, _browser, _page, desk_on_shift, hotline  # noqa: F401
from tests.e2e.test_video_forwarding import _camera_y4m
from tests.integration.call_flow.conftest import info_queue_id, put_menu_on_main_line
from tests.integration.citizen.support import registered
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

pytestmark = [pytest.mark.e2e, pytest.mark.peers]

# The citizen's page hands the client a peer connection that sees VP8 and H.264 under names it does not know.
NO_VP8 = """
  const noVp8 = (config) => {
    const pc = new RTCPeerConnection(config);
    const apply = pc.setRemoteDescription.bind(pc);
    const renamed = (sdp) => sdp.replace(/(VP8|H264)\\/90000/g, 'X$1/90000');
    pc.setRemoteDescription = (d) => apply({type: d.type, sdp: renamed(d.sdp)});
    window.app.peer = pc;
    return pc;
  };
"""
CITIZEN_WITHOUT_VP8 = CITIZEN_SCRIPT.replace(
    "  const call = CitizenCall.startHotlineCall(token, null, {\n    video: true,",
    NO_VP8
    + "  const call = CitizenCall.startHotlineCall(token, null, {\n    video: true,\n    createPeer: noVp8,",
)


async def test_a_caller_without_a_common_video_codec_is_heard_and_the_desk_says_why_there_is_no_picture(
    hotline: RunningServer,  # noqa: F811
    client_bundle: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert "createPeer: noVp8" in CITIZEN_WITHOUT_VP8
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    device = await registered(hotline, "+79161112299")
    async with async_playwright() as playwright:
        operator_browser = await _browser(
            playwright, f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-1khz.wav', 1000.0)}"
        )
        citizen_browser = await _browser(
            playwright,
            f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-440.wav', 440.0)}",
            f"--use-file-for-fake-video-capture={_camera_y4m(tmp_path / 'citizen.y4m')}",
        )
        try:
            desk = await desk_on_shift(operator_browser, hotline)

            citizen = await _page(citizen_browser, hotline.base_url + "/app/")
            await citizen.add_script_tag(content=client_bundle)
            await citizen.evaluate(CITIZEN_WITHOUT_VP8, {"token": device.token})
            await citizen.wait_for_function("() => window.app.states.includes('connected')", timeout=25000)
            answer = await citizen.evaluate("window.app.peer.localDescription.sdp")
            assert "m=video 0 " in answer  # the browser rejected the video: no codec it has
            await expect(desk.get_by_test_id("offer-notice")).to_be_visible(timeout=30_000)
            await desk.keyboard.press("Alt+KeyA")  # «Принять»

            absent = desk.get_by_test_id("call-video-absent")
            await expect(absent).to_contain_text("нет общего видеокодека", timeout=15_000)
            await expect(desk.get_by_test_id("call-video-picture")).to_be_hidden()
            await keep_screenshot(desk.get_by_test_id("call-panel"), "video-call-no-common-codec")
            # The audio goes on: the app hears the operator's 1 kHz.
            await citizen.wait_for_function("() => window.app.heard1000 >= 20", timeout=20000)
            await desk.keyboard.press("Alt+KeyX")  # «Завершить разговор»
            await expect(desk.get_by_test_id("call-panel")).to_have_count(0, timeout=10_000)
        finally:
            await citizen_browser.close()
            await operator_browser.close()
