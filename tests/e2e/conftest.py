"""End-to-end: the whole server on a fresh SQLite database, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
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
