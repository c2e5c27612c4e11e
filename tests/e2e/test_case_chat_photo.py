"""The operator attaches a photo in the card's «Чат с Заявителем» (Chromium): a file that is no photo is
refused with the server's reason under the chat; a photo goes to the applicant — here by the citizen
app, whose chat shows the picture — and shows in the card's chat as the operator's."""

from __future__ import annotations

import json

from playwright.async_api import Browser, expect

from tests.e2e.test_citizen_app import open_app
from tests.e2e.test_workstation import sign_in
from tests.integration.citizen.support import jpeg_with_gps, registered
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer


async def test_the_operator_sends_a_photo_from_the_cards_chat(
    server: RunningServer, browser: Browser
) -> None:
    operator = await sign_in(browser, server, "operator1")  # the first group takes app requests
    app = await registered(server, "+79035550091")
    created = await app.create_case(description="Яма на дороге у дома 5")
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]

    row = operator.locator(f"[data-testid=case-row][data-case-id='{case_id}']")
    await expect(row).to_be_visible(timeout=10_000)
    await row.click()
    panel = operator.get_by_test_id("case-chat")
    await expect(panel.get_by_test_id("chat-attach")).to_be_visible()

    picker = panel.get_by_test_id("chat-photo-input")
    await picker.set_input_files(
        {"name": "act.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n1 0 obj"}
    )
    await expect(operator.get_by_test_id("chat-error")).to_be_visible()
    await picker.set_input_files(
        {"name": "brigade.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(55.7, 37.6, (320, 240))}
    )
    photo = panel.get_by_test_id("chat-photo").locator("img")
    await expect(photo).to_be_visible()
    handle = await photo.element_handle()
    await operator.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle, timeout=5000)
    await expect(operator.get_by_test_id("chat-error")).to_have_count(0)
    await expect(photo).to_have_attribute("alt", "Фото оператора")
    await expect(panel).not_to_contain_text("Место съёмки")  # where the operator's photo was taken: not shown
    await keep_screenshot(panel, "case-chat-operator-photo")

    messages = (await app.get(f"/cases/{case_id}/messages")).json()
    assert [(m["author"], m["media_id"] is not None) for m in messages] == [("operator", True)]

    citizen = await open_app(browser, server)  # the applicant sees the picture itself in the app's chat
    session = {"deviceId": app.device_id, "token": app.token, "phone": "+79035550091"}
    await citizen.add_init_script(
        f"localStorage.setItem('c122.citizen.device', {json.dumps(json.dumps(session))})"
    )
    await citizen.goto(f"/app/cases/{case_id}/chat")
    shown = citizen.get_by_test_id("chat-photo")
    await expect(shown).to_be_visible(timeout=10_000)
    handle = await shown.element_handle()
    await citizen.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=handle, timeout=5000
    )
    await keep_screenshot(citizen, "citizen-chat-operator-photo")
