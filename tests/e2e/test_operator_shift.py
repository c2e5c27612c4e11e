"""An operator starts the shift in the browser, a simulated call is offered, they accept it, and the
desktop shows them on the call; zone 4 counts the caller while they wait."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from c122.domain.users import CONSOLE
from c122.services.contact_center.simulator import CallerBehaviour, SimulatedCallSource
from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer


async def test_operator_starts_the_shift_accepts_an_offered_call_and_is_shown_on_it(
    server: RunningServer, browser: Browser
) -> None:
    page = await sign_in(browser, server, "operator1")
    center = server.application.contact_center
    reference = next(q for q in await center.queues(CONSOLE) if q.name == "Справочная информация")
    # Telephony is not part of this test: the simulated call source places the call.
    source = SimulatedCallSource(center, behaviour=CallerBehaviour(priority_share=0.0), prefix="e2e")
    source.act_for_callers = False

    await source.place_call(reference.id, caller="+79007654321")  # nobody on duty yet: it waits
    await expect(page.get_by_test_id(f"queue-{reference.id}")).to_have_attribute("data-waiting", "1")
    await expect(page.get_by_test_id("calls-waiting-count")).to_have_attribute("data-count", "1")

    await page.get_by_test_id("start-shift").click()
    offer = page.get_by_test_id("offer-notice")
    await expect(offer).to_be_visible()
    await expect(page.get_by_test_id("offer-caller")).to_contain_text("+79007654321")
    await expect(page.get_by_test_id("operator-status")).to_have_attribute("data-status", "offered")

    await page.get_by_test_id("offer-accept").click()
    status = page.get_by_test_id("operator-status")
    await expect(status).to_have_attribute("data-status", "on_call")
    await expect(status).to_contain_text("Разговор")
    await expect(offer).to_have_count(0)
    await expect(page.get_by_test_id("calls-waiting-count")).to_have_attribute("data-count", "0")
