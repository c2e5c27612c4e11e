"""The administrator's «Смены» screen: the demo's day and night shifts, a time not as HH:MM caught in
the form, an overlapping shift refused by the server on its field, and a night shift shortened to make
room for an early one. Screenshots go to $C122_SCREENSHOTS when set (for a look by eye)."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer


async def _fill(page: Page, key: str, value: str) -> None:
    field = page.get_by_test_id(f"admin-field-{key}").locator("input")
    await field.fill(value)


async def test_administrator_keeps_the_shift_timetable(server: RunningServer, browser: Browser) -> None:
    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1280, "height": 720}
    )
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/shifts")  # no navigation race with the sign-in
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    table = page.get_by_test_id("admin-table-shifts")
    await expect(table).to_contain_text("Дневная смена")
    await expect(table).to_contain_text("20:00")
    await expect(page.get_by_test_id("admin-menu")).to_contain_text("Смены")
    await keep_screenshot(page, "shifts-list")

    await page.get_by_test_id("admin-create").click()
    await _fill(page, "name", "Вечерняя")
    await _fill(page, "starts_at", "25:00")
    await page.get_by_test_id("admin-save").click()
    await expect(page.get_by_test_id("admin-field-starts_at")).to_contain_text("ЧЧ:ММ")
    await _fill(page, "starts_at", "18:00")
    await _fill(page, "ends_at", "22:00")
    await page.get_by_test_id("admin-save").click()
    await expect(page.get_by_test_id("admin-field-starts_at")).to_contain_text("Пересекается с другой сменой")
    await keep_screenshot(page, "shifts-overlap")
    await page.get_by_test_id("admin-cancel").click()

    night = (
        await (await server.signed_in("admin")).http.get("/api/v1/admin/shifts", params={"q": "Ночная"})
    ).json()
    await page.get_by_test_id(f"admin-edit-{night['items'][0]['id']}").click()
    await _fill(page, "ends_at", "02:00")
    await page.get_by_test_id("admin-save").click()
    await expect(table).to_contain_text("02:00")
    await page.get_by_test_id("admin-create").click()
    await _fill(page, "name", "Ранняя")
    await _fill(page, "starts_at", "02:00")
    await _fill(page, "ends_at", "08:00")
    await page.get_by_test_id("admin-save").click()
    await expect(table).to_contain_text("Ранняя")
    await expect(page.get_by_test_id("admin-total")).to_contain_text("3")
    await expect(page.get_by_test_id("admin-form-shifts")).to_have_count(0)
    await keep_screenshot(page, "shifts-three")
