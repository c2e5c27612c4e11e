"""End-to-end: the whole server on a fresh SQLite database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import math
import random
import shutil
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from c122.api.app import WEB_DIST
from tests.support import databases
from tests.support.server import RunningServer, running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    template = await databases.create_sqlite_template(tmp_path)
    async with running_server(databases.copy_sqlite(template, tmp_path)) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


# The softphone's tests: the server with telephony, and Chromium with a fake microphone.
# As in conftest, plus real IP host candidates instead of mDNS names, which the server cannot resolve.
MEDIA_CHROMIUM_ARGS = [
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
    args = [*MEDIA_CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={microphone}"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield browser
        finally:
            await browser.close()
