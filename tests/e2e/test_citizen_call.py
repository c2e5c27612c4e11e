"""A voice call from the citizen app, end to end: headless Chromium is the citizen's phone (its fake
microphone plays 440 Hz) and runs the real client module (web/src/features/citizen_call, bundled
with esbuild) with a device token and a location. The call enters the main line's menu (the app
keys 1), waits in the information queue and is answered by operator1's SIP phone (baresip, 1 kHz).
The page must hear 1 kHz, the recording must hold 440 Hz (caller) and 1 kHz (operator), and the
call's card must say «Мобильное приложение» with the device's phone and location."""

from __future__ import annotations

import asyncio
import io
import subprocess
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from playwright.async_api import async_playwright, expect

from c122.telephony.media.analysis import dominant_frequency
from tests.e2e.conftest import CHROMIUM, MEDIA_CHROMIUM_ARGS
from tests.e2e.test_softphone_audio import _tone_wav
from tests.integration.call_flow.conftest import (
    ended_calls,
    hotline_overrides,
    info_queue_id,
    operator_phone,  # noqa: F401 (a fixture)
    put_menu_on_main_line,
)
from tests.integration.citizen.support import registered
from tests.support import databases
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.peers]

WEB = Path(__file__).resolve().parents[2] / "web"
MAIN_LINE = "+78001220122"
LOCATION = {"latitude": 55.7558, "longitude": 37.6173, "accuracy_m": 25}

# The page's side: the client module starts the call, keys 1 once connected, and an analyser keeps
# the strongest frequency of what the hotline sends.
PAGE_SCRIPT = """
async ({token, location}) => {
  window.app = {states: [], heard1000: 0, end: null};
  const call = CitizenCall.startHotlineCall(token, location, {
    pollMs: 300,
    playRemote: (stream) => {
      const element = new Audio();  // Chromium feeds remote audio to WebAudio only while played
      element.srcObject = stream;
      element.muted = true;
      element.play();
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 8192;
      context.createMediaStreamSource(stream).connect(analyser);
      const bins = new Float32Array(analyser.frequencyBinCount);
      setInterval(() => {
        analyser.getFloatFrequencyData(bins);
        let best = 1;
        for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
        const peak = bins[best] > -60 ? best * context.sampleRate / analyser.fftSize : 0;
        if (Math.abs(peak - 1000) < 15) window.app.heard1000 += 1;
      }, 100);
    },
  });
  window.call = call;
  call.onState((state, end) => {
    window.app.states.push(state);
    if (state === 'connected') setTimeout(() => call.sendDigits('1'), 1500);
    if (end) window.app.end = end;
  });
}
"""


@pytest.fixture(scope="module")
def client_bundle() -> str:
    """The client module as the citizen app ships it, bundled into one script for the page."""
    result = subprocess.run(
        [
            str(WEB / "node_modules" / ".bin" / "esbuild"),
            "src/features/citizen_call/index.ts",
            "--bundle",
            "--format=iife",
            "--global-name=CitizenCall",
        ],
        cwd=WEB,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


@pytest.fixture
async def hotline(tmp_path: Path) -> AsyncIterator[RunningServer]:
    template = await databases.create_sqlite_template(tmp_path)
    overrides = {**hotline_overrides(tmp_path), "citizen_call_line": MAIN_LINE}
    async with running_server(
        databases.copy_sqlite(template, tmp_path), with_telephony=True, **overrides
    ) as server:
        yield server


def _stereo(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data), "rb") as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)


