"""A citizen's request from the mobile app in Chromium: the citizen side is driven through the citizen
API (as a region's app would call it; the reference app is not built yet), the operator's side in the
browser. The operator sees the request arrive with its photo, reads the citizen's message live, answers
in the card's «Чат с Заявителем», the device's long poll gets the answer, and the status change the
operator makes appears in the chat and in the app's status history."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, expect

from tests.e2e.test_messages import shot
from tests.e2e.test_workstation import sign_in
from tests.integration.citizen.support import jpeg_with_gps, registered
from tests.support.server import RunningServer


async def test_the_operator_sees_an_app_request_with_a_photo_and_chats_back(
    server: RunningServer, browser: Browser
) -> None:
    operator = await sign_in(browser, server, "operator1")  # the first group takes app requests
    app = await registered(server, "+79035550011")
    created = await app.create_case(
        description="Во дворе упало дерево, перекрыт проезд",
        location={"latitude": 55.7512, "longitude": 37.6184, "accuracy_m": 8},
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    photo = await app.post(f"/cases/{case_id}/media", content=jpeg_with_gps(55.75, 37.61, (320, 240)))
    assert photo.status_code == 201, photo.text
    sent = await app.post(f"/cases/{case_id}/messages", json={"text": "Фото приложила. Когда приедут?"})
    assert sent.status_code == 201

    row = operator.locator(f"[data-testid=case-row][data-case-id='{case_id}']")
    await expect(row).to_be_visible(timeout=10_000)
    await row.click()
    await expect(operator.get_by_test_id("case-source")).to_have_text("Мобильное приложение (SIP-звонок)")
    panel = operator.get_by_test_id("case-chat")
    await expect(panel).to_be_visible()
    await expect(panel.get_by_test_id("chat-message").filter(has_text="Когда приедут?")).to_be_visible()
    image = panel.get_by_test_id("chat-photo").locator("img")
    await expect(image).to_be_visible()
    # The photo decodes in the browser: the operator sees the picture, not a broken image.
    handle = await image.element_handle()
    await operator.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle, timeout=5000)
    assert await image.evaluate("img => img.naturalWidth") == 320
    await expect(panel.get_by_test_id("chat-location")).to_contain_text("55.75120, 37.61840")

    # The device waits for an answer; the operator writes it in the card.
    last = (await app.get(f"/cases/{case_id}/messages")).json()[-1]["id"]
    waiting = asyncio.create_task(app.get(f"/cases/{case_id}/messages", params={"after": last, "wait": 15}))
    await panel.get_by_test_id("chat-input").locator("textarea").fill("Бригада выехала, будет в течение часа")
    await panel.get_by_test_id("chat-send").click()
    answer = (await asyncio.wait_for(waiting, 10)).json()
    assert [(m["author"], m["text"]) for m in answer] == [
        ("operator", "Бригада выехала, будет в течение часа")
    ]
    await expect(panel.get_by_test_id("chat-input").locator("textarea")).to_have_value("")

    # The citizen writes again: it appears in the open card live.
    assert (await app.post(f"/cases/{case_id}/messages", json={"text": "Спасибо!"})).status_code == 201
    await expect(panel.get_by_test_id("chat-message").filter(has_text="Спасибо!")).to_be_visible()

    # The operator takes the case into work: the chat shows it, and so does the app's status history.
    await operator.get_by_test_id("case-status").click()
    await operator.get_by_text("В работе", exact=True).last.click()
    await expect(panel.get_by_test_id("chat-status").filter(has_text="В работе")).to_be_visible()
    history = (await app.get(f"/cases/{case_id}")).json()["status_history"]
    assert [row["status_label"] for row in history] == ["Новое обращение", "В работе"]
    await panel.get_by_test_id("chat-send").scroll_into_view_if_needed()
    await shot(operator, "citizen-chat")
