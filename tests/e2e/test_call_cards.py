"""The card opens with the call and goes with it (TEL-14, OPS-18, OPS-20, TEL-12), in real Chromium
against the real server with telephony, SIPp callers and two browser operators:

1. a caller who chose a topic rings operator 1: the card is on the desk while it rings, with the
   caller's number, the service number, the group and a running duration;
2. operator 1 answers and transfers to operator 2 — who has just gone on break: 409 with the reason,
   the call stays; back on duty, the transfer rings operator 2's desk like an offered call (the
   alert names operator 1), operator 2 answers: the docked call panel is theirs (hold, hang-up) and
   the card opens with the history of who had it; operator 2 holds, then hangs up;
3. a caller without an IVR choice (the line's default type) hangs up while it rings: the card stays,
   marked missed.

Screenshots: /tmp/ws/card-ringing.png, /tmp/ws/transfer-ringing.png, /tmp/ws/card-after-transfer.png,
/tmp/ws/card-missed.png."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, Page, expect

from c122.domain.users import CONSOLE, Actor, Role
from tests.e2e.test_softphone import watched_sign_in
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    info_queue_id,
    put_menu_on_main_line,
    route_main_line,
)
from tests.support.server import RunningServer

SHOTS = Path("/tmp/ws")


async def on_shift(page: Page) -> None:
    await page.get_by_test_id("start-shift").click()
    await expect(page.get_by_test_id("health-indicator")).to_have_attribute(
        "data-media", "connected", timeout=20_000
    )


async def operator_actor(server: RunningServer, login: str) -> Actor:
    async with server.application.uow_factory() as uow:
        user = await uow.users.find({"login": login})
    assert user is not None
    return Actor(user_id=user.id, role=Role.OPERATOR, group_ids=user.group_ids)


async def straight_to_queue(server: RunningServer, queue_id: int) -> None:
    """The main line without a menu: callers make no IVR choice and reach the queue at once."""
    flow = {
        "name": "straight_to_queue",
        "entry": "queue",
        "timezone": "Europe/Moscow",
        "nodes": {"queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0}},
    }
    await server.application.context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(server, "straight_to_queue")


async def test_the_card_opens_on_ringing_goes_with_a_transfer_and_stays_for_a_missed_call(
    telephony_server: RunningServer, chromium: Browser, tmp_path: Path
) -> None:
    server = telephony_server
    SHOTS.mkdir(exist_ok=True)  # noqa: ASYNC240 (a folder for the screenshots, once)
    queue_id = await info_queue_id(server)
    await put_menu_on_main_line(server, queue_id)
    first = await watched_sign_in(chromium, server, "operator1")
    second = await watched_sign_in(chromium, server, "operator2")
    await first.set_viewport_size({"width": 1400, "height": 900})
    await second.set_viewport_size({"width": 1400, "height": 900})
    await on_shift(first)

    callers = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        callers.append(HotlineCaller(folder))
    try:
        # 1. Ringing: the card is there before the answer, with the call's facts (fig. 39).
        await callers[0].call(server, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=40000)
        call = first.get_by_test_id("case-call")
        await expect(call).to_have_attribute("data-phase", "ringing", timeout=25_000)
        await expect(first.get_by_test_id("offer-notice")).to_be_visible()
        await expect(first.get_by_test_id("case-call-caller")).to_have_text("+79161234567")
        await expect(first.get_by_test_id("case-call-service")).to_contain_text("+78001220122")
        await expect(first.get_by_test_id("case-call-group")).to_have_text("Справочная группа")
        await expect(first.get_by_test_id("case-name")).to_contain_text("Справочная информация")
        await expect(first.get_by_test_id("case-source")).to_have_text("ТфОП-звонок")
        await expect(first.get_by_test_id("case-call-duration")).to_have_text(re.compile(r"^00:0[1-9]$"))
        await first.screenshot(path=str(SHOTS / "card-ringing.png"))
        call_id = await call.get_attribute("data-call-id")

        await first.get_by_test_id("offer-accept").click()
        await expect(call).to_have_attribute("data-phase", "talking", timeout=10_000)

        # 2. «Передать»: operator 2 is listed on duty, then goes on break before the transfer is sent.
        await on_shift(second)
        await first.get_by_test_id("call-transfer").click()
        colleague = first.get_by_test_id("call-target-colleague-operator2")
        await expect(colleague).to_be_visible()
        await colleague.click()
        await server.application.contact_center.set_my_state(
            await operator_actor(server, "operator2"), "on_break", "lunch"
        )
        await first.get_by_test_id("call-target-submit").click()
        await expect(first.get_by_test_id("call-target-error")).to_contain_text("оператор на перерыве")
        await expect(call).to_have_attribute("data-phase", "talking")  # the call stays
        await expect(first.get_by_test_id("operator-status")).to_have_attribute("data-status", "on_call")

        await server.application.contact_center.set_my_state(
            await operator_actor(server, "operator2"), "ready"
        )
        await first.get_by_test_id("call-target-submit").click()
        await expect(first.get_by_test_id("call-target-dialog")).to_have_count(0)

        # Operator 2's desk rings with the call, as with one offered from a queue; operator 1 waits.
        alert = second.get_by_test_id("offer-notice")
        await expect(alert).to_have_attribute("data-call-id", call_id or "", timeout=10_000)
        await expect(alert).to_have_attribute("data-put-through", "true")
        await expect(second.get_by_test_id("offer-transferred-by")).to_contain_text("Иванова Мария Сергеевна")
        await expect(second.get_by_test_id("offer-caller")).to_contain_text("+79161234567")
        await expect(second.get_by_test_id("call-panel")).to_have_count(0)
        await expect(first.get_by_test_id("operator-status")).to_have_attribute("data-status", "on_call")
        await second.screenshot(path=str(SHOTS / "transfer-ringing.png"))
        await second.get_by_test_id("offer-accept").click()

        panel = second.get_by_test_id("call-panel")
        await expect(panel).to_have_attribute("data-call-id", call_id or "", timeout=10_000)
        await expect(second.get_by_test_id("call-caller")).to_have_text("+79161234567")
        await expect(second.get_by_test_id("offer-notice")).to_have_count(0)
        await expect(first.get_by_test_id("operator-status")).to_have_attribute("data-status", "wrap_up")
        await expect(first.get_by_test_id("call-panel")).to_have_count(0)

        moved = second.get_by_test_id("case-call")
        await expect(moved).to_have_attribute("data-call-id", call_id or "", timeout=10_000)
        await expect(moved).to_have_attribute("data-phase", "talking")
        await expect(second.get_by_test_id("case-call-caller")).to_have_text("+79161234567")
        await expect(second.get_by_test_id("case-call-service")).to_contain_text("+78001220122")
        await expect(second.get_by_test_id("case-call-group")).to_have_text("Справочная группа")
        await expect(second.get_by_test_id("case-call-from")).to_have_text("Иванова Мария Сергеевна")
        handovers = second.get_by_test_id("case-handover")
        await expect(handovers).to_have_count(2)
        await expect(handovers.nth(0)).to_contain_text("Иванова Мария Сергеевна")
        await expect(handovers.nth(1)).to_have_attribute("data-kind", "blind")
        await expect(handovers.nth(1)).to_contain_text("Иванова Мария Сергеевна")
        await expect(handovers.nth(1)).to_contain_text("Петров Алексей Николаевич")
        await second.screenshot(path=str(SHOTS / "card-after-transfer.png"))

        # The call is operator 2's now: hold and back, then hang up (the caller hears BYE).
        await second.get_by_test_id("call-hold").click()
        await expect(panel).to_have_attribute("data-held", "true", timeout=10_000)
        await second.get_by_test_id("call-hold").click()
        await expect(panel).to_have_attribute("data-held", "false", timeout=10_000)
        await second.get_by_test_id("call-hang-up").click()
        await expect(panel).to_have_count(0, timeout=10_000)
        code, output = await callers[0].finish()
        assert code == 0, output[-3000:]
        await expect(second.get_by_test_id("operator-status")).to_have_attribute(
            "data-status", "ready", timeout=10_000
        )

        # 3. No IVR choice (the line's default type), and the caller hangs up while it rings.
        await straight_to_queue(server, queue_id)
        await callers[1].call(server, "hotline_caller.xml", digits="1", listen_ms=500, wait_ms=4000)
        ringing = second.get_by_test_id("case-call")
        await expect(ringing).to_have_attribute("data-phase", "ringing", timeout=20_000)
        missed_id = await ringing.get_attribute("data-call-id")
        assert missed_id != call_id
        await expect(second.get_by_test_id("case-name")).to_contain_text("Справочная информация")
        await expect(second.get_by_test_id("case-missed")).to_be_visible(timeout=20_000)
        await expect(ringing).to_have_attribute("data-phase", "ended")
        await expect(second.get_by_test_id("case-row-missed").first).to_be_visible()
        await second.screenshot(path=str(SHOTS / "card-missed.png"))
        code, output = await callers[1].finish()
        assert code == 0, output[-3000:]
        assert await second.evaluate("window.__violations") == []
    finally:
        for person in callers:
            if person.process is not None and person.process.returncode is None:
                person.process.kill()
                await person.process.wait()
