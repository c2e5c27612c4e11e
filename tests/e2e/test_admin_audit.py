"""An administrator reads the audit trail in the browser: who listened to a recording, filtered by
user and action, more pages on request, the CSV export; a senior is kept out of the screen."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Browser, Page, expect

from c122.domain.audit import MAX_PAGE, AuditFilter
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer


async def _admin_page(browser: Browser, server: RunningServer) -> Page:
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url, accept_downloads=True)
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/audit")
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("audit-page")).to_be_visible()
    return page


async def _stored_count(server: RunningServer) -> int:
    async with server.application.uow_factory() as uow:
        return len((await uow.audit_trail.search(AuditFilter(limit=MAX_PAGE))).items)


async def _seed(server: RunningServer) -> None:
    async with server.application.uow_factory() as uow:
        senior = await uow.users.find({"login": "senior1"})
        assert senior is not None
        start = server.clock.now() - timedelta(hours=70)
        for n in range(60):  # more than a page
            await uow.audit.record(
                at=start + timedelta(hours=n),
                actor_id=senior.id,
                action="listen_recording" if n % 2 else "view_personal_data",
                entity="call" if n % 2 else "applicant",
                entity_id=f"c-{n}" if n % 2 else str(n),
                detail={"group_id": 1},
            )
        await uow.commit()


async def test_administrator_filters_pages_and_exports_the_audit_trail(
    server: RunningServer, browser: Browser
) -> None:
    await _seed(server)
    page = await _admin_page(browser, server)
    table = page.get_by_test_id("audit-table")
    await expect(page.get_by_test_id("admin-menu")).to_contain_text("Журнал аудита")
    await expect(table).to_contain_text("Прослушивание записи разговора")
    await expect(table).to_contain_text("Вызов № c-59")
    await expect(table.locator("tbody tr")).to_have_count(50)
    await keep_screenshot(page, "audit-first-page")
    await page.get_by_test_id("audit-more").click()
    # Everything stored but the look itself, which is written after its page was read.
    await expect(table.locator("tbody tr")).to_have_count(await _stored_count(server) - 1)
    await expect(page.get_by_text("Других записей нет")).to_be_visible()

    await page.get_by_test_id("audit-actor").click()
    await page.locator(".n-base-select-option").get_by_text("(senior1)").click()
    await page.get_by_test_id("audit-action").click()
    await page.locator(".n-base-select-option").get_by_text("Прослушивание записи разговора").click()
    await page.get_by_test_id("audit-search").click()
    await expect(table.locator("tbody tr")).to_have_count(30)
    await expect(table).not_to_contain_text("Просмотр персональных данных")
    await page.get_by_test_id("audit-search").scroll_into_view_if_needed()
    await keep_screenshot(page, "audit-filtered")

    async with page.expect_download() as waiting:
        await page.get_by_test_id("audit-export").click()
    download = await waiting.value
    lines = (await download.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("id,at,actor_id,actor_login,action")
    assert len(lines) == 31
    assert all(",senior1,listen_recording,call," in line for line in lines[1:])


async def test_a_senior_is_not_shown_the_audit_trail(server: RunningServer, browser: Browser) -> None:
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url)
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/audit")
    await page.get_by_test_id("login-username").fill("senior1")
    await page.get_by_test_id("login-password").fill(server.passwords["senior1"])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("workstation")).to_be_visible()
    await expect(page.get_by_test_id("audit-page")).to_have_count(0)
