"""The operator's own settings and presence on every screen (OPS-05, OPS-02, OPS-04): an operator
working on the call journal for longer than the idle interval stays on duty; where the group lets
operators choose, they set their «Нет на месте» interval and display name in the settings dialog
(zone 1 shows the name at once); a break's timer counts on from the break's start after a reload.
The server's clock is the test's: it moves only when the test says."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer

IDLE_S = 8.0  # the group's idle interval: the browser reports at most every 2 s


async def _group_policy(server: RunningServer, login: str) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in(login)
    group_id = min(g["id"] for g in (await operator.http.get("/api/v1/me")).json()["groups"])
    policy = {
        "idle_to_away_s": IDLE_S,
        "idle_choice_allowed": True,
        "idle_choice_min_s": 60,
        "idle_choice_max_s": 1800,
    }
    changed = await admin.write("PATCH", f"/api/v1/admin/groups/{group_id}", json=policy)
    assert changed.status_code == 200, changed.text
    await server.application.contact_center.reload()


async def _move_and_wait_for_the_report(page: Page, x: int) -> None:
    async with page.expect_response(lambda r: r.url.endswith("/operators/me/activity")) as report:
        for step in range(20):
            await page.mouse.move(x + step * 5, 300)
            await page.wait_for_timeout(50)
    assert (await report.value).status == 204


async def _go(page: Page, item: str) -> None:
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text(item, exact=True).click()


async def test_the_journal_keeps_one_present_own_settings_apply_and_a_reloaded_break_counts_on(
    server: RunningServer, browser: Browser
) -> None:
    await _group_policy(server, "operator1")
    page = await sign_in(browser, server, "operator1")
    status = page.get_by_test_id("operator-status")
    center = server.application.contact_center
    await page.get_by_test_id("start-shift").click()
    await expect(status).to_have_attribute("data-status", "ready")

    # On the call journal, not the desk: moving the mouse there keeps the operator on duty.
    await _go(page, "Журнал звонков")
    await expect(page.get_by_test_id("journal")).to_be_visible()
    for x in (100, 300, 500):  # three times 2/3 of the interval, working in between
        await _move_and_wait_for_the_report(page, x)
        server.clock.advance(IDLE_S * 2 / 3)
        await center.tick()
    await expect(status).to_have_attribute("data-status", "ready")

    # The settings dialog: a new display name and an own interval of 5 minutes within 1..30.
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Пользовательские настройки").hover()
    await page.get_by_text("Настройки устройств").click()
    own = page.get_by_test_id("own-settings")
    await expect(own.get_by_test_id("own-idle")).to_have_attribute("data-choice", "own")
    await expect(own.get_by_test_id("own-idle-group")).to_contain_text("8 с (задан группой)")
    await page.get_by_test_id("own-display-name").fill("Иванова М.")
    await own.get_by_test_id("own-idle-own").click()
    minutes = page.get_by_test_id("own-idle-minutes")
    await minutes.fill("5")
    await minutes.press("Tab")
    await own.scroll_into_view_if_needed()
    await page.screenshot(path="/tmp/ws7-own-settings.png")
    await page.get_by_test_id("own-save").click()
    await expect(page.get_by_test_id("operator-name")).to_have_text("Иванова М.")
    await page.get_by_test_id("devices-close").click()
    server.clock.advance(IDLE_S + 1)  # past the group's interval, well inside the own 5 minutes
    await center.tick()
    await expect(status).to_have_attribute("data-status", "ready")
    server.clock.advance(300)
    await center.tick()
    await expect(status).to_have_attribute("data-status", "away")
    await page.keyboard.press("Alt+KeyG")
    await expect(status).to_have_attribute("data-status", "ready")

    # A break, 100 s in, then a reload: the timer counts on from the break's start, not from zero.
    # The shortcut is ignored while the desk's last change is still being answered (its event can come
    # first): pressed again, as an operator would, until the break is taken.
    for _ in range(5):
        await page.keyboard.press("Alt+KeyB")
        if await status.get_attribute("data-status") == "on_break":
            break
        await page.wait_for_timeout(500)
    await expect(status).to_have_attribute("data-status", "on_break")
    server.clock.advance(100)
    await page.reload()
    await expect(status).to_have_attribute("data-status", "on_break")
    await expect(page.get_by_test_id("break-timer")).to_have_text(re.compile(r"^01:4\d$"))
