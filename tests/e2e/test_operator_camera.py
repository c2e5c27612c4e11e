"""The operator's own camera on a video call from the app (TEL-25), behind the group's setting.

Chromium as the citizen (green fake camera) and Chromium as the operator (blue fake camera). Where the
operator's group allows it, the operator's picture reaches the app (sampled blue on a canvas there);
where it forbids it, the server's offer has the video sendonly, so the operator's page, which puts its
camera on the offered m-line anyway, can only answer recvonly, and the app receives no picture at all,
while the operator still sees the caller. The real desk and the real app screen are driven once with
the camera allowed: «Включить камеру» on the desk, the operator's picture on the app's call screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Playwright, async_playwright, expect

from tests.e2e.test_citizen_call import client_bundle  # noqa: F401 (a fixture)
from tests.e2e.test_softphone_audio import _tone_wav
from tests.e2e.test_video_call import (
    CITIZEN_SCRIPT,
    DESK_GREEN,
    OPERATOR_SCRIPT,
    _browser,
    _page,
    desk_on_shift,
    hotline,  # noqa: F401 (a fixture)
)
from tests.e2e.test_video_forwarding import BLUE, _camera_y4m
from tests.integration.call_flow.conftest import info_queue_id, put_menu_on_main_line
from tests.integration.citizen.support import registered
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

pytestmark = [pytest.mark.e2e, pytest.mark.peers]


async def _allow_camera(server: RunningServer, allowed: bool) -> None:
    """operator1's home group (its first) lets its operators send their camera, or not."""
    admin = await server.signed_in("admin")
    (user,) = (await admin.http.get("/api/v1/admin/users", params={"q": "operator1"})).json()["items"]
    group = min(user["group_ids"])
    changed = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json={"operator_camera": allowed})
    assert (changed.status_code, changed.json()["operator_camera"]) == (200, allowed), changed.text
    await admin.http.aclose()


def _app_leg_source(server: RunningServer) -> str | None:
    """Whose camera the server forwards to the app's leg (None: nobody's)."""
    telephony = server.application.telephony
    assert telephony is not None
    (channel,) = [c for c in telephony.control.channels if c.direction == "inbound"]
    seen = telephony.video.seen_by(channel.id)
    return seen.source if seen is not None else None


