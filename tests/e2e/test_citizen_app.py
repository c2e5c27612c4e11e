"""The reference citizen app (/app) in a phone-sized Chromium as the citizen, while the operator works
in the desk in a second Chromium: register with the one-time code, create a request with a photo and
the location from the Geolocation API, see it arrive as a case on the operator's desk, chat both ways,
see the status change and its history in the app, and read a broadcast to app users. The push service
cannot be reached from here, so the app's screens are shown refreshing by their own polls (push itself
is tested against a local endpoint in tests/integration/push)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_messages import shot
from tests.e2e.test_workstation import sign_in
from tests.integration.citizen.support import jpeg_with_gps, last_code
from tests.support.server import RunningServer

PHONE = {"width": 390, "height": 844}
WHERE = {"latitude": 55.7512, "longitude": 37.6184, "accuracy": 12}


async def open_app(browser: Browser, server: RunningServer) -> Page:
    context = await browser.new_context(
        locale="ru-RU",
        base_url=server.base_url,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation=WHERE,
        permissions=["geolocation"],
    )
    page = await context.new_page()
    return page


async def test_a_citizen_sends_a_request_with_a_photo_chats_and_sees_the_status(
    server: RunningServer, browser: Browser
) -> None:
    # The phone's clock is the real one: the server's test clock is brought to it (a location measured
    # "in the future" is refused).
    server.clock.advance((datetime.now(UTC) - server.clock.now()).total_seconds())
    app = await open_app(browser, server)
    await app.goto("/app/")
    await expect(app).to_have_url(re.compile(r"/app/register$"))
    manifest = await app.evaluate("fetch('/app/manifest.webmanifest').then(r => r.json())")
    assert manifest["start_url"] == "/app/"
    assert manifest["display"] == "standalone"
    await app.wait_for_function("navigator.serviceWorker.getRegistration('/app/').then(r => !!r)")
    await shot(app, "citizen-1-register")

    # A bad number is refused with the reason; a good one gets the code.
    await app.get_by_test_id("phone").fill("12")
    await app.get_by_test_id("get-code").click()
    await expect(app.get_by_test_id("error")).to_be_visible()
    await app.get_by_test_id("phone").fill("+7 903 555-00-21")
    await app.get_by_test_id("get-code").click()
    await expect(app.get_by_test_id("register-code")).to_contain_text("+79035550021")
    await app.get_by_test_id("code").fill(
        "000000" if last_code(server, "+79035550021") != "000000" else "111111"
    )
    await app.get_by_test_id("confirm").click()
    await expect(app.get_by_test_id("error")).to_contain_text("неверный код")
    await shot(app, "citizen-2-code")
    await app.get_by_test_id("code").fill(last_code(server, "+79035550021"))
    await app.get_by_test_id("confirm").click()
    await expect(app.get_by_test_id("new-case")).to_be_visible()
    await shot(app, "citizen-3-cases-empty")

    # A request with a photo and the place the phone says it is at.
    await app.get_by_test_id("new-case").click()
    await app.get_by_test_id("description").fill("Во дворе упало дерево, перекрыт проезд")
    await app.get_by_test_id("photo").set_input_files(
        {"name": "tree.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(55.75, 37.61, (640, 480))}
    )
    await expect(app.get_by_test_id("photo-preview")).to_be_visible()
    await app.get_by_test_id("locate").click()
    await expect(app.get_by_test_id("location")).to_contain_text("55.75120, 37.61840")
    await shot(app, "citizen-4-new-request")
    await app.get_by_test_id("send-case").click()
    await expect(app.get_by_test_id("case-view")).to_be_visible()
    case_id = int(app.url.rsplit("/", 1)[1])
    await expect(app.get_by_test_id("case-status")).to_have_text("Новое обращение")
    await expect(app.get_by_test_id("case-location")).to_contain_text("55.75120, 37.61840")
    photo = app.get_by_test_id("case-photos").locator("img")
    await expect(photo).to_be_visible()
    await app.wait_for_function(
        "img => img.complete && img.naturalWidth === 640", arg=await photo.element_handle(), timeout=5000
    )
    await shot(app, "citizen-5-request")

    # The operator sees it arrive as a case card from the app, with the photo, and answers in the chat.
    desk = await sign_in(browser, server, "operator1")
    row = desk.locator(f"[data-testid=case-row][data-case-id='{case_id}']")
    await expect(row).to_be_visible(timeout=10_000)
    await row.click()
    await expect(desk.get_by_test_id("case-source")).to_contain_text("Мобильное приложение")
    panel = desk.get_by_test_id("case-chat")
    await expect(panel.get_by_test_id("chat-photo").locator("img")).to_be_visible()

    await app.get_by_test_id("open-chat").click()
    await app.get_by_test_id("chat-text").fill("Фото приложила. Когда приедут?")
    await app.get_by_test_id("chat-send").click()
    await expect(panel.get_by_test_id("chat-message").filter(has_text="Когда приедут?")).to_be_visible()
    await panel.get_by_test_id("chat-input").locator("textarea").fill("Бригада выехала, будет в течение часа")
    await panel.get_by_test_id("chat-send").click()
    answer = app.locator("[data-testid=chat-message][data-author=operator]")
    await expect(answer).to_contain_text("Бригада выехала, будет в течение часа", timeout=10_000)
    await expect(answer).to_contain_text("Иванова Мария Сергеевна")
    await shot(app, "citizen-6-chat")

    # The operator takes the case in work: the app shows the new status and its history.
    operator = await server.signed_in("operator1")
    taken = await operator.write("PUT", f"/api/v1/cases/{case_id}/status", json={"status": "in_work"})
    assert taken.status_code == 200, taken.text
    await app.get_by_test_id("back").click()
    await expect(app.get_by_test_id("case-status")).to_have_text("В работе", timeout=10_000)
    await expect(app.get_by_test_id("history-row")).to_have_count(2)
    await shot(app, "citizen-7-status")
    await app.get_by_test_id("back").click()
    await expect(app.get_by_test_id("my-case").get_by_test_id("case-status")).to_have_text("В работе")

    # A senior broadcasts to app users from the desk (seed 4.3.7.2): the app shows it in its news.
    senior = await sign_in(browser, server, "senior1")
    await senior.get_by_test_id("messages-button").click()
    await senior.get_by_test_id("tab-app-broadcasts").click()
    await senior.get_by_test_id("app-broadcast-title").locator("input").fill("Отключение воды")
    await senior.get_by_test_id("app-broadcast-text").locator("textarea").fill("Завтра с 10 до 14 часов")
    await senior.get_by_test_id("app-broadcast-send").click()
    sent_row = senior.get_by_test_id("app-broadcast")
    await expect(sent_row).to_contain_text("Отключение воды")
    await app.get_by_test_id("tab-news").click()
    news = app.get_by_test_id("news-item")
    await expect(news).to_contain_text("Отключение воды")
    await news.locator("summary").click()
    await expect(news).to_contain_text("Завтра с 10 до 14 часов")
    await shot(app, "citizen-8-news")
    await app.get_by_test_id("tab-settings").click()
    await expect(app.get_by_test_id("push-settings")).to_be_visible()
    await expect(app.get_by_test_id("call-line")).to_have_count(0)
    await shot(app, "citizen-9-settings")
    await app.get_by_test_id("tab-cases").click()
    await expect(app.get_by_test_id("call-line")).to_be_visible()  # the call itself: test_citizen_call.py
    # The senior's list counts it opened (it refreshes every 5 s).
    await expect(sent_row.get_by_test_id("app-broadcast-opened")).to_have_text("1", timeout=10_000)
    await shot(senior, "citizen-10-desk-app-broadcasts")
