"""Case cards in the browser: an operator creates a card by hand and fills it through the questionnaire,
a colleague's list shows it live, and «Внимание!» turns it yellow on both desktops."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer

YELLOW = "rgb(255, 246, 191)"
SCRIPT = {
    "title": "Справка",
    "questions": [
        {"id": "surname", "text": "Ваша фамилия?", "kind": "text", "binding": "applicant.last_name"},
        {"id": "what", "text": "Что случилось?", "kind": "text", "binding": "case.description"},
    ],
}


async def _choose(page: Page, select_test_id: str, option: str) -> None:
    await page.get_by_test_id(select_test_id).click()
    await page.locator(".n-base-select-option", has_text=option).first.click()


async def test_a_card_created_by_hand_is_filled_by_questionnaire_and_flagged_for_both_operators(
    server: RunningServer, browser: Browser
) -> None:
    admin = await server.signed_in("admin")
    types = (await admin.http.get("/api/v1/admin/case-types", params={"q": "Справочная"})).json()["items"]
    saved = await admin.write("PUT", f"/api/v1/case-types/{types[0]['id']}/scripts", json=SCRIPT)
    assert saved.status_code == 200, saved.text

    first = await sign_in(browser, server, "operator1")
    second = await sign_in(browser, server, "operator2")
    await expect(second.get_by_test_id("case-list-empty")).to_be_visible()

    await first.get_by_test_id("case-create").click()
    await _choose(first, "case-create-type", "Справочная информация")
    await first.get_by_test_id("case-create-phone").locator("input").fill("8 916 123-45-67")
    await first.get_by_test_id("case-create-submit").click()
    name = "Сен12_Справочная информация_001"
    await expect(first.get_by_test_id("case-name")).to_have_text(name)

    # The questionnaire: each answer is saved and its bound field fills the card.
    await expect(first.get_by_test_id("questionnaire-question")).to_have_text("Ваша фамилия?")
    await first.get_by_test_id("questionnaire-answer").locator("input").fill("Морозова")
    await first.get_by_test_id("questionnaire-next").click()
    await expect(first.get_by_test_id("questionnaire-question")).to_have_text("Что случилось?")
    await first.get_by_test_id("questionnaire-answer").locator("input").fill("Болит голова")
    await first.get_by_test_id("questionnaire-next").click()
    await expect(first.get_by_test_id("questionnaire-done")).to_be_visible()
    await expect(first.get_by_test_id("case-description").locator("textarea")).to_have_value("Болит голова")
    await expect(first.get_by_test_id("applicant-last_name").locator("input")).to_have_value("Морозова")

    # The colleague's list got the card live, with the applicant filled in by the answers.
    row = second.get_by_test_id("case-row")
    await expect(row).to_have_count(1)
    await expect(row.get_by_test_id("case-row-name")).to_have_text(name)
    await expect(row).to_contain_text("Морозова")

    await _choose(first, "case-status", "Внимание!")
    for page in (first, second):
        flagged = page.get_by_test_id("case-row")
        await expect(flagged).to_have_attribute("data-attention", "true")
        await expect(flagged).to_have_css("background-color", YELLOW)
    await expect(first.get_by_test_id("case-attention")).to_have_text("Внимание!")
