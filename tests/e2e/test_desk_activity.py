"""Desk activity keeps an operator present (OPS-02): an operator typing in the browser for longer
than the group's idle interval stays on duty; once they stop, the desk warns before «Нет на месте»,
then before the shift ends. The server's clock is the test's: it moves only when the test says."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer

IDLE_S = 8.0  # the group's idle interval in this test: the browser reports at most every 2 s


async def _short_idle_interval(server: RunningServer, login: str) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in(login)
    group_id = (await operator.http.get("/api/v1/me")).json()["groups"][0]["id"]
    policy = {"idle_to_away_s": IDLE_S, "away_to_logout_s": IDLE_S}
    changed = await admin.write("PATCH", f"/api/v1/admin/groups/{group_id}", json=policy)
    assert changed.status_code == 200, changed.text
    await server.application.contact_center.reload()


async def _type_and_wait_for_the_report(page: Page, text: str) -> None:
    field = page.get_by_test_id("case-search").locator("input")
    async with page.expect_response(lambda r: r.url.endswith("/operators/me/activity")) as report:
        await field.press_sequentially(text, delay=50)
    assert (await report.value).status == 204


async def test_an_operator_typing_longer_than_the_idle_interval_stays_on_duty(
    server: RunningServer, browser: Browser
) -> None:
    await _short_idle_interval(server, "operator1")
    page = await sign_in(browser, server, "operator1")
    status = page.get_by_test_id("operator-status")
    center = server.application.contact_center
    await page.get_by_test_id("start-shift").click()
    await expect(status).to_have_attribute("data-status", "ready")

    for word in ("Иванов", " Пётр", " Сергеевич"):  # three times 2/3 of the interval, typing between
        await _type_and_wait_for_the_report(page, word)
        server.clock.advance(IDLE_S * 2 / 3)
        await center.tick()
    await expect(status).to_have_attribute("data-status", "ready")

    # Hands off the keyboard: the desk warns a little before «Нет на месте» (half the interval here).
    notice = page.get_by_test_id("idle-notice")
    await expect(notice).to_have_attribute("data-kind", "away", timeout=15_000)
    await expect(notice).to_contain_text("Нет на месте")
    await page.screenshot(path="/tmp/ws/idle-warning-away.png")
    server.clock.advance(IDLE_S + 1)
    await center.tick()
    await expect(status).to_have_attribute("data-status", "away")
    await expect(notice).to_have_attribute("data-kind", "logout", timeout=15_000)
    await expect(notice).to_contain_text("смена будет завершена")
    await page.screenshot(path="/tmp/ws/idle-warning-logout.png")

    await page.get_by_test_id("idle-back").click()  # back on duty from the warning itself
    await expect(status).to_have_attribute("data-status", "ready")
