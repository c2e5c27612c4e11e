"""The desk in English: case statuses are shown in the interface's language, not the server's
Russian labels (the list row, the open card's status selector)."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.e2e.test_workstation import sign_in
from tests.support.server import RunningServer


async def test_case_statuses_follow_the_english_locale(server: RunningServer, browser: Browser) -> None:
    operator = await server.signed_in("operator2")
    types = (await operator.http.get("/api/v1/case-types")).json()["items"]
    created = await operator.write("POST", "/api/v1/cases", json={"type_id": types[0]["id"]})
    assert created.status_code == 201, created.text

    page = await sign_in(browser, server, "operator1")
    await page.evaluate("localStorage.setItem('c122.locale', 'en')")
    await page.reload()
    row = page.get_by_test_id("case-row")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("New")
    await expect(row).not_to_contain_text("Новое обращение")
    await row.click()
    await expect(page.get_by_test_id("case-status")).to_contain_text("New")
    await page.screenshot(path="/tmp/ws/english-case.png")