async def test_a_call_from_the_app_reaches_an_operator_and_its_card_has_the_app_and_the_location(
    hotline: RunningServer,
    operator_phone: object,  # noqa: F811
    client_bundle: str,
    tmp_path: Path,
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    desk = await hotline.signed_in("operator1")
    phone = await operator_phone(hotline, desk)  # type: ignore[operator]
    ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert ready.status_code == 200
    device = await registered(hotline, "+79161112233")
    microphone = _tone_wav(tmp_path / "mic-440.wav", 440.0)
    args = [*MEDIA_CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={microphone}"]
    async with async_playwright() as playwright, desk.events() as events:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            # The bundle goes in as an inline script, which the server's CSP (script-src 'self') forbids.
            page = await browser.new_page(bypass_csp=True)
            await page.goto(hotline.base_url + "/api/v1/health")
            await page.add_script_tag(content=client_bundle)
            await page.evaluate(PAGE_SCRIPT, {"token": device.token, "location": LOCATION})
            offered = await events.next_event("call.offered", timeout=25)
            assert offered["data"]["offer"]["caller"] == "+79161112233"
            assert offered["data"]["offer"]["service_number"] == MAIN_LINE
            connected = await events.next_event("call.connected", timeout=15)
            # 20 analyser readings of 1 kHz: two seconds of the operator heard in the app.
            await page.wait_for_function("() => window.app.heard1000 >= 20", timeout=20000)
            await asyncio.sleep(1.0)
            await page.evaluate("window.call.hangup()")
            ended = await events.next_event("call.ended", timeout=15)
            assert ended["data"]["call_id"] == connected["data"]["call_id"]
            app = await page.evaluate("window.app")
        finally:
            await browser.close()
    assert app["states"] == ["starting", "connecting", "connected", "ended"]
    assert app["end"]["cause"] == "hung_up"

    (record,) = await ended_calls(hotline)
    assert record["end_cause"] == "caller_hang_up"
    assert record["ivr_choice"] == "menu:1"  # the key pressed in the app reached the menu
    assert record["line_number"] == MAIN_LINE
    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    stereo = _stereo(audio.content)
    assert abs(dominant_frequency(stereo[8000:, 0]) - 440) < 15  # the citizen's microphone, left
    assert abs(dominant_frequency(stereo[8000:, 1]) - 1000) < 15  # the operator's phone, right
    await phone.stop()
    assert abs(dominant_frequency(phone.heard()[-8000 * 2 :]) - 440) < 15

    rows = (await desk.http.get("/api/v1/cases")).json()["items"]
    cards = [(await desk.http.get(f"/api/v1/cases/{row['id']}")).json() for row in rows]
    (card,) = [c for c in cards if record["id"] in c["call_ids"]]
    assert card["case"]["source"] == "mobile_app"
    assert card["latitude"] == pytest.approx(55.7558)
    assert card["longitude"] == pytest.approx(37.6173)
    assert card["location_text"] == "55.755800, 37.617300 (точность 25 м)"
    assert "+79161112233" in card["applicant"]["phones"]


async def test_the_apps_call_button_answers_the_menu_on_its_keypad_and_hangs_up(
    hotline: RunningServer,
    operator_phone: object,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The reference app as served at /app, at a phone's size: «Позвонить на линию» places the call
    with the phone's location, the keypad answers the menu, the app says the caller waits and where,
    an operator takes it (the menu's hint and keypad go), «Завершить звонок» ends it for both."""
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    desk = await hotline.signed_in("operator1")
    await operator_phone(hotline, desk)  # type: ignore[operator]
    device = await registered(hotline, "+79161112244")
    microphone = _tone_wav(tmp_path / "mic-440.wav", 440.0)
    args = [*MEDIA_CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={microphone}"]
    async with async_playwright() as playwright, desk.events() as events:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            context = await browser.new_context(
                locale="ru-RU",
                viewport={"width": 390, "height": 844},
                geolocation={"latitude": 55.7558, "longitude": 37.6173, "accuracy": 25},
                permissions=["geolocation", "microphone"],
            )
            page = await context.new_page()
            await page.goto(hotline.base_url + "/app/")
            await page.evaluate(
                "(s) => localStorage.setItem('c122.citizen.device', JSON.stringify(s))",
                {"deviceId": device.device_id, "token": device.token, "phone": "+79161112244"},
            )
            # The first visit was sent to /register (no device yet); with the device kept, the home.
            await page.goto(hotline.base_url + "/app/")
            await page.get_by_test_id("call-line").click()
            state = page.get_by_test_id("call-state")
            await expect(state).to_have_attribute("data-state", "connected", timeout=25_000)
            await expect(state).to_have_attribute("data-stage", "menu")
            await expect(state).to_have_text("Голосовое меню")
            await expect(page.get_by_test_id("call-menu-hint")).to_be_visible()
            await page.get_by_test_id("call-key-1").click()
            # Nobody is on duty yet: the caller waits, first in the queue.
            await expect(state).to_have_attribute("data-stage", "queue", timeout=15_000)
            await expect(state).to_have_text("Ожидание ответа оператора")
            await expect(page.get_by_test_id("call-queue")).to_contain_text("Вы в очереди: 1-й")
            await expect(page.get_by_test_id("call-menu-hint")).to_have_count(0)
            await keep_screenshot(page, "citizen-app-call-queue")
            ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            assert ready.status_code == 200
            offered = await events.next_event("call.offered", timeout=25)
            assert offered["data"]["offer"]["caller"] == "+79161112244"
            await events.next_event("call.connected", timeout=15)
            await expect(state).to_have_attribute("data-stage", "operator", timeout=10_000)
            await expect(state).to_have_text("Разговор с оператором")
            await expect(page.get_by_test_id("call-key-1")).to_have_count(0)  # the keypad was the menu's
            await keep_screenshot(page, "citizen-app-call-operator")
            await page.get_by_test_id("call-hang-up").click()
            await events.next_event("call.ended", timeout=15)
            await expect(page.get_by_test_id("call-note")).to_have_text("Звонок завершён")
            await expect(page.get_by_test_id("call-line")).to_be_visible()
        finally:
            await browser.close()
    (record,) = await ended_calls(hotline)
    assert (record["end_cause"], record["ivr_choice"]) == ("caller_hang_up", "menu:1")
    rows = (await desk.http.get("/api/v1/cases")).json()["items"]
    cards = [(await desk.http.get(f"/api/v1/cases/{row['id']}")).json() for row in rows]
    (card,) = [c for c in cards if record["id"] in c["call_ids"]]
    assert card["case"]["source"] == "mobile_app"
    assert card["latitude"] == pytest.approx(55.7558)  # the phone's Geolocation reading came along
