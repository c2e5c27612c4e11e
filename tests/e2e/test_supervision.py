"""The senior's console in Chromium: the operators board changes when an operator changes state, the
queues board shows a caller who joins, and a move to the head reorders the queue."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from c122.domain.users import CONSOLE
from c122.services.contact_center.simulator import CallerBehaviour, SimulatedCallSource
from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer

SCREENSHOTS = "/tmp/c122-supervision"


async def test_the_senior_sees_an_operator_change_state_and_a_caller_join_and_moves_it_to_the_head(
    server: RunningServer, browser: Browser
) -> None:
    page = await sign_in(browser, server, "senior1")
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Пульт старшего оператора").click()
    board = page.get_by_test_id("operators-board")
    await expect(board).to_be_visible()
    row = page.get_by_test_id("board-row-operator1")
    await expect(row).to_have_attribute("data-status", "offline")
    await expect(page.get_by_test_id("board-row-operator5")).to_have_count(0)  # another group

    operator = await server.signed_in("operator1")
    started = await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert started.status_code == 200, started.text
    await expect(row).to_have_attribute("data-status", "ready")
    await expect(row).to_contain_text("На дежурстве")
    await page.screenshot(path=f"{SCREENSHOTS}-operators.png")
    await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "on_break", "reason": "lunch"})
    await expect(row).to_have_attribute("data-status", "on_break")
    await expect(row).to_contain_text("Обед")

    center = server.application.contact_center
    reference = next(q for q in await center.queues(CONSOLE) if q.name == "Справочная информация")
    source = SimulatedCallSource(center, behaviour=CallerBehaviour(priority_share=0.0), prefix="e2e")
    source.act_for_callers = False
    await page.get_by_text("Очереди", exact=True).click()
    first = await source.place_call(reference.id, caller="+79001112233")
    second = await source.place_call(reference.id, caller="+79004445566")
    await expect(page.get_by_test_id(f"caller-{second}")).to_have_attribute("data-position", "2")
    await expect(page.get_by_test_id(f"caller-{first}")).to_contain_text("+79001112233")
    await page.screenshot(path=f"{SCREENSHOTS}-queues.png")
    await page.get_by_test_id(f"to-head-{second}").click()
    await expect(page.get_by_test_id(f"caller-{second}")).to_have_attribute("data-position", "1")
    await expect(page.get_by_test_id(f"caller-{first}")).to_have_attribute("data-position", "2")
