"""The softphone's conference panel («Текущая аудиоконференция», TEL-21) in real Chromium against the
real server with telephony: operator 1 answers a SIPp caller (440 Hz) in the browser and makes the call
an audio conference; the panel lists the two with who is talking (the mixer's levels), shows the
server's refusal of a number no trunk serves, mutes and unmutes the caller, and ends the conference
for everyone. (Five parties with phones and a browser: tests/integration/call_flow/test_conference.py.)"""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Browser, expect

from tests.e2e.test_softphone import watched_sign_in
from tests.integration.call_flow.conftest import HotlineCaller, info_queue_id, put_menu_on_main_line
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer


async def test_the_conference_panel_lists_the_parties_who_talks_mutes_refuses_and_ends(
    telephony_server: RunningServer, chromium: Browser, tmp_path: Path
) -> None:
    server = telephony_server
    await put_menu_on_main_line(server, await info_queue_id(server))
    folder = tmp_path / "caller"
    folder.mkdir()
    caller = HotlineCaller(folder)
    try:
        page = await watched_sign_in(chromium, server, "operator1")
        await page.get_by_test_id("start-shift").click()
        await expect(page.get_by_test_id("health-indicator")).to_have_attribute(
            "data-media", "connected", timeout=20_000
        )
        await caller.call(server, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=40000)
        await expect(page.get_by_test_id("offer-notice")).to_be_visible(timeout=20_000)
        await page.keyboard.press("Alt+KeyA")
        await expect(page.get_by_test_id("call-panel")).to_be_visible(timeout=10_000)

        await page.get_by_test_id("call-conference").click()
        panel = page.get_by_test_id("conference-panel")
        await expect(panel).to_be_visible(timeout=10_000)
        await expect(page.get_by_test_id("conference-party")).to_have_count(2)
        await expect(panel).to_contain_text("Текущая аудиоконференция")

        # A number no trunk serves: the server's refusal is shown, nothing else changes.
        await page.get_by_test_id("conference-number").locator("input").fill("+74951112233")
        await page.get_by_test_id("conference-invite-button").click()
        await expect(page.get_by_test_id("conference-error")).to_be_visible()
        await expect(page.get_by_test_id("conference-party")).to_have_count(2)

        # Who is talking, from the mixer: the caller's tone; the organiser mutes and unmutes them.
        row = page.locator('[data-testid="conference-party"][data-party="caller"]')
        await expect(row).to_have_attribute("data-talking", "true", timeout=10_000)
        await expect(page.get_by_test_id("conference-count")).to_have_text("Участников: 2 из 5")
        await row.get_by_test_id("conference-mute").click()
        await expect(row).to_have_attribute("data-muted", "true")
        await expect(row).to_contain_text("микрофон выключен")
        await keep_screenshot(page, "conference-panel")
        await row.get_by_test_id("conference-mute").click()
        await expect(row).to_have_attribute("data-muted", "false")

        await page.get_by_test_id("conference-end").click()
        await expect(page.get_by_test_id("call-panel")).to_have_count(0, timeout=10_000)
        code, output = await caller.finish()
        assert code == 0, output[-3000:]  # the caller got the hotline's BYE
        assert await page.evaluate("window.__violations") == []
    finally:
        if caller.process is not None and caller.process.returncode is None:
            caller.process.kill()
            await caller.process.wait()
