"""The softphone in real Chromium against the real server with telephony: starting the shift brings
the operator's WebRTC leg up (rtc.start → offer → answer → connected), the leg comes back after the
event socket drops, a SIPp caller is offered and answered (the operator hears its 440 Hz), held and
hung up from the call panel and with the desk's keys, and the device settings keep the operator's
choices in this browser.

Chromium's fake capture device, playing a 1 kHz WAV, stands in for a headset microphone (there is no
sound card here)."""

from __future__ import annotations

import math
import random
import shutil
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from c122.api.app import WEB_DIST
from tests.e2e.test_workstation import sign_in
from tests.integration.call_flow.conftest import HotlineCaller, info_queue_id, put_menu_on_main_line
from tests.support import databases
from tests.support.server import RunningServer, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As in conftest, plus real IP host candidates instead of mDNS names, which the server cannot resolve.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


# Keeps hold of the page's sockets and counts its peer connections, so the test can drop the event
# socket as a network failure would and see the leg renegotiated.
WATCH_PAGE = """
window.__violations = [];  // what the Content-Security-Policy blocked: nothing, or the app is broken
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
const NativeSocket = window.WebSocket;
window.__sockets = [];
window.WebSocket = class extends NativeSocket {
  constructor(...args) { super(...args); window.__sockets.push(this); }
};
const NativePeer = window.RTCPeerConnection;
window.__peers = 0;
window.__heard = null;
window.RTCPeerConnection = class extends NativePeer {
  constructor(...args) {
    super(...args);
    window.__peers += 1;
    // What the operator hears: the strongest frequency of the far side, through an analyser.
    this.addEventListener("track", (event) => {
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 8192;
      context.createMediaStreamSource(event.streams[0] ?? new MediaStream([event.track])).connect(analyser);
      const bins = new Float32Array(analyser.frequencyBinCount);
      setInterval(() => {
        analyser.getFloatFrequencyData(bins);
        let best = 1;
        for (let i = 1; i < bins.length; i += 1) if (bins[i] > bins[best]) best = i;
        window.__heard = { hz: (best * context.sampleRate) / analyser.fftSize, db: bins[best] };
      }, 100);
    });
  }
};
"""


async def watched_sign_in(browser: Browser, server: RunningServer, login: str) -> Page:
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url)
    await context.add_init_script(WATCH_PAGE)
    page = await context.new_page()
    await page.goto("/auth")
    await page.get_by_test_id("login-username").fill(login)
    await page.get_by_test_id("login-password").fill(server.passwords[login])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("workstation")).to_be_visible()
    return page


@pytest.fixture
async def telephony_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    template = await databases.create_sqlite_template(tmp_path)
    base = random.randrange(30000, 44000, 2)
    overrides = {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": base,
        "rtp_port_max": base + 200,
        "webrtc_restart_grace_seconds": 20,
        "data_dir": tmp_path / "data",
    }
    async with running_server(
        databases.copy_sqlite(template, tmp_path), with_telephony=True, **overrides
    ) as running:
        yield running


