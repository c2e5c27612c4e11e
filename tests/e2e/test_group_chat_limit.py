"""The administrator sets a group's chat limit on the group's form («Группы»): a limit out of 1..20
is caught on the field, a good one is stored and the distribution uses it. Screenshots go to
$C122_SCREENSHOTS when set (for a look by eye)."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from tests.support.server import RunningServer


async def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("C122_SCREENSHOTS")
    if folder:
        await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


async def test_administrator_sets_a_groups_chat_limit(server: RunningServer, browser: Browser) -> None:
    admin = await server.signed_in("admin")
    group = (await admin.http.get("/api/v1/admin/groups", params={"q": "Справочная"})).json()["items"][0]
    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1280, "height": 1400}
    )
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/groups")
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id(f"admin-edit-{group['id']}").click()
    field = page.get_by_test_id("admin-field-chat_limit")
    await expect(field).to_contain_text("Чатов у оператора одновременно")
    await expect(field.locator("input")).to_have_value("3")
    await field.locator("input").fill("25")
    await page.get_by_test_id("admin-save").click()
    await expect(field).to_contain_text("20")
    await _shot(page, "group-chat-limit-refused")
    await field.locator("input").fill("5")
    await page.get_by_test_id("admin-save").click()
    await expect(page.get_by_test_id("admin-form-groups")).to_have_count(0)
    stored = (await admin.http.get(f"/api/v1/admin/groups/{group['id']}")).json()
    assert stored["chat_limit"] == 5

    async def policy_limit() -> int:
        await server.application.contact_center.reload()
        acd = server.application.contact_center._ready()[0]
        return acd.state.policy(str(group["id"])).chat_limit

    assert await policy_limit() == 5
    await page.get_by_test_id(f"admin-edit-{group['id']}").click()
    await expect(field.locator("input")).to_have_value("5")
    await _shot(page, "group-chat-limit")
