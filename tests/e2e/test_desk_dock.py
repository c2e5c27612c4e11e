"""The call dock on every screen (OPS-19, OPS-04): an operator on the call journal is offered a call,
answers it with Alt+A and keeps the call panel when going back to the desk; after the call the
wrap-up counts down to zero and the state returns to ready; a break shows its timer against the
reason's allowance and turns red with the server's end-of-break notice; the break suggestion asks
«now / later». Telephony is not part of this test: the simulated call source places the calls and
the test ends them; the server's clock is the test's.

With C122_DESK_SCREENSHOTS=<folder> the test also saves the desk in each state at 1920×1080 and
1366×768 (docs/images/ holds the published ones)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from c122.domain.acd import CompletedBy
from c122.domain.users import CONSOLE
from c122.services.contact_center.simulator import CallerBehaviour, SimulatedCallSource
from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer

BREAK_S = 60.0  # the group's allowance for «Перерыв» in this test
WORK_S = 120.0  # continuous work before the break suggestion
SIZES = {"wide": (1920, 1080), "laptop": (1366, 768)}
APPLICANTS = [
    ("Смирнова", "Анна", "+79161234567", "Запись к врачу на приём"),
    ("Кузнецов", "Игорь", "+79031112233", "Вызов врача на дом"),
    ("Попова", "Елена", "+79265554433", "Справка о работе поликлиники"),
]


async def _policy(server: RunningServer) -> None:
    admin = await server.signed_in("admin")
    operator = await server.signed_in("operator1")
    group_id = (await operator.http.get("/api/v1/me")).json()["groups"][0]["id"]
    policy = {"continuous_work_s": WORK_S, "break_allowance": {"break": BREAK_S}}
    changed = await admin.write("PATCH", f"/api/v1/admin/groups/{group_id}", json=policy)
    assert changed.status_code == 200, changed.text
    await server.application.contact_center.reload()


async def _cards(server: RunningServer) -> None:
    """A few cards in the list, so the desk looks as it does at work."""
    colleague = await server.signed_in("operator2")
    types = (await colleague.http.get("/api/v1/case-types")).json()["items"]
    for i, (last, first, phone, text) in enumerate(APPLICANTS):
        body = {
            "type_id": types[i % len(types)]["id"],
            "applicant": {"last_name": last, "first_name": first, "phones": [phone]},
            "description": text,
        }
        created = await colleague.write("POST", "/api/v1/cases", json=body)
        assert created.status_code == 201, created.text


async def _shot(page: Page, state: str) -> None:
    folder = os.environ.get("C122_DESK_SCREENSHOTS")
    if not folder:
        return
    await page.mouse.move(0, 0)  # no tooltip left open in the picture
    for size, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.wait_for_timeout(400)
        await page.screenshot(path=str(Path(folder) / f"desk-{state}-{size}.png"))
    await page.set_viewport_size({"width": 1366, "height": 768})


async def _go(page: Page, item: str) -> None:
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text(item, exact=True).click()


async def test_the_dock_takes_calls_on_any_screen_counts_wrap_up_and_breaks(
    server: RunningServer, browser: Browser
) -> None:
    await _policy(server)
    await _cards(server)
    center = server.application.contact_center
    reference = next(q for q in await center.queues(CONSOLE) if q.name == "Справочная информация")
    source = SimulatedCallSource(center, behaviour=CallerBehaviour(priority_share=0.0), prefix="dock")
    source.act_for_callers = False
    page = await sign_in(browser, server, "operator1")
    status = page.get_by_test_id("operator-status")
    await page.get_by_test_id("start-shift").click()
    await expect(status).to_have_attribute("data-status", "ready")
    await page.get_by_test_id("case-row").first.click()
    await _shot(page, "idle")

    # On the call journal, not the desk: the offer rings there and Alt+A answers it.
    await _go(page, "Журнал звонков")
    await expect(page.get_by_test_id("journal")).to_be_visible()
    call_id = await source.place_call(reference.id, caller="+79007654321")
    offer = page.get_by_test_id("offer-notice")
    await expect(offer).to_be_visible()
    await expect(page.get_by_test_id("offer-accept")).to_have_attribute("aria-keyshortcuts", "Alt+A")
    await page.keyboard.press("Alt+KeyA")
    await expect(status).to_have_attribute("data-status", "on_call")
    panel = page.get_by_test_id("call-panel")
    await expect(panel).to_be_visible()
    await expect(page.get_by_test_id("journal")).to_be_visible()

    # Back on the desk the call panel is still docked under zone 1, above the card list.
    await _go(page, "АРМ Оператора")
    await expect(page.get_by_test_id("workstation")).to_be_visible()
    await expect(panel).to_be_visible()
    panel_box = await panel.bounding_box()
    list_box = await page.get_by_test_id("zone-2").bounding_box()
    assert panel_box is not None
    assert list_box is not None
    assert panel_box["y"] + panel_box["height"] <= list_box["y"] + 1  # docked, not over the list
    await _shot(page, "talking")
    await page.get_by_test_id("call-full-screen").click()
    await expect(panel).to_have_attribute("data-expanded", "true")
    await _shot(page, "talking-full-screen")
    await page.get_by_test_id("call-full-screen").click()
    await expect(panel).to_have_attribute("data-expanded", "false")

    # After the call: the countdown from the queue's 30 s reaches zero and the operator is ready.
    await center.hang_up(call_id, CompletedBy.CALLER)
    await expect(status).to_have_attribute("data-status", "wrap_up")
    await expect(panel).to_have_count(0)
    await expect(page.get_by_test_id("wrap-up-left")).to_have_text(re.compile(r"^00:(30|2\d)$"))
    await _shot(page, "wrap-up")
    server.clock.advance(31)
    await center.tick()
    await expect(status).to_have_attribute("data-status", "ready")
    await expect(page.get_by_test_id("wrap-up")).to_have_count(0)

    # A second caller rings on the desk; «Принять» takes it, the operator ends it, «Готов» early.
    call_id = await source.place_call(reference.id, caller="+79001112233")
    await expect(offer).to_be_visible()
    await _shot(page, "ringing")
    await page.get_by_test_id("offer-accept").click()
    await expect(status).to_have_attribute("data-status", "on_call")
    await center.hang_up(call_id, CompletedBy.OPERATOR)
    await expect(status).to_have_attribute("data-status", "wrap_up")
    await page.get_by_test_id("wrap-up-ready").click()
    await expect(status).to_have_attribute("data-status", "ready")
    # The key does nothing while «Готов»'s request is still answered (the desk says so: aria-busy).
    await expect(status).to_have_attribute("aria-busy", "false")

    # A break: the timer runs against the reason's allowance; past it the server's notice turns it red.
    await page.keyboard.press("Alt+KeyB")
    # the server's answer to the break may take a while on a loaded machine
    await expect(status).to_have_attribute("data-status", "on_break", timeout=15_000)
    bar = page.get_by_test_id("break-bar")
    await expect(bar).to_have_attribute("data-allowed", str(int(BREAK_S)))
    await expect(page.get_by_test_id("break-allowed")).to_have_text("из 01:00")
    await expect(bar).to_have_attribute("data-over", "false")
    await _shot(page, "break")
    server.clock.advance(BREAK_S + 1)
    await center.tick()
    await expect(page.get_by_test_id("break-notice")).to_have_attribute("data-notice", "elapsed")
    await expect(bar).to_have_attribute("data-over", "true")
    await _shot(page, "break-over")
    await page.get_by_test_id("break-back").click()
    await expect(status).to_have_attribute("data-status", "ready")
    await expect(bar).to_have_count(0)

    # Continuous work past the group's limit: the suggestion asks; «Позже» puts it away.
    server.clock.advance(WORK_S + 1)
    await center.tick()
    suggestion = page.get_by_test_id("break-later")
    await expect(suggestion).to_be_visible()
    await _shot(page, "break-suggested")
    await suggestion.click()
    await expect(suggestion).to_have_count(0)
    await expect(status).to_have_attribute("data-status", "ready")
