"""After the call (OPS-19): the desk counts the wrap-up down; when it ends the operator is ready
again, and «Готов» ends it early. Telephony is not part of this test: the simulated call source
places the calls and the test ends them; the server's clock is the test's."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from c122.domain.acd import CompletedBy
from c122.domain.users import CONSOLE
from c122.services.contact_center.simulator import CallerBehaviour, SimulatedCallSource
from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer


async def test_the_wrap_up_counts_down_to_ready_and_ready_ends_it_early(
    server: RunningServer, browser: Browser
) -> None:
    page = await sign_in(browser, server, "operator1")
    center = server.application.contact_center
    reference = next(q for q in await center.queues(CONSOLE) if q.name == "Справочная информация")
    source = SimulatedCallSource(center, behaviour=CallerBehaviour(priority_share=0.0), prefix="e2e")
    source.act_for_callers = False
    status = page.get_by_test_id("operator-status")
    await page.get_by_test_id("start-shift").click()
    await expect(status).to_have_attribute("data-status", "ready")

    # First call: the countdown shows the queue's 30 s, then the server's wrap-up ends on time.
    call_id = await source.place_call(reference.id, caller="+79007654321")
    await page.get_by_test_id("offer-accept").click()
    await expect(status).to_have_attribute("data-status", "on_call")
    await center.hang_up(call_id, CompletedBy.CALLER)
    await expect(status).to_have_attribute("data-status", "wrap_up")
    left = page.get_by_test_id("wrap-up-left")
    await expect(left).to_have_text(re.compile(r"^00:(30|2\d)$"))  # counting down from the queue's 30 s
    await page.screenshot(path="/tmp/ws/wrap-up-countdown.png")
    server.clock.advance(31)
    await center.tick()
    await expect(status).to_have_attribute("data-status", "ready")
    await expect(page.get_by_test_id("wrap-up")).to_have_count(0)

    # Second call: «Готов» during the wrap-up returns to duty at once.
    call_id = await source.place_call(reference.id, caller="+79001112233")
    await page.get_by_test_id("offer-accept").click()
    await expect(status).to_have_attribute("data-status", "on_call")
    await center.hang_up(call_id, CompletedBy.OPERATOR)
    await expect(status).to_have_attribute("data-status", "wrap_up")
    await page.get_by_test_id("wrap-up-ready").click()
    await expect(status).to_have_attribute("data-status", "ready")
