"""The statistics screen (seed §4.3.9, fig. 60–61): reached from the control panel's menu, the
operator's own figures for the night shift beside the centre's, in total and for a queue, from a
stored queue log. Screenshots go to $C122_SCREENSHOTS when set (for a look by eye)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord as R
from tests.support.server import RunningServer

NIGHT = datetime(2026, 9, 12, 17, tzinfo=UTC).timestamp()


async def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("C122_SCREENSHOTS")
    if folder:
        await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


async def test_operator_reads_the_shift_statistics(server: RunningServer, browser: Browser) -> None:
    desk = await server.signed_in("operator1")
    operator_id = str((await desk.http.get("/api/v1/me")).json()["id"])
    queue = (await desk.http.get("/api/v1/queues")).json()["items"][0]
    q = str(queue["id"])
    server.clock.advance(10 * 3600)  # 22:00 in Moscow: the night shift
    async with server.application.uow_factory() as uow:
        await uow.acd.append_queue_log(
            [
                R(at=NIGHT + 600, kind=K.OFFER, queue_id=q, call_id="a", operator_id=operator_id),
                R(
                    at=NIGHT + 612,
                    kind=K.CONNECT,
                    queue_id=q,
                    call_id="a",
                    operator_id=operator_id,
                    waited_s=12,
                ),
                R(
                    at=NIGHT + 700,
                    kind=K.COMPLETE_CALLER,
                    queue_id=q,
                    call_id="a",
                    operator_id=operator_id,
                    talk_s=88,
                ),
                R(at=NIGHT + 900, kind=K.OFFER, queue_id=q, call_id="b", operator_id=operator_id),
                R(at=NIGHT + 920, kind=K.RING_NO_ANSWER, queue_id=q, call_id="b", operator_id=operator_id),
                R(at=NIGHT + 1800, kind=K.ABANDON, queue_id=q, call_id="c", waited_s=3, detail="short"),
            ]
        )
        await uow.commit()

    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    await page.goto("/auth")
    await page.get_by_test_id("login-username").fill("operator1")
    await page.get_by_test_id("login-password").fill(server.passwords["operator1"])
    await page.get_by_test_id("login-submit").click()
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Статистика за смену").click()
    await expect(page.get_by_test_id("statistics-shift")).to_contain_text("Ночная смена")
    mine = page.get_by_test_id("operator-shift")
    await expect(mine).to_contain_text("Статистика оператора за текущую смену")
    await expect(page.get_by_test_id("op-offers")).to_contain_text("2")
    await expect(page.get_by_test_id("op-missed")).to_contain_text("1")
    await expect(page.get_by_test_id("op-averageTalk")).to_contain_text("1:28")
    await expect(page.get_by_test_id("op-offersTaken")).to_contain_text("50 %")
    await expect(page.get_by_test_id("op-occupancy")).to_contain_text("Занятость")
    center = page.get_by_test_id("center-shift")
    await expect(center).to_contain_text("Статистика ВКЦ за текущую смену")
    await expect(page.get_by_test_id("cc-received")).to_contain_text("2")
    await expect(page.get_by_test_id("cc-shortAbandoned")).to_contain_text("1")
    await expect(page.get_by_test_id("cc-serviceLevel")).to_contain_text("100 %")  # short abandons ignored
    await _shot(page, "shift-statistics")
    await page.get_by_test_id("center-queue").click()
    await page.locator(".n-base-select-option").filter(has_text=queue["name"]).click()
    await expect(page.get_by_test_id("cc-received")).to_contain_text("2")
    await _shot(page, "shift-statistics-queue")
    # The staffing forecast below, for the Saturday after: its history is the night above (a week before),
    # so the handle time is that call's 88 s and the 20:00 and 20:30 intervals have a quarter call each.
    await expect(page.locator(".n-base-select-menu:visible")).to_have_count(0)  # the first menu gone
    await page.get_by_test_id("staffing-queue").click()
    await page.locator(".n-base-select-option:visible").filter(has_text=queue["name"]).click()
    await page.get_by_test_id("staffing-day").locator("input").fill("2026-09-19")
    await page.get_by_test_id("staffing-load").click()
    await expect(page.get_by_test_id("staffing-note")).to_contain_text("1:28")
    table = page.get_by_test_id("staffing-table")
    await expect(table).to_contain_text("20:00")
    await expect(table).to_contain_text("20:30")
    await expect(table.locator("tbody tr")).to_have_count(2)
    # one caller gave up in that history: the callers' patience is known and Erlang A stands beside
    await expect(page.get_by_test_id("staffing-patience")).to_contain_text("Erlang A")
    await expect(table.get_by_test_id("staffing-operators-a").first).to_have_text("1")
    await _shot(page, "staffing")
    await context.close()


async def test_a_queue_under_its_service_level_target_is_marked(
    server: RunningServer, browser: Browser
) -> None:
    """T = 10 s, the target 80 % by default: of the night's two calls answered after 12 s and 8 s, 50 %
    are within T — the queue's service level, and the total's, turn red."""
    desk = await server.signed_in("operator1")
    admin = await server.signed_in("admin")
    operator_id = str((await desk.http.get("/api/v1/me")).json()["id"])
    queue = (await desk.http.get("/api/v1/queues")).json()["items"][0]
    changed = await admin.write("PATCH", f"/api/v1/admin/queues/{queue['id']}", json={"service_level_s": 10})
    assert changed.status_code == 200, changed.text
    q = str(queue["id"])
    server.clock.advance(10 * 3600)
    async with server.application.uow_factory() as uow:
        await uow.acd.append_queue_log(
            [
                R(
                    at=NIGHT + 600,
                    kind=K.CONNECT,
                    queue_id=q,
                    call_id="a",
                    operator_id=operator_id,
                    waited_s=12,
                ),
                R(
                    at=NIGHT + 900,
                    kind=K.CONNECT,
                    queue_id=q,
                    call_id="b",
                    operator_id=operator_id,
                    waited_s=8,
                ),
            ]
        )
        await uow.commit()
    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1280, "height": 900}
    )
    page = await context.new_page()
    await page.goto("/auth")
    await page.get_by_test_id("login-username").fill("operator1")
    await page.get_by_test_id("login-password").fill(server.passwords["operator1"])
    await page.get_by_test_id("login-submit").click()
    await page.wait_for_url(lambda url: "/auth" not in url)  # signed in before the next page is asked for
    await page.goto("/statistics")
    level = page.get_by_test_id("cc-serviceLevel").locator("td.num")
    await expect(level).to_have_text("50 %")
    await expect(level).to_have_attribute("data-tone", "below_target")
    await expect(level).to_have_attribute(
        "title", "Уровень обслуживания ниже целевого хотя бы в одной очереди"
    )
    await page.get_by_test_id("center-queue").click()
    await page.locator(".n-base-select-option").filter(has_text=queue["name"]).click()
    await expect(level).to_have_attribute("title", "Уровень обслуживания ниже целевого")
    await expect(page.get_by_test_id("cc-serviceLevelTarget")).to_contain_text("80 %")
    await _shot(page, "shift-statistics-below-target")
    await context.close()
