"""«Перезвонить заявителю» (TEL-07) in real Chromium against the real server with telephony: an operator
on shift creates a card for an applicant's number, calls them back with the button in the card's header;
the hotline dials the number through the trunk (SIPp as the carrier answers, seeing the region's caller
ID), the call joins the card (its id in the card's calls) and is the card's call in the journal."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.test_phone_book import APPLICANT, hotline, on_shift, shot  # noqa: F401  (the fixture)
from tests.e2e.test_softphone import watched_sign_in
from tests.integration.call_flow.conftest import carrier  # noqa: F401  (the fixture)
from tests.support.server import RunningServer

pytestmark = pytest.mark.peers


async def test_the_applicant_is_called_back_from_the_card_and_the_call_joins_it(
    hotline: tuple[RunningServer, Any],  # noqa: F811
    chromium: Browser,
) -> None:
    server, mobile = hotline
    page = await watched_sign_in(chromium, server, "operator1")
    await page.get_by_test_id("case-create").click()
    await page.get_by_test_id("case-create-type").click()
    await page.locator(".n-base-select-option", has_text="Справочная информация").first.click()
    await page.get_by_test_id("case-create-phone").locator("input").fill("8 916 123-45-67")
    await page.get_by_test_id("case-create-submit").click()
    await expect(page.get_by_test_id("case-header")).to_contain_text(APPLICANT)
    case_name = (await page.get_by_test_id("case-name").text_content() or "").strip()
    button = page.get_by_test_id("case-call-applicant")
    await expect(button).to_be_disabled()  # off shift: the desk cannot dial
    await expect(page.get_by_test_id("case-calls")).to_have_count(0)

    await on_shift(page)
    await expect(button).to_be_enabled()
    await mobile.start()
    await button.click()
    panel = page.get_by_test_id("call-panel")
    await expect(panel).to_be_visible(timeout=15_000)
    await expect(page.get_by_test_id("call-timer")).to_be_visible(timeout=15_000)  # the carrier answered
    calls = page.get_by_test_id("case-call-id")
    await expect(calls).to_have_count(1)
    call_id = (await calls.first.text_content() or "").strip()
    await shot(page, "case-call-back")
    await page.get_by_test_id("call-hang-up").click()
    await expect(panel).to_have_count(0, timeout=10_000)
    await mobile.finish()  # the carrier saw the region's caller ID and the hotline's BYE

    operator1 = await server.signed_in("operator1")
    record = (await operator1.http.get(f"/api/v1/calls/{call_id}")).json()
    assert (record["direction"], record["called"]) == ("outbound", APPLICANT)
    assert [case["name"] for case in record["cases"]] == [case_name]
    await operator1.http.aclose()
    assert await page.evaluate("window.__violations") == []
