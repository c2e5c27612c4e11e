"""Lookup plug-ins in the browser: the administrator adds an HTTP/JSON registry (started by the test),
sees the form's 422 reason on the field, tries the lookup; the operator queries it from a case card
and sees the applicant's record, and a slow registry's lookup says so in the card."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_workstation import sign_in
from tests.support.lookup_registry import TOKEN, http_registry
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer


async def _admin_page(browser: Browser, server: RunningServer) -> Page:
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url)
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/lookups")
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("lookups-page")).to_be_visible()
    return page


async def test_administrator_adds_and_tries_a_lookup_and_the_operator_queries_it_from_the_card(
    server: RunningServer, browser: Browser
) -> None:
    async with http_registry() as registry:
        page = await _admin_page(browser, server)
        await expect(page.get_by_test_id("admin-menu")).to_contain_text("Внешние справочники")
        await page.get_by_test_id("lookup-create").click()
        dialog = page.get_by_test_id("lookup-dialog")
        await dialog.get_by_test_id("lookup-name").locator("input").fill("Реестр застрахованных")
        await dialog.get_by_test_id("lookup-url-template").locator("input").fill(registry.url + "/people/")
        await dialog.get_by_test_id("lookup-headers").locator("textarea").fill(f"Authorization: {TOKEN}")
        await dialog.get_by_test_id("lookup-rows-path").locator("input").fill("data.people")
        await (
            dialog.get_by_test_id("lookup-mapping")
            .locator("textarea")
            .fill("ФИО=fio\nПолис ОМС=policy.number")
        )
        await dialog.get_by_test_id("lookup-save").click()
        await expect(dialog).to_contain_text("адрес должен содержать {value}")
        await keep_screenshot(page, "admin-lookup-invalid.png")

        await (
            dialog.get_by_test_id("lookup-url-template")
            .locator("input")
            .fill(registry.url + "/people/{value}")
        )
        await dialog.get_by_test_id("lookup-save").click()
        await expect(dialog.get_by_test_id("lookup-trial")).to_be_visible()
        await expect(dialog).to_contain_text("Заданы: Authorization")
        await expect(dialog.get_by_test_id("lookup-headers").locator("textarea")).to_have_value("")
        await dialog.get_by_test_id("lookup-trial-value").locator("input").fill("+7 900 123-45-67")
        await dialog.get_by_test_id("lookup-trial-run").click()
        await expect(dialog.get_by_test_id("lookup-result")).to_contain_text("Иванов Иван Иванович")
        await keep_screenshot(page, "admin-lookup-trial.png")
        await page.keyboard.press("Escape")
        table = page.get_by_test_id("lookups-table")
        await expect(table).to_contain_text("Реестр застрахованных")
        await expect(table.get_by_test_id("lookup-state")).to_have_text("Доступен")
        await keep_screenshot(page, "admin-lookups.png")

        desk = await sign_in(browser, server, "operator1")
        await desk.get_by_test_id("case-create").click()
        await desk.get_by_test_id("case-create-type").click()
        await desk.locator(".n-base-select-option", has_text="Справочная информация").first.click()
        await desk.get_by_test_id("case-create-phone").locator("input").fill("8 900 123-45-67")
        await desk.get_by_test_id("case-create-submit").click()
        await expect(desk.get_by_test_id("case-name")).to_contain_text("Справочная информация")
        await desk.get_by_text("Внешние справочники").click()
        panel = desk.get_by_test_id("case-lookups")
        await expect(panel.get_by_test_id("case-lookup-value").locator("input")).to_have_value("+79001234567")
        await panel.get_by_test_id("case-lookup-run").click()
        result = panel.get_by_test_id("lookup-result")
        await expect(result).to_have_attribute("data-outcome", "found")
        await expect(result).to_contain_text("7700000000000001")
        await keep_screenshot(desk, "case-lookup.png")

        # The registry turns slow: the card says so instead of waiting.
        admin = await server.signed_in("admin")
        lookup_id = (await admin.http.get("/api/v1/lookups")).json()[0]["id"]
        body = {
            "name": "Реестр застрахованных",
            "kind": "http",
            "key_kinds": ["phone"],
            "roles": ["operator"],
            "timeout_ms": 500,
            "cache_s": 0,
            "url_template": registry.url + "/slow/{value}",
        }
        assert (await admin.write("PUT", f"/api/v1/lookups/{lookup_id}", json=body)).status_code == 200
        await panel.get_by_test_id("case-lookup-run").click()
        await expect(result).to_have_attribute("data-outcome", "timeout")
        await expect(result).to_contain_text("Справочник не ответил вовремя")
        await keep_screenshot(desk, "case-lookup-timeout.png")
