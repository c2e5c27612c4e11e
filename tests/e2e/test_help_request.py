"""«Помощь старшего» in Chromium with real telephony: a baresip caller reaches operator1 (their SIP
phone answers by itself); the operator presses «Помощь старшего» on the call panel; both seniors of the
group on shift get the alert; senior1 clicks «Прослушать» and their own SIP phone joins the call
listening; senior7's alert names who took it and closes; the operator sees who came."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from c122.api.app import WEB_DIST
from c122.domain.users import Actor, Role
from tests.e2e.test_workstation import sign_in
from tests.integration.call_flow.conftest import hotline_overrides, operator_phone, sip_port
from tests.integration.call_flow.test_monitoring import straight_to_the_queue
from tests.integration.supervision.test_raise_hand import add_senior
from tests.support import databases
from tests.support.peers import Baresip
from tests.support.server import RunningServer, running_server

__all__ = ["operator_phone"]  # the SIP phone fixture of the call-flow tests

pytestmark = pytest.mark.peers
SCREENSHOTS = "/tmp/c122-help"


@pytest.fixture
async def hotline(tmp_path: Path) -> AsyncIterator[RunningServer]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    template = await databases.create_sqlite_template(tmp_path)
    database = databases.copy_sqlite(template, tmp_path)
    async with running_server(database, with_telephony=True, **hotline_overrides(tmp_path)) as server:
        yield server


async def start_shift(page: Page) -> None:
    await page.get_by_test_id("start-shift").click()
    await expect(page.get_by_test_id("operator-status")).to_have_attribute("data-status", "ready")


async def test_the_operator_raises_a_hand_and_one_click_of_a_senior_starts_listening(
    hotline: RunningServer, operator_phone: Any, browser: Browser, tmp_path: Path
) -> None:
    server = hotline
    await straight_to_the_queue(server)
    await add_senior(server, "senior7", "Справочная группа")
    server.passwords["senior7"] = "long-enough-pass"
    # Both take calls on SIP phones that answer by themselves: the senior's phone is what joins the call.
    await operator_phone(server, await server.signed_in("operator1"), "operator1", 1000)
    await operator_phone(server, await server.signed_in("senior1"), "senior1", 1700)

    operator = await sign_in(browser, server, "operator1")
    await start_shift(operator)
    folder = tmp_path / "caller"
    folder.mkdir()
    caller = Baresip(folder, 440, dial=f"sip:88001220122@127.0.0.1:{sip_port(server)}")
    await caller.start()
    try:
        panel = operator.get_by_test_id("call-panel")
        await expect(panel).to_be_visible(timeout=30_000)
        # The seniors start their shift once the caller is with the operator: nobody else waits.
        senior = await sign_in(browser, server, "senior1")
        colleague = await sign_in(browser, server, "senior7")
        await start_shift(senior)
        await start_shift(colleague)
        await colleague.get_by_test_id("panel-menu").click()
        await colleague.get_by_text("Пульт старшего оператора").click()
        await expect(colleague.get_by_test_id("operators-board")).to_be_visible()

        await operator.get_by_test_id("raise-hand-button").hover()
        await expect(
            operator.get_by_text("Позвать старшего оператора на этот разговор (Alt+P)")
        ).to_be_visible()
        await operator.get_by_test_id("raise-hand-button").click()
        await expect(operator.get_by_test_id("raise-hand-waiting")).to_contain_text("Ждём старшего")

        alerts = [page.get_by_test_id("help-alert") for page in (senior, colleague)]
        for alert in alerts:
            await expect(alert).to_have_attribute("data-status", "open")
            await expect(alert).to_contain_text("Иванова Мария Сергеевна")
        await expect(operator.get_by_test_id("raise-hand-cancel")).to_be_visible()
        await colleague.screenshot(path=f"{SCREENSHOTS}-alert-on-board.png")
        await senior.screenshot(path=f"{SCREENSHOTS}-alert.png")
        await operator.screenshot(path=f"{SCREENSHOTS}-operator-waiting.png")

        await senior.get_by_test_id("help-alert-listen").click()
        await expect(alerts[0]).to_have_count(0)
        await expect(senior.get_by_test_id("help-alert-error")).to_have_count(0)
        taken = alerts[1]
        await expect(taken).to_have_attribute("data-status", "taken")
        await expect(colleague.get_by_test_id("help-alert-taken")).to_contain_text("Волкова Елена Андреевна")
        await colleague.screenshot(path=f"{SCREENSHOTS}-taken.png")
        await expect(operator.get_by_test_id("raise-hand-taken")).to_contain_text("Волкова Елена Андреевна")
        await expect(taken).to_have_count(0, timeout=10_000)  # the notice closes by itself

        me = await (await senior.request.get(f"{server.base_url}/api/v1/me")).json()
        actor = Actor(user_id=me["id"], role=Role.SENIOR, group_ids=frozenset(g["id"] for g in me["groups"]))
        sessions = server.application.context.monitoring.active(actor)
        assert [(s.mode.value, s.call_id) for s in sessions] == [
            ("listen", await panel.get_attribute("data-call-id"))
        ]
    finally:
        await caller.stop()