def tone_wav(path: Path, frequency: float = 1000.0, seconds: float = 2.0, rate: int = 8000) -> Path:
    """A mono 16-bit sine the fake microphone loops."""
    samples = (int(8000 * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"".join(struct.pack("<h", s) for s in samples))
    return path


@pytest.fixture
async def chromium(tmp_path: Path) -> AsyncIterator[Browser]:
    microphone = tone_wav(tmp_path / "microphone-1khz.wav")
    args = [*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={microphone}"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield browser
        finally:
            await browser.close()


async def test_starting_the_shift_brings_the_media_leg_up_and_it_recovers_after_the_socket_drops(
    telephony_server: RunningServer, chromium: Browser
) -> None:
    page = await watched_sign_in(chromium, telephony_server, "operator1")
    indicator = page.get_by_test_id("health-indicator")
    await expect(indicator).to_have_attribute("data-media", "idle")

    await page.get_by_test_id("start-shift").click()
    await expect(indicator).to_have_attribute("data-media", "connected", timeout=20_000)
    await indicator.hover()
    media = page.get_by_test_id("health-media")
    await expect(media).to_contain_text("Голосовой канал")
    await expect(media).to_have_attribute("data-ok", "true")
    assert await page.evaluate("window.__peers") == 1

    # The event socket drops: the desktop reconnects, asks to restart the leg, answers the fresh offer.
    await page.evaluate("window.__sockets.at(-1).close()")
    await page.wait_for_function("() => window.__peers === 2", timeout=20_000)
    await expect(indicator).to_have_attribute("data-media", "connected", timeout=20_000)
    assert await page.evaluate("window.__sockets.length") == 2
    assert await page.evaluate("window.__violations") == []


async def test_device_settings_keep_the_codec_order_in_this_browser(
    telephony_server: RunningServer, chromium: Browser
) -> None:
    page = await sign_in(chromium, telephony_server, "operator1")
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Пользовательские настройки").hover()
    await page.get_by_text("Настройки устройств").click()
    dialog = page.get_by_test_id("device-settings")
    await expect(dialog).to_be_visible()
    await expect(page.get_by_test_id("devices-codec-0")).to_have_attribute("data-codec", "PCMU")

    await page.get_by_test_id("devices-test-microphone").click()
    await expect(page.get_by_test_id("devices-level")).not_to_have_attribute(
        "data-level", "0", timeout=10_000
    )
    await page.get_by_test_id("devices-codec-down-0").click()
    await page.get_by_test_id("devices-save").click()

    await page.reload()
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Пользовательские настройки").hover()
    await page.get_by_text("Настройки устройств").click()
    await expect(page.get_by_test_id("devices-codec-0")).to_have_attribute("data-codec", "PCMA")
    await page.get_by_test_id("devices-reset").click()
    await expect(page.get_by_test_id("devices-codec-0")).to_have_attribute("data-codec", "PCMU")


async def test_a_caller_is_answered_held_and_hung_up_from_the_call_panel(
    telephony_server: RunningServer, chromium: Browser, tmp_path: Path
) -> None:
    server = telephony_server
    await put_menu_on_main_line(server, await info_queue_id(server))
    page = await watched_sign_in(chromium, server, "operator1")
    await page.get_by_test_id("start-shift").click()
    await expect(page.get_by_test_id("health-indicator")).to_have_attribute(
        "data-media", "connected", timeout=20_000
    )

    folder = tmp_path / "caller"
    folder.mkdir()
    caller = HotlineCaller(folder)
    await caller.call(server, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=30000)
    try:
        offer = page.get_by_test_id("offer-notice")
        await expect(offer).to_be_visible(timeout=20_000)
        await expect(page.get_by_test_id("offer-group")).to_be_visible()
        await page.keyboard.press("Alt+KeyA")  # the desk's key for «Принять»

        panel = page.get_by_test_id("call-panel")
        await expect(panel).to_be_visible(timeout=10_000)
        await expect(offer).to_have_count(0)
        await expect(page.get_by_test_id("call-timer")).to_have_text("00:02", timeout=5_000)
        # The caller's 440 Hz reaches the operator's headset through the server and the WebRTC leg.
        await page.wait_for_function(
            "() => window.__heard !== null"
            " && Math.abs(window.__heard.hz - 440) < 15 && window.__heard.db > -70",
            timeout=10_000,
        )

        # The panel's buttons and the desk's keys (docs/web.md, "Keyboard") do the same.
        await page.get_by_test_id("call-mute").click()
        await expect(panel).to_have_attribute("data-muted", "true")
        await page.keyboard.press("Alt+KeyM")
        await expect(panel).to_have_attribute("data-muted", "false")
        await page.keyboard.press("Alt+KeyH")
        await expect(panel).to_have_attribute("data-held", "true")
        await page.get_by_test_id("call-hold").click()
        await expect(panel).to_have_attribute("data-held", "false")
        await page.keyboard.press("Alt+KeyX")
        await expect(panel).to_have_count(0, timeout=10_000)
        await expect(page.get_by_test_id("operator-status")).to_have_attribute("data-status", "wrap_up")
        code, output = await caller.finish()
        assert code == 0, output[-3000:]  # the caller got the hotline's BYE
        assert await page.evaluate("window.__violations") == []
    finally:
        if caller.process is not None and caller.process.returncode is None:
            caller.process.kill()
            await caller.process.wait()
