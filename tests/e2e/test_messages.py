"""Two operators and a senior in Chromium: a broadcast arrives, is marked read and turns green on the
senior's screen; a message exchange; an operator offline during a broadcast finds it at sign-in."""

from __future__ import annotations

import os

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer

# Screens are kept for a look when C122_SCREENSHOTS names a folder.
SHOTS = os.environ.get("C122_SCREENSHOTS")


async def shot(page: Page, name: str) -> None:
    if SHOTS:
        await page.screenshot(path=f"{SHOTS}/{name}.png")


async def test_a_broadcast_is_read_and_turns_green_and_a_message_goes_both_ways(
    server: RunningServer, browser: Browser
) -> None:
    senior = await sign_in(browser, server, "senior1")
    operator = await sign_in(browser, server, "operator1")
    await sign_in(browser, server, "operator2")
    # The senior writes a broadcast to the reference group's operators, all at once.
    await senior.get_by_test_id("messages-button").click()
    await senior.get_by_test_id("tab-broadcasts").click()
    await senior.get_by_test_id("broadcast-new").click()
    await senior.get_by_test_id("broadcast-text").locator("textarea").fill("Собрание <b>в 15:00</b>")
    await senior.get_by_test_id("broadcast-group").click()
    await senior.locator(".n-base-select-option", has_text="Справочная группа").first.click()
    await senior.get_by_test_id("broadcast-add-all").click()
    await shot(senior, "broadcast-create")
    await senior.get_by_test_id("broadcast-send").click()
    row = senior.get_by_test_id("sent-broadcast")
    await expect(row).to_have_count(1)
    # The operator gets the notice (fig. 54) and the unread badge (fig. 55); HTML stays text.
    notice = operator.get_by_test_id("broadcast-notice")
    await expect(notice.get_by_test_id("broadcast-notice-text")).to_have_text("Собрание <b>в 15:00</b>")
    await expect(operator.get_by_test_id("messages-button")).to_have_attribute("data-unread", "1")
    await shot(operator, "broadcast-notice")
    await operator.get_by_test_id("broadcast-mark-read").click()
    await expect(notice).to_have_count(0)
    await expect(operator.get_by_test_id("messages-button")).to_have_attribute("data-unread", "0")
    # The senior's list: operator1 green, operator2 not yet (fig. 52).
    broadcast_id = await row.get_attribute("data-broadcast-id")
    await senior.get_by_test_id(f"recipients-{broadcast_id}").click()
    recipients = senior.get_by_test_id(f"recipients-list-{broadcast_id}")
    await expect(recipients.get_by_text("Иванова Мария Сергеевна")).to_have_attribute("data-read", "true")
    await expect(recipients.get_by_text("Петров Алексей Николаевич")).to_have_attribute("data-read", "false")
    await shot(senior, "broadcast-recipients")
    await senior.get_by_test_id(f"recipients-{broadcast_id}").click()
    await expect(recipients).to_have_count(0)

    # A message exchange: the operator writes to the senior, who answers.
    await senior.get_by_test_id("tab-conversations").click()
    await operator.get_by_test_id("messages-button").click()
    senior_id = (await (await server.signed_in("admin")).http.get("/api/v1/admin/users?q=senior1")).json()[
        "items"
    ][0]["id"]
    await operator.get_by_test_id(f"conversation-{senior_id}").click()
    await operator.get_by_test_id("message-input").locator("textarea").fill("Нужна консультация")
    await operator.get_by_test_id("message-send").click()
    await expect(senior.get_by_test_id("messages-button")).to_have_attribute("data-unread", "1")
    operator_id = (
        await (await server.signed_in("admin")).http.get("/api/v1/admin/users?q=operator1")
    ).json()["items"][0]["id"]
    await senior.get_by_test_id(f"conversation-{operator_id}").click()
    await expect(senior.get_by_test_id("message").last).to_contain_text("Нужна консультация")
    await expect(senior.get_by_test_id("messages-button")).to_have_attribute("data-unread", "0")
    await senior.get_by_test_id("message-input").locator("textarea").fill("Сейчас подойду")
    await senior.get_by_test_id("message-input").locator("textarea").press("Enter")
    await expect(operator.get_by_test_id("message").last).to_contain_text("Сейчас подойду")
    await shot(operator, "conversation")
    await shot(senior, "conversation-senior")


async def test_an_operator_offline_during_a_broadcast_sees_it_after_signing_in(
    server: RunningServer, browser: Browser
) -> None:
    senior = await server.signed_in("senior1")
    sent = await senior.write(
        "POST", "/api/v1/broadcasts", json={"text": "Пока вас не было", "everyone": True}
    )
    assert sent.status_code == 201, sent.text
    operator = await sign_in(browser, server, "operator3")
    await expect(operator.get_by_test_id("broadcast-notice-text")).to_have_text("Пока вас не было")
    await expect(operator.get_by_test_id("messages-button")).to_have_attribute("data-unread", "1")
    await operator.get_by_test_id("messages-button").click()
    await operator.get_by_test_id("tab-received").click()
    await expect(operator.get_by_test_id("received-broadcast")).to_have_attribute("data-read", "false")
    await shot(operator, "received-history")
    await operator.get_by_test_id("received-mark-read").click()
    await expect(operator.get_by_test_id("received-broadcast")).to_have_attribute("data-read", "true")
