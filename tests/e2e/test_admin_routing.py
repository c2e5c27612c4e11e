"""An administrator keeps routing rules on «Правила маршрутизации» in Chromium: a bad pattern is named
on its field, a rule sending a mobile prefix to another queue is saved, the tester shows it winning
for such a number (and no rule for another one), and the year's holidays from the shipped production
calendar are listed."""

from __future__ import annotations

import os

from playwright.async_api import Browser, Page, expect

from tests.support.server import RunningServer

SHOTS = os.environ.get("C122_SCREENSHOTS")  # a folder to keep screenshots of the screen in, if set


async def _shot(page: Page, name: str) -> None:
    if SHOTS:
        await page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


async def _choose(page: Page, testid: str, option: str) -> None:
    await page.get_by_test_id(testid).click()
    await page.locator(".n-base-select-option", has_text=option).first.click()


async def test_administrator_creates_a_rule_and_the_tester_shows_it(
    server: RunningServer, browser: Browser
) -> None:
    admin = await server.signed_in("admin")
    queues = (await admin.http.get("/api/v1/admin/queues")).json()["items"]
    target = queues[-1]["name"]

    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1500, "height": 950}
    )
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/routing")
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("routing-page")).to_be_visible()
    await expect(page.get_by_test_id("admin-menu")).to_contain_text("Правила маршрутизации")

    await page.get_by_test_id("rule-add").click()
    form = page.get_by_test_id("rule-form")
    await page.get_by_test_id("rule-name").locator("input").fill("Мобильные 916")
    await page.get_by_test_id("rule-patterns").locator("input").fill("+7916[0-9]")
    await _choose(page, "rule-queue", target)
    await page.get_by_test_id("rule-save").click()
    await expect(form).to_contain_text("только цифры, + в начале")  # the pattern's problem, on its field
    await _shot(page, "routing-rule-problem.png")
    await page.get_by_test_id("rule-patterns").locator("input").fill("8916*")
    await page.get_by_test_id("rule-save").click()
    await expect(form).to_be_hidden()
    rules = page.get_by_test_id("rules")
    await expect(rules).to_contain_text("Мобильные 916")
    await expect(rules).to_contain_text("+7916*")
    await expect(rules).to_contain_text(target)

    await page.get_by_test_id("tester-caller").locator("input").fill("89161234567")
    await page.get_by_test_id("tester-at").locator("input").fill("2026-03-10T10:00")
    await page.get_by_test_id("tester-run").click()
    await expect(page.get_by_test_id("tester-winner")).to_have_text("Мобильные 916")
    await expect(page.get_by_test_id("tester-destination")).to_contain_text(target)
    await _shot(page, "routing-rules.png")
    await page.get_by_test_id("tester-caller").locator("input").fill("+74951234567")
    await page.get_by_test_id("tester-run").click()
    await expect(page.get_by_test_id("tester-winner")).to_have_text("ни одно")
    await expect(page.get_by_test_id("tester-destination")).to_contain_text("по голосовому меню линии")

    await page.locator(".n-tabs-tab", has_text="Производственный календарь").click()
    panel = page.get_by_test_id("calendar-panel")
    await panel.locator("input").first.fill("2026")
    await panel.locator("input").first.press("Enter")
    await expect(panel).to_contain_text("09.01, пт")
    await _shot(page, "routing-calendar.png")
    await context.close()
