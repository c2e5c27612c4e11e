"""An operator signs in through the browser and watches zone 4 live."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.support.server import RunningServer


async def sign_in(browser: Browser, server: RunningServer, login: str) -> Page:
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url)
    page = await context.new_page()
    await page.goto("/auth")
    await page.get_by_test_id("login-username").fill(login)
    await page.get_by_test_id("login-password").fill(server.passwords[login])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("workstation")).to_be_visible()
    return page


async def test_operator_sees_zone_4_change_when_a_colleague_signs_in_elsewhere(
    server: RunningServer, browser: Browser
) -> None:
    page = await sign_in(browser, server, "operator1")
    for zone in ("zone-1", "zone-2", "zone-3", "zone-4"):
        await expect(page.get_by_test_id(zone)).to_be_visible()
    await expect(page.get_by_test_id("operator-name")).to_contain_text("Иванова Мария Сергеевна")
    online = page.get_by_test_id("operators-online-count")
    await expect(online).to_have_attribute("data-count", "1")
    await expect(online).to_contain_text("Операторов в сети")

    colleague = await sign_in(browser, server, "operator2")
    await expect(online).to_have_attribute("data-count", "2")
    await expect(page.get_by_test_id("operator-online-operator2")).to_contain_text(
        "Петров Алексей Николаевич"
    )

    await colleague.context.close()  # closing a browser is not signing out: still online
    desk = await server.signed_in("operator2")  # the same colleague signs in at a third workplace
    await desk.write("POST", "/api/v1/auth/logout")
    await expect(online).to_have_attribute("data-count", "1")
    await expect(page.get_by_test_id("operator-online-operator2")).to_have_count(0)


async def test_wrong_password_is_shown_in_russian(server: RunningServer, browser: Browser) -> None:
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url)
    page = await context.new_page()
    await page.goto("/auth")
    await page.get_by_test_id("login-username").fill("operator1")
    await page.get_by_test_id("login-password").fill("not-the-password")
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("login-error")).to_contain_text("Неверное имя пользователя или пароль")


async def test_a_second_login_elsewhere_sends_the_first_desktop_to_auth_with_the_reason(
    server: RunningServer, browser: Browser
) -> None:
    first = await sign_in(browser, server, "operator1")
    await sign_in(browser, server, "operator1")
    await expect(first).to_have_url(f"{server.base_url}/auth?notice=session_replaced", timeout=10_000)
    await expect(first.get_by_test_id("login-notice")).to_contain_text(
        "Выполнен вход с другого рабочего места"
    )


async def test_health_indicator_shows_the_services_on_hover(server: RunningServer, browser: Browser) -> None:
    page = await sign_in(browser, server, "operator1")
    indicator = page.get_by_test_id("health-indicator")
    await expect(indicator).to_have_attribute("data-health", "yellow")  # telephony is not running here
    await indicator.hover()
    await expect(page.get_by_test_id("health-details")).to_contain_text("Socket-сервер")
    await expect(page.get_by_test_id("health-details")).to_contain_text("SIP-сервер")
    # The server's technical details (English, for the administrator) stay in the rows' tooltips.
    await expect(page.get_by_test_id("health-socket")).not_to_contain_text("stream")
    await expect(page.get_by_test_id("health-socket")).to_have_attribute("title", re.compile("stream"))
    await page.screenshot(path="/tmp/ws/health-details.png")
