"""The senior's console and screens in Chromium, without telephony (the simulated call source stands in
for callers; the cases feature is told who took the call as the call flow tells it): the operators
board shows the case in work (the card's name and type) while the operator talks and wraps up, and a
«Помощь старшего» alert reaches the senior on the journal and the statistics screens, not only on the
console."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from c122.domain.acd import CompletedBy
from c122.domain.cases import HandoverKind
from c122.domain.users import CONSOLE
from c122.services.contact_center.simulator import CallerBehaviour, SimulatedCallSource
from tests.e2e.test_workstation import sign_in
from tests.support.server import Desk, RunningServer

SCREENSHOTS = "/tmp/c122-supervision"


async def _call_with_a_card(
    server: RunningServer, desk: Desk, operator_login: str, caller: str
) -> tuple[str, object]:
    """A caller joins the reference queue, gets a card, and `operator_login` (ready, at `desk`) answers."""
    center = server.application.contact_center
    reference = next(q for q in await center.queues(CONSOLE) if q.name == "Справочная информация")
    source = SimulatedCallSource(center, behaviour=CallerBehaviour(priority_share=0.0), prefix="e2e-case")
    source.act_for_callers = False
    async with server.application.uow_factory() as uow:
        info = await uow.case_types.find({"code": "info"})
        operator = await uow.users.find({"login": operator_login})
    assert info is not None
    assert operator is not None
    call_id = await source.place_call(reference.id, caller=caller)
    cards = server.application.context.cases.calls
    case = await cards.create_case_for_call(
        caller=caller, type_id=info.id, call_id=call_id, group_id=reference.group_id
    )
    accepted = await desk.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
    assert accepted.status_code == 200, accepted.text
    await cards.call_taken(call_id, operator.id, kind=HandoverKind.ANSWERED)
    return call_id, case


async def test_the_board_shows_the_case_in_work_through_the_call_and_its_wrap_up(
    server: RunningServer, browser: Browser
) -> None:
    page = await sign_in(browser, server, "senior1")
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Пульт старшего оператора").click()
    row = page.get_by_test_id("board-row-operator1")
    await expect(row).to_have_attribute("data-status", "offline")
    operator = await server.signed_in("operator1")
    await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    await expect(row).to_have_attribute("data-status", "ready")
    await expect(row.get_by_test_id("board-case")).to_have_text("")

    call_id, case = await _call_with_a_card(server, operator, "operator1", "+79005556677")
    await expect(row).to_have_attribute("data-status", "on_call")
    cell = row.get_by_test_id("board-case")
    number = f"№{case.number:03d}"  # type: ignore[attr-defined]
    await expect(cell.get_by_test_id("board-case-number")).to_have_text(number)
    await expect(cell.get_by_test_id("board-case-type")).to_have_text("Справочная информация")
    await expect(cell).to_have_attribute("title", f"{case.name} · Справочная информация")  # type: ignore[attr-defined]
    await page.screenshot(path=f"{SCREENSHOTS}-case-in-work.png")

    await server.application.contact_center.hang_up(call_id, CompletedBy.CALLER)
    await expect(row).to_have_attribute("data-status", "wrap_up")
    await expect(cell.get_by_test_id("board-case-number")).to_have_text(number)
    back = await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert back.status_code == 200, back.text
    await expect(row).to_have_attribute("data-status", "ready")
    await expect(cell).to_have_text("")


async def test_a_raised_hand_reaches_the_senior_on_the_journal_and_the_statistics_screens(
    server: RunningServer, browser: Browser
) -> None:
    senior_desk = await server.signed_in("senior1")
    started = await senior_desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert started.status_code == 200, started.text
    await senior_desk.write(
        "PUT", "/api/v1/operators/me/state", json={"status": "on_break", "reason": "break"}
    )
    page = await sign_in(browser, server, "senior1")
    await page.goto("/journal")
    await expect(page.get_by_test_id("journal")).to_be_visible()

    operator = await server.signed_in("operator2")
    await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    await _call_with_a_card(server, operator, "operator2", "+79007778899")
    raised = await operator.write("POST", "/api/v1/help-requests")
    assert raised.status_code == 201, raised.text

    alert = page.get_by_test_id("help-alert")
    await expect(alert).to_be_visible()
    await expect(alert.get_by_test_id("help-alert-caller")).to_have_text("+79007778899")
    await expect(alert.get_by_test_id("help-alert-listen")).to_be_visible()
    await page.screenshot(path=f"{SCREENSHOTS}-alert-on-journal.png")
    # Another screen: the open request is still there (loaded afresh on the new page).
    await page.goto("/statistics")
    await expect(page.get_by_test_id("statistics")).to_be_visible()
    await expect(page.get_by_test_id("help-alert")).to_be_visible()
    await expect(page.get_by_test_id("help-alert-operator")).to_contain_text("Петров")