@pytest.mark.parametrize("allowed", [True, False], ids=["group-allows", "group-forbids"])
async def test_the_operators_camera_reaches_the_app_only_where_the_group_allows_it(
    hotline: RunningServer,  # noqa: F811
    client_bundle: str,  # noqa: F811
    tmp_path: Path,
    allowed: bool,
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    await _allow_camera(hotline, allowed)
    device = await registered(hotline, "+79161112277")
    async with async_playwright() as playwright:
        operator_browser, citizen_browser = await camera_browsers(playwright, tmp_path)
        try:
            operator = await _page(operator_browser, hotline.base_url + "/api/v1/health")
            login = {"login": "operator1", "password": hotline.passwords["operator1"]}
            await operator.evaluate(OPERATOR_SCRIPT, {"login": login, "camera": True})
            await operator.wait_for_function("() => window.op.legs.includes('connected')", timeout=20000)
            assert await operator.evaluate("window.ready()") == 200
            direction = "sendrecv" if allowed else "sendonly"
            assert await operator.evaluate("window.op.offers") == [{"camera": allowed, "video": direction}]
            answer = (await operator.evaluate("window.op.answers"))[-1]
            video_answer = answer.split("m=video")[1]
            assert ("a=sendrecv" if allowed else "a=recvonly") in video_answer

            citizen = await _page(citizen_browser, hotline.base_url + "/app/")
            await citizen.add_script_tag(content=client_bundle)
            await citizen.evaluate(CITIZEN_SCRIPT, {"token": device.token})
            await operator.wait_for_function("() => window.op.accepted === 1", timeout=40000)
            # The operator sees the caller either way.
            await operator.wait_for_function("() => window.op.green >= 10", timeout=20000)
            if allowed:
                await citizen.wait_for_function("() => window.app.operatorBlue >= 10", timeout=20000)
                assert _app_leg_source(hotline) is not None
            else:
                await citizen.wait_for_timeout(4000)  # four more seconds of the call: still no picture
                assert await citizen.evaluate("window.app.operatorFrames") == 0
                assert _app_leg_source(hotline) is None
            assert await operator.evaluate("window.hangUp()") == 204
        finally:
            await citizen_browser.close()
            await operator_browser.close()


async def test_the_desk_turns_the_operators_camera_on_and_the_apps_call_screen_shows_it(
    hotline: RunningServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The real desk and the real app screen (/app, «Позвонить на линию») at a phone's size."""
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    await _allow_camera(hotline, True)
    device = await registered(hotline, "+79161112288")
    async with async_playwright() as playwright:
        operator_browser = await _browser(
            playwright,
            f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-1khz.wav', 1000.0)}",
            f"--use-file-for-fake-video-capture={_camera_y4m(tmp_path / 'operator.y4m', colour=BLUE)}",
        )
        citizen_browser = await _browser(
            playwright,
            f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-440.wav', 440.0)}",
            f"--use-file-for-fake-video-capture={_camera_y4m(tmp_path / 'citizen.y4m')}",
        )
        try:
            desk = await desk_on_shift(operator_browser, hotline)

            app_context = await citizen_browser.new_context(
                locale="ru-RU",
                viewport={"width": 390, "height": 844},
                permissions=["microphone", "camera"],
            )
            app = await app_context.new_page()
            await app.goto(hotline.base_url + "/app/")
            await app.evaluate(
                "(s) => localStorage.setItem('c122.citizen.device', JSON.stringify(s))",
                {"deviceId": device.device_id, "token": device.token, "phone": "+79161112288"},
            )
            await app.goto(hotline.base_url + "/app/")
            await app.get_by_test_id("call-line").click()
            await expect(app.get_by_test_id("call-state")).to_have_attribute(
                "data-state", "connected", timeout=25_000
            )
            await app.get_by_test_id("call-key-1").click()
            await expect(desk.get_by_test_id("offer-notice")).to_be_visible(timeout=30_000)
            await desk.keyboard.press("Alt+KeyA")  # «Принять»
            await desk.wait_for_function(DESK_GREEN, timeout=15_000)

            operator_picture = app.get_by_test_id("call-operator-video")
            await expect(operator_picture).to_have_attribute("data-showing", "false")
            camera = desk.get_by_test_id("call-camera")
            await expect(camera).to_have_text("Включить камеру")
            await camera.click()
            await expect(camera).to_have_attribute("data-on", "true")
            await expect(desk.get_by_test_id("call-camera-preview")).to_be_visible()
            await expect(operator_picture).to_have_attribute("data-showing", "true", timeout=15_000)
            await app.wait_for_timeout(1000)  # a few pictures in, for the screenshot
            await keep_screenshot(desk, "video-call-operator-camera-desk")
            await keep_screenshot(app, "video-call-operator-camera-app")

            await camera.click()  # «Выключить камеру»: the app's picture of the operator goes
            await expect(camera).to_have_attribute("data-on", "false")
            await expect(operator_picture).to_have_attribute("data-showing", "false", timeout=10_000)
            await desk.keyboard.press("Alt+KeyX")  # «Завершить разговор»
            await expect(desk.get_by_test_id("call-panel")).to_have_count(0, timeout=10_000)
        finally:
            await citizen_browser.close()
            await operator_browser.close()


async def camera_browsers(playwright: Playwright, tmp_path: Path) -> tuple[Browser, Browser]:
    """The operator's Chromium (1 kHz microphone, a blue camera) and the citizen's (440 Hz, green)."""
    operator = await _browser(
        playwright,
        f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-1khz.wav', 1000.0)}",
        f"--use-file-for-fake-video-capture={_camera_y4m(tmp_path / 'operator.y4m', colour=BLUE)}",
    )
    citizen = await _browser(
        playwright,
        f"--use-file-for-fake-audio-capture={_tone_wav(tmp_path / 'mic-440.wav', 440.0)}",
        f"--use-file-for-fake-video-capture={_camera_y4m(tmp_path / 'citizen.y4m')}",
    )
    return operator, citizen
