"""The phone book, the call history and the abandoned-calls list in real Chromium against the real
server with telephony: an operator finds the organisation's numbers, adds one of their own (a bad
number is refused with the reason), adds a number from their history to the phone book and calls it
back through the trunk (SIPp as the carrier); a SIPp caller hangs up while waiting in the queue, the
operator sees them on the abandoned-calls list and calls them back with one click."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from c122.api.app import WEB_DIST
from c122.domain.calls import CallRecord
from tests.e2e.test_softphone import watched_sign_in
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    carrier,  # noqa: F401  (the fixture)
    hotline_overrides,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.support import databases
from tests.support.polling import until
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.peers
APPLICANT = "+79161234567"  # the number SIPp's caller presents, and the carrier answers
REGION_CALLER_ID = "+74950001122"
TAKEN_BY_ME = "Перезванивает Иванова Мария Сергеевна"


async def shot(page: Page, name: str) -> None:
    if os.environ.get("C122_SCREENSHOTS"):
        await page.wait_for_timeout(400)  # the drawer's and the tables' transitions settle
        await keep_screenshot(page, name)


@pytest.fixture
async def hotline(tmp_path: Path, carrier: Any) -> AsyncIterator[tuple[RunningServer, Any]]:  # noqa: F811
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    mobile = carrier(REGION_CALLER_ID, APPLICANT)
    template = await databases.create_sqlite_template(tmp_path)
    overrides = {**hotline_overrides(tmp_path), "trunks": [mobile.trunk("+79")]}
    async with running_server(
        databases.copy_sqlite(template, tmp_path), with_telephony=True, **overrides
    ) as server:
        yield server, mobile


async def user_id(server: RunningServer, login: str) -> int:
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"limit": 100})).json()["items"]
    return int(next(u["id"] for u in users if u["login"] == login))


async def on_shift(page: Page) -> None:
    await page.get_by_test_id("start-shift").click()
    await expect(page.get_by_test_id("health-indicator")).to_have_attribute(
        "data-media", "connected", timeout=20_000
    )


async def test_the_phone_book_and_a_call_back_from_the_history(
    hotline: tuple[RunningServer, Any],
    chromium: Browser,
) -> None:
    server, mobile = hotline
    operator_id = await user_id(server, "operator1")
    started = server.clock.now() - timedelta(minutes=20)
    # A call operator1 missed earlier: it is in their history (the journal shows an operator their calls).
    await server.application.context.calls.save(
        CallRecord(
            id="call-missed-earlier",
            direction="inbound",
            status="missed",
            caller=APPLICANT,
            called="+78001220122",
            line_number="+78001220122",
            operator_id=operator_id,
            started_at=started,
            ended_at=started + timedelta(seconds=40),
            wait_s=40.0,
            end_cause="caller_hang_up",
        )
    )
    page = await watched_sign_in(chromium, server, "operator1")
    await on_shift(page)
    await page.get_by_test_id("phone-book-button").click()
    contacts = page.get_by_test_id("phone-book-contacts")
    await expect(contacts).to_contain_text("Единая служба спасения")
    await expect(contacts).to_contain_text("112")
    await page.get_by_test_id("contact-favourite").nth(2).click()  # a favourite goes to the top
    await shot(page, "phone-book-contacts")

    await page.get_by_test_id("phone-book-add").click()
    dialog = page.get_by_test_id("contact-dialog")
    await dialog.get_by_test_id("contact-name").fill("Поликлиника №3")
    await dialog.get_by_test_id("contact-number").fill("12-ab")
    await dialog.get_by_test_id("contact-save").click()
    await expect(dialog).to_contain_text("номер «12-ab»")  # the server's 422 says which field and why
    await shot(page, "phone-book-bad-number")
    await dialog.get_by_test_id("contact-number").fill("8 (495) 123-45-67")
    await dialog.get_by_test_id("contact-save").click()
    await expect(dialog).to_have_count(0)
    await page.get_by_test_id("phone-book-search").fill("поликл")
    await expect(contacts.get_by_test_id("contact-name-cell")).to_have_text(["Поликлиника №3"])
    await expect(contacts).to_contain_text("+74951234567")

    await page.get_by_test_id("phone-book").get_by_text("Операторы", exact=True).click()
    colleagues = page.get_by_test_id("phone-book-colleagues")
    await expect(colleagues).to_contain_text("Петров Алексей Николаевич")
    await expect(colleagues).not_to_contain_text("Смирнова Ольга Павловна")  # another group
    await shot(page, "phone-book-colleagues")

    await page.get_by_test_id("phone-book").get_by_text("История звонков", exact=True).click()
    history = page.get_by_test_id("phone-book-history")
    await expect(history.get_by_test_id("history-number")).to_have_text([APPLICANT])
    await expect(history.get_by_test_id("history-kind")).to_have_attribute("data-kind", "missed")
    await history.get_by_test_id("history-add").click()
    dialog = page.get_by_test_id("contact-dialog")
    await expect(dialog.get_by_test_id("contact-number")).to_have_value(APPLICANT)
    await dialog.get_by_test_id("contact-name").fill("Заявитель Орлов")
    await dialog.get_by_test_id("contact-save").click()
    await expect(history).to_contain_text("Заявитель Орлов")  # the number now has a name
    await expect(history.get_by_test_id("history-add")).to_have_count(0)
    await shot(page, "phone-book-history")

    await mobile.start()
    await history.get_by_test_id("history-call").click()
    panel = page.get_by_test_id("call-panel")
    await expect(panel).to_be_visible(timeout=15_000)
    await expect(page.get_by_test_id("call-timer")).to_be_visible(timeout=15_000)  # the carrier answered
    await page.get_by_test_id("call-hang-up").click()
    await expect(panel).to_have_count(0, timeout=10_000)
    await mobile.finish()  # the carrier saw the region's caller ID and the hotline's BYE

    # The dial dialog offers the number for redial, and adding a number to the phone book.
    await until(lambda: back_on_duty(page), lambda now: now == "ready", timeout=20)
    await page.get_by_test_id("call-dial").click()
    await page.get_by_test_id("call-target-kind-number").click()
    await expect(page.get_by_test_id(f"call-target-recent-{APPLICANT}")).to_be_visible()
    await expect(page.get_by_test_id("call-target-add-contact")).to_be_visible()
    await shot(page, "dial-dialog-redial")
    assert await page.evaluate("window.__violations") == []


async def back_on_duty(page: Page) -> str | None:
    """The operator's status after a call, ending the wrap-up with its button while it lasts (the
    button, not its label re-drawn each second; the wrap-up may also end by itself meanwhile)."""
    status = await page.get_by_test_id("operator-status").get_attribute("data-status")
    ready = page.get_by_test_id("wrap-up-ready")
    if status == "wrap_up" and await ready.is_visible():
        with suppress(PlaywrightTimeoutError):  # it ended by itself between the look and the click
            await ready.click(timeout=2_000)
    return status


async def test_a_caller_who_hangs_up_in_the_queue_is_called_back_from_the_abandoned_list(
    hotline: tuple[RunningServer, Any],
    chromium: Browser,
    tmp_path: Path,
) -> None:
    server, mobile = hotline
    await put_menu_on_main_line(server, await info_queue_id(server))
    folder = tmp_path / "caller"
    folder.mkdir()
    caller = HotlineCaller(folder)
    # Nobody is on shift: the caller keys 1 (the information queue), waits there and hangs up. The
    # server's clock is the test's: it moves past the queue's normative wait while the caller waits.
    queue_id = await info_queue_id(server)
    senior = await server.signed_in("senior1")
    await caller.call(server, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=8000)

    async def waiting() -> int:
        return int((await senior.http.get(f"/api/v1/queues/{queue_id}")).json()["waiting"])

    await until(waiting, lambda n: n == 1)
    server.clock.advance(75)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]

    page = await watched_sign_in(chromium, server, "operator1")
    await page.get_by_test_id("abandoned-button").click()
    table = page.get_by_test_id("abandoned-table")
    await expect(table.get_by_test_id("abandoned-caller")).to_have_text([APPLICANT], timeout=10_000)
    await expect(table).to_contain_text("122 — основной номер")  # the line
    await expect(table).to_contain_text("Справочная информация")  # the queue and the IVR topic
    await expect(table.get_by_test_id("abandoned-state")).to_have_text(["Ждёт обратного звонка"])
    await expect(table.get_by_test_id("abandoned-wait")).to_have_attribute("data-late", "true")  # 75 s > 60 s
    await shot(page, "abandoned-list")

    # Off shift, taking it keeps it for this operator; on shift it is offered to them and called.
    await table.get_by_test_id("abandoned-take").click()
    await expect(table.get_by_test_id("abandoned-state")).to_contain_text(
        "Перезванивает Иванова Мария Сергеевна"
    )
    await shot(page, "abandoned-taken")
    colleague = await server.signed_in("operator2")
    refused = await colleague.write("POST", f"/api/v1/abandoned-calls/{await entry_id(colleague)}/take")
    assert refused.status_code == 409
    assert "Иванова Мария Сергеевна" in refused.json()["message"]

    await mobile.start()
    await page.keyboard.press("Escape")
    await on_shift(page)
    # Offered the moment they were ready, before the audio was up: missed, and offered again (to them
    # alone) after the queue's retry interval.
    server.clock.advance(10)
    await expect(page.get_by_test_id("offer-notice")).to_be_visible(timeout=15_000)
    await page.get_by_test_id("abandoned-button").click()
    await expect(table.get_by_test_id("abandoned-state")).to_contain_text(
        "Перезванивает Иванова Мария Сергеевна"
    )
    await table.get_by_test_id("abandoned-take").click()  # one click: the applicant is dialled
    panel = page.get_by_test_id("call-panel")
    await expect(panel).to_be_visible(timeout=15_000)
    await expect(page.get_by_test_id("call-timer")).to_be_visible(timeout=15_000)
    await page.get_by_test_id("call-hang-up").click()
    await expect(panel).to_have_count(0, timeout=10_000)
    await mobile.finish()
    await page.get_by_test_id("abandoned-button").click()
    await expect(page.get_by_test_id("abandoned-panel")).to_contain_text(
        "Пропущенных вызовов нет", timeout=10_000
    )
    assert await page.evaluate("window.__violations") == []


async def entry_id(desk: Any) -> str:
    rows = (await desk.http.get("/api/v1/abandoned-calls")).json()
    return str(rows[0]["id"])
