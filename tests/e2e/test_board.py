"""The message board in Chromium with a senior and two operators: the senior pins a notice in the
console, the operator of the group sees it on the desk live (HTML as text), an edit arrives live, a
reload keeps it, unpinning takes it down; an operator of another group never sees it. The senior
also opens a conversation with an operator from the operators board."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_messages import shot
from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer


async def open_console(page: Page) -> None:
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Пульт старшего оператора").click()
    await expect(page.get_by_test_id("operators-board")).to_be_visible()


async def test_a_notice_pinned_in_the_console_reaches_the_groups_desks_live_and_comes_down(
    server: RunningServer, browser: Browser
) -> None:
    senior = await sign_in(browser, server, "senior1")
    operator = await sign_in(browser, server, "operator1")  # reference group: the senior's
    outsider = await sign_in(browser, server, "operator5")  # vaccination group: not the senior's
    await open_console(senior)
    await senior.get_by_test_id("tab-board").click()
    await senior.get_by_test_id("notice-new").click()
    await (
        senior.get_by_test_id("notice-text")
        .locator("textarea")
        .fill("Собрание смены <b>в 15:00</b> в переговорной.\nПриходите без опозданий.")
    )
    await senior.get_by_test_id("notice-save").click()
    managed = senior.get_by_test_id("managed-notice")
    await expect(managed).to_have_count(1)
    notice_id = await managed.get_attribute("data-notice-id")

    # The operator's desk shows it at once, the markup as typed text.
    strip = operator.get_by_test_id("board-strip")
    text = strip.get_by_test_id("board-notice-text")
    await expect(text).to_have_text("Собрание смены <b>в 15:00</b> в переговорной.\nПриходите без опозданий.")
    await expect(strip.locator("b")).to_have_count(0)
    await expect(senior.get_by_test_id("notice-dialog")).to_have_count(0)
    await shot(operator, "board-desk")
    await shot(senior, "board-console")

    # An edit arrives live; a reload (a fresh stream) brings the board back whole.
    await senior.get_by_test_id(f"notice-edit-{notice_id}").click()
    await senior.get_by_test_id("notice-text").locator("textarea").fill("Собрание переносится на 16:00")
    await senior.get_by_test_id("notice-save").click()
    await expect(text).to_have_text("Собрание переносится на 16:00")
    await operator.reload()
    await expect(operator.get_by_test_id("board-notice-text")).to_have_text("Собрание переносится на 16:00")
    await expect(outsider.get_by_test_id("board-strip")).to_have_count(0)

    # Unpinned: it leaves the desk.
    await senior.get_by_test_id(f"notice-unpin-{notice_id}").click()
    await senior.get_by_role("button", name="Открепить").last.click()
    await expect(managed).to_have_count(0)
    await expect(operator.get_by_test_id("board-strip")).to_have_count(0)


async def test_the_senior_writes_to_an_operator_from_the_operators_board(
    server: RunningServer, browser: Browser
) -> None:
    senior = await sign_in(browser, server, "senior1")
    operator = await sign_in(browser, server, "operator1")
    await open_console(senior)
    await senior.get_by_test_id("row-actions-operator1").click()
    await senior.get_by_text("Написать сообщение").click()
    await expect(senior.get_by_test_id("conversations")).to_be_visible()
    await senior.get_by_test_id("message-input").locator("textarea").fill("Зайдите ко мне после вызова")
    await senior.get_by_test_id("message-send").click()
    await expect(senior.get_by_test_id("message").last).to_contain_text("Зайдите ко мне после вызова")
    await expect(operator.get_by_test_id("messages-button")).to_have_attribute("data-unread", "1")
    await shot(senior, "board-write-operator")
