"""The call statistics (TEL-08, SUP-10) on the statistics screen: a senior picks a period and a shift
and reads the table per queue and per group, their groups only, with the totals. The seeded day and
its hand-computed figures: tests/support/call_statistics.py, tests/integration/api/test_call_statistics.py.
Screenshots go to $C122_SCREENSHOTS when set (for a look by eye)."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.async_api import Browser, expect

from tests.integration.reports.test_report_datasets import _change
from tests.support.call_statistics import seed_call_day
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer


async def test_a_senior_reads_the_call_statistics_of_their_groups(
    server: RunningServer, browser: Browser
) -> None:
    admin = await server.signed_in("admin")
    seeded = await seed_call_day(server, admin)
    async with server.application.uow_factory() as uow:
        info_type = await uow.case_types.find({"code": "info"})
    assert info_type is not None
    operator = await server.signed_in("operator1")
    created = await operator.write("POST", "/api/v1/cases", json={"type_id": info_type.id})
    assert created.status_code == 201, created.text
    ivanova = (await operator.http.get("/api/v1/me")).json()["id"]
    night = datetime(2026, 9, 11, 18, tzinfo=UTC).timestamp()  # 21:00 in Moscow, the night shift
    async with server.application.uow_factory() as uow:
        await uow.acd.append_state_log(
            [
                _change(ivanova, night, "ready", "on_call", 1800),
                _change(ivanova, night + 600, "on_call", "wrap_up", 600),
                _change(ivanova, night + 1200, "wrap_up", "ready", 600),
            ]
        )
        await uow.commit()
    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1600, "height": 1000}
    )
    page = await context.new_page()
    await page.goto("/auth")
    await page.get_by_test_id("login-username").fill("senior1")
    await page.get_by_test_id("login-password").fill(server.passwords["senior1"])
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Статистика за смену").click()
    # fig. 62: cases by type for the last 24 hours, beside the centre's shift figures
    await expect(page.get_by_test_id(f"cc-case-type-{info_type.id}")).to_contain_text(
        "Справочная информация1"
    )
    center = page.get_by_test_id("center-shift")
    await keep_screenshot(center, "center-case-types")
    card = page.get_by_test_id("call-statistics")
    await expect(card).to_contain_text("Статистика по совершённым вызовам (входящим/исходящим)")

    inputs = page.get_by_test_id("call-statistics-period").locator("input")
    for index in (0, 1):
        await inputs.nth(index).fill("11.09.2026")
        await inputs.nth(index).press("Enter")
    await page.keyboard.press("Escape")
    await page.get_by_test_id("call-statistics-load").click()
    info = seeded["queues"]["Справочная информация"]["id"]
    row = page.get_by_test_id(f"call-statistics-row-{info}")
    await expect(row).to_contain_text("Справочная информация")
    cells = row.locator("td")
    # received 4, answered 2, within T 1, lost 2, short 1, over the norm 1, SL 25 %, wait 0:20
    await expect(cells.nth(1)).to_have_text("4")
    await expect(cells.nth(5)).to_have_text("1")
    await expect(cells.nth(6)).to_have_text("1")
    await expect(cells.nth(7)).to_have_text("25 %")
    await expect(cells.nth(8)).to_have_text("0:20")
    vaccination = seeded["queues"]["Запись на вакцинацию"]["id"]
    await expect(page.get_by_test_id(f"call-statistics-row-{vaccination}")).to_have_count(0)
    total = page.get_by_test_id("call-statistics-total").locator("td")
    await expect(total.nth(1)).to_have_text("7")  # the senior's two groups
    await keep_screenshot(page.get_by_test_id("call-statistics"), "call-statistics-queues")

    await page.get_by_test_id("call-statistics-shift").click()
    await page.get_by_text("Ночная смена (20:00–08:00)").click()
    await page.get_by_test_id("call-statistics-by-group").click()
    await page.get_by_test_id("call-statistics-load").click()
    await expect(page.get_by_test_id("call-statistics-note")).to_contain_text("Только смена «Ночная смена»")
    reference = page.get_by_test_id(f"call-statistics-row-{seeded['groups']['Справочная группа']}")
    await expect(reference.locator("td").nth(1)).to_have_text("3")  # A3, A4, A5
    await expect(reference.locator("td").nth(11)).to_have_text("0")  # no outbound call at night
    await keep_screenshot(page.get_by_test_id("call-statistics"), "call-statistics-night-by-group")

    # By operator, «Занятость» as on the operator's own card: (600 + 600) / (1800 + 600 + 600)
    await page.get_by_test_id("call-statistics-by-operator").click()
    await page.get_by_test_id("call-statistics-load").click()
    mine = page.get_by_test_id(f"call-statistics-row-{ivanova}")
    await expect(mine.get_by_test_id("call-statistics-occupancy")).to_have_text("40 %")
    await keep_screenshot(page.get_by_test_id("call-statistics"), "call-statistics-night-by-operator")
    await context.close()
