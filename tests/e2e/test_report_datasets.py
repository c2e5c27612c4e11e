"""The report builder's datasets beyond calls in Chromium: a senior builds the operators' occupancy
from their state intervals; a click on a figure says that intervals have no calls behind them.
Switched to the queue log, the same form builds the queue's events by operator and kind.
Screenshots go to $C122_SCREENSHOTS."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import Browser, Page, expect

from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord as R
from tests.e2e.test_reports import _shot, reports_server  # noqa: F401  # the fixture
from tests.e2e.test_workstation import sign_in
from tests.integration.api.test_calls import _ids
from tests.integration.reports.test_report_datasets import _change
from tests.support.server import RunningServer


async def _choose(page: Page, select_test_id: str, option: str) -> None:
    """The option named exactly so, of the menu just opened (a closed one may still be fading out).
    The click goes to the select's arrow: its middle may hold a chosen tag's ×, which removes the tag
    and opens nothing."""
    select = page.get_by_test_id(select_test_id)
    box = await select.bounding_box()
    assert box is not None
    await select.click(position={"x": box["width"] - 14, "y": box["height"] / 2})
    await _option(page, option)


async def _option(page: Page, option: str) -> None:
    exact = re.compile(f"^{re.escape(option)}$")
    await page.locator(".n-base-select-option").filter(has_text=exact).last.click()


async def _seed_yesterday(server: RunningServer) -> None:
    ids = await _ids(server)
    zone = ZoneInfo("Europe/Moscow")
    nine = (datetime.now(zone) - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    at = nine.timestamp()
    op1, iq = ids["operator1"], str(ids["info_queue"])
    async with server.application.uow_factory() as uow:
        await uow.acd.append_state_log(
            [
                _change(op1, at + 600, "ready", "on_call", 600),
                _change(op1, at + 900, "on_call", "wrap_up", 300),
                _change(op1, at + 960, "wrap_up", "ready", 60),
                _change(op1, at + 1800, "ready", "on_break", 840, reason="lunch"),
                _change(op1, at + 3600, "on_break", "ready", 1800),
            ]
        )
        await uow.acd.append_queue_log(
            [
                R(at=at, kind=K.ENTER, queue_id=iq, call_id="x1"),
                R(at=at + 35, kind=K.CONNECT, queue_id=iq, call_id="x1", operator_id=str(op1), waited_s=35),
                R(at=at + 60, kind=K.ENTER, queue_id=iq, call_id="x2"),
                R(at=at + 72, kind=K.ABANDON, queue_id=iq, call_id="x2", waited_s=12),
            ]
        )
        await uow.commit()


async def test_a_senior_reports_occupancy_then_queue_events(
    reports_server: RunningServer,  # noqa: F811
    browser: Browser,
) -> None:
    await _seed_yesterday(reports_server)
    page = await sign_in(browser, reports_server, "senior1")
    await page.set_viewport_size({"width": 1600, "height": 1000})
    await page.goto(f"{reports_server.base_url}/reports")
    await expect(page.get_by_test_id("report-measures")).to_contain_text("Поступило")

    await _choose(page, "report-dataset", "Состояния операторов")
    await _choose(page, "report-dimensions", "Оператор")
    await page.get_by_test_id("report-measures").click()
    await page.keyboard.type("на линии")
    await _option(page, "Время на линии")
    await page.keyboard.type("Занят")  # a long, filterable list: only what fits is drawn
    await _option(page, "Занятость")
    await page.keyboard.press("Escape")
    await page.get_by_test_id("report-build").click()
    table = page.get_by_test_id("report-table")
    row = table.locator("tbody tr", has_text="Иванова Мария Сергеевна")
    await expect(row).to_contain_text("20.0 %")  # (300 + 60) / (600 + 300 + 60 + 840): the break apart
    await _shot(page, "reports-states-occupancy")
    await row.get_by_test_id("report-figure").first.click()
    await expect(page.get_by_text("нет звонков или карточек для расшифровки")).to_be_visible()

    await _choose(page, "report-dataset", "Журнал очередей")  # «Оператор» fits the queue log too: it stays
    await expect(page.get_by_test_id("report-dimensions")).to_contain_text("Оператор")
    await _choose(page, "report-dimensions", "Событие очереди")
    await page.keyboard.press("Escape")
    await page.get_by_test_id("report-measures").click()
    await page.keyboard.type("Встали")
    await _option(page, "Встали в очередь")
    await page.keyboard.press("Escape")
    await page.get_by_test_id("report-build").click()
    enter = table.locator("tbody tr", has_text="постановка в очередь")
    await expect(enter.get_by_test_id("report-figure").last).to_have_text("2")  # x1 and x2 entered
    connect = table.locator("tbody tr", has_text="соединение")
    await expect(connect).to_contain_text("Иванова Мария Сергеевна")
    await expect(table.locator("tbody tr", has_text="заявитель положил трубку")).to_be_visible()
    await _shot(page, "reports-queue-log")
