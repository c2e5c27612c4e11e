"""The report builder in Chromium (ADM-03): a senior opens «Отчёты» from the control panel, builds a
report of yesterday's calls without SQL, drills from a figure to the calls behind it and on to the call
journal filtered to them, shows the report as bars and clicks a bar, saves it, and exports it as .xlsx,
which holds the figures shown. Screenshots go to $C122_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Browser, Page, expect

from c122.api.app import WEB_DIST
from tests.e2e.test_cases import _choose
from tests.e2e.test_workstation import sign_in
from tests.integration.api.test_calls import _ids
from tests.integration.reports.test_report_schedules import Mailbox
from tests.integration.reports.test_reports import _call
from tests.support import databases
from tests.support.fuzz import free_port
from tests.support.server import RunningServer, running_server


@pytest.fixture
async def reports_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    template = await databases.create_sqlite_template(tmp_path)
    async with running_server(databases.copy_sqlite(template, tmp_path), data_dir=tmp_path) as running:
        yield running


async def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("C122_SCREENSHOTS")
    if folder:
        await page.wait_for_timeout(500)  # the chart's animation and the drawer settle
        await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


async def _seed_yesterday(server: RunningServer) -> datetime:
    """Yesterday by the browser's clock (the builder's default period is the last seven days): four
    calls of the info group, two of the medical one, one of the vaccination group senior1 does not see."""
    ids = await _ids(server)
    day = (datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0, tzinfo=None
    )
    info, medical, iq, mq = ids["info"], ids["medical"], ids["info_queue"], ids["medical_queue"]
    for record in (
        _call("e1", day.replace(hour=9), group=info, queue=iq, operator=ids["operator1"], wait=10, talk=100),
        _call("e2", day.replace(hour=10), group=info, queue=iq, operator=ids["operator1"], wait=30, talk=90),
        _call("e3", day.replace(hour=11), group=info, queue=iq, operator=None, status="missed", wait=40),
        _call(
            "e4", day.replace(hour=13), group=medical, queue=mq, operator=ids["operator2"], wait=5, talk=60
        ),
        _call(
            "e5",
            day.replace(hour=14),
            group=ids["vaccination"],
            queue=ids["vaccination_queue"],
            operator=ids["operator2"],
            wait=5,
            talk=60,
        ),
    ):
        await server.application.context.calls.save(record)
    return day


async def test_a_senior_builds_saves_charts_drills_and_exports_a_report(
    reports_server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    day = await _seed_yesterday(reports_server)
    page = await sign_in(browser, reports_server, "senior1")
    await page.set_viewport_size({"width": 1600, "height": 1000})
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Отчёты", exact=True).click()
    await expect(page.get_by_test_id("reports")).to_be_visible()
    await expect(page.get_by_test_id("report-measures")).to_contain_text("Поступило")

    # By day and group: offered, answered, service level (the builder's default measures).
    await _choose(page, "report-dimensions", "Группа")
    await page.get_by_test_id("report-build").click()
    table = page.get_by_test_id("report-table")
    await expect(table.locator("tbody tr")).to_have_count(2)  # info and medical: not the vaccination group
    info_row = table.locator("tbody tr", has_text="Справочная группа")
    await expect(info_row).to_contain_text(day.strftime("%d.%m.%Y"))
    await expect(info_row).to_contain_text("33.3 %")  # 1 answered within 20 s of 3 offered
    await _shot(page, "reports-table")

    # Drill-down from the info group's «Поступило» figure to its calls, then to the journal.
    await info_row.get_by_test_id("report-figure").first.click()
    drawer = page.get_by_test_id("report-drill")
    await expect(drawer.get_by_test_id("drill-row")).to_have_count(3)
    await _shot(page, "reports-drill")
    await drawer.get_by_test_id("report-to-journal").click()
    journal = page.get_by_test_id("journal-table")
    await expect(journal.locator("tbody tr")).to_have_count(3)
    await page.go_back()

    # The same report as bars; a click on a bar lists that cell's calls.
    await expect(page.get_by_test_id("reports")).to_be_visible()
    await page.get_by_test_id("report-build").click()
    await page.get_by_test_id("report-view").get_by_text("Столбцы", exact=True).click()
    chart = page.get_by_test_id("report-chart")
    await expect(chart.locator("svg")).to_be_visible()
    await _shot(page, "reports-bars")
    # One day, two groups: the info group's bar is the left one of the pair (a click at its middle).
    await page.wait_for_timeout(1000)  # the bars' animation ends
    box = await chart.bounding_box()
    assert box is not None
    await page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
    await expect(page.get_by_test_id("report-drill")).to_contain_text("Справочная группа")
    await expect(page.get_by_test_id("report-drill").get_by_test_id("drill-row").first).to_be_visible()
    await page.keyboard.press("Escape")

    # Saved, listed, and exported as .xlsx.
    await page.get_by_test_id("report-name").locator("input").fill("Звонки по группам")
    await page.get_by_test_id("report-save").click()
    await expect(page.get_by_test_id("saved-reports")).to_contain_text("Звонки по группам")
    await page.get_by_test_id("report-export").click()
    async with page.expect_download() as download_info:
        await page.locator(".n-dropdown-option", has_text=".xlsx").click()
    download = await download_info.value
    saved = tmp_path / "report.xlsx"
    await download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Звонки по группам"
    info = next(r for r in rows if r[1] == "Справочная группа")
    assert info[:4] == [day.strftime("%d.%m.%Y"), "Справочная группа", 3, 2]
    assert info[4] == pytest.approx(1 / 3)

    # Day × group as a heat map: the groups down, the day across, the offered calls in the squares.
    await page.get_by_test_id("report-view").get_by_text("Тепловая карта", exact=True).click()
    await expect(page.get_by_test_id("report-chart")).to_contain_text("Медицинская группа")
    await _shot(page, "reports-heatmap")
    # A pie needs one dimension: the screen says so instead of drawing nonsense.
    await page.get_by_test_id("report-view").get_by_text("Круговая", exact=True).click()
    await expect(page.get_by_test_id("reports")).to_contain_text("Круговой диаграмме нужно одно измерение")


async def test_a_schedule_is_set_in_the_builder_and_its_refused_send_shows(
    tmp_path: Path, browser: Browser
) -> None:
    """The mail server is a real aiosmtpd on loopback that refuses every message."""
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    box, port = Mailbox(), free_port()
    box.refusing = True
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    template = await databases.create_sqlite_template(tmp_path)
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "c122@122.example.ru"}
    try:
        async with running_server(
            databases.copy_sqlite(template, tmp_path), data_dir=tmp_path, smtp_starttls=False, **smtp
        ) as server:
            page = await sign_in(browser, server, "senior1")
            await page.set_viewport_size({"width": 1600, "height": 1200})
            await page.goto(f"{server.base_url}/reports")
            await expect(page.get_by_test_id("report-measures")).to_contain_text("Поступило")
            await page.get_by_test_id("report-name").locator("input").fill("Неделя по дням")
            schedule = page.get_by_test_id("report-schedule")
            await schedule.get_by_test_id("schedule-enabled").click()
            await schedule.get_by_text("Еженедельно", exact=True).click()
            await _choose(page, "schedule-weekday", "сб")
            await schedule.get_by_test_id("schedule-time").locator("input").fill("12:30")
            await schedule.get_by_test_id("schedule-recipients").locator("button").click()
            await schedule.get_by_test_id("schedule-recipients").locator("input").fill("head@122.example.ru")
            await page.keyboard.press("Enter")
            await schedule.get_by_text(".pdf", exact=True).click()
            await page.get_by_test_id("report-save").click()
            status = page.get_by_test_id("schedule-status")
            await expect(status).to_contain_text("Ждёт отправки")
            await expect(status).to_contain_text("12.09.2026, 12:30:00")

            server.clock.advance(31 * 60)
            await server.application.context.report_schedules.run_due()
            await page.reload()
            await page.get_by_test_id("saved-reports").get_by_text("Неделя по дням").click()
            await expect(status).to_contain_text("Не отправлен, повтор")
            await expect(status).to_contain_text("554 5.7.1 Relay denied")
            await expect(status).to_contain_text("Неудачных попыток: 1")
            folder = os.environ.get("C122_SCREENSHOTS")
            if folder:  # the section sits below the builder's fold: its own picture
                await schedule.screenshot(path=str(Path(folder) / "reports-schedule-refused.png"))
    finally:
        controller.stop()
    assert box.refused == 1
