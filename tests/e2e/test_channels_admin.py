"""The administrator's «Каналы и чат-бот» screen with real Kannel and its test SMSC, and the Telegram
bot's Bot API answered by a local stand-in (the real one cannot be reached from here; the stand-in
serves recorded Bot API response JSON, tests/support/telegram.py): both gateways' health, a test SMS
that reaches the SMSC, a test message to a chat, and a channel's flow refused for a menu without text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from c122.api.app import WEB_DIST
from c122.domain.citizen import Channel
from c122.domain.users import CONSOLE
from c122.services.ivr.ports import NewPrompt
from tests.e2e.test_workstation import sign_in
from tests.support import databases
from tests.support.kannel import Kannel
from tests.support.polling import until
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer, running_server
from tests.support.telegram import TelegramStandIn

SECRET = "sms-callback-secret-of-the-e2e"
TOKEN = "7712345678:AAH-e2e-token"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def hotline(tmp_path: Path) -> AsyncIterator[tuple[RunningServer, Kannel, TelegramStandIn]]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    template = await databases.create_sqlite_template(tmp_path)
    gateway = Kannel(tmp_path)
    telegram = TelegramStandIn(TOKEN)
    telegram.start()

    def addressed(base_url: str) -> dict[str, object]:
        return {
            **gateway.product_settings(base_url, SECRET),
            "telegram_bot_token": TOKEN,
            "telegram_api_base": telegram.base_url,
            "telegram_webhook_secret": "telegram-webhook-secret-e2e",
        }

    try:
        async with running_server(databases.copy_sqlite(template, tmp_path), addressed=addressed) as server:
            gateway.start_for(server.base_url, SECRET)
            try:
                yield server, gateway, telegram
            finally:
                gateway.stop()
    finally:
        telegram.stop()


async def _flows(server: RunningServer) -> None:
    """A text flow and a voice-only one (its menu's recording has no text)."""
    now = datetime.now(UTC)
    async with server.application.uow_factory() as uow:
        await uow.ivr.add_prompt(NewPrompt("chat_menu", "Меню", "tts", "1 — врач на дом", 0, ""), now)
        await uow.ivr.add_prompt(NewPrompt("recorded", "Запись", "upload", None, 0, ""), now)
        queue = (await uow.queues.search("", 1, 0)).items[0]
        await uow.commit()
    for name, prompt in (("Чат 122", "chat_menu"), ("Только голос", "recorded")):
        await server.application.context.ivr_flows.create(
            CONSOLE,
            {
                "name": name,
                "entry": "menu",
                "timezone": "Europe/Moscow",
                "nodes": {
                    "menu": {
                        "type": "menu",
                        "prompt": prompt,
                        "branches": {"1": "queue"},
                        "fallback": "queue",
                    },
                    "queue": {"type": "enqueue", "queue": str(queue.id)},
                },
            },
        )


async def test_the_administrator_checks_both_gateways_and_sets_a_channels_flow(
    hotline: tuple[RunningServer, Kannel, TelegramStandIn], browser: Browser
) -> None:
    server, gateway, telegram = hotline
    await _flows(server)
    page = await sign_in(browser, server, "admin")
    await page.set_viewport_size({"width": 1400, "height": 900})
    await page.goto(f"{server.base_url}/admin/channels")
    await expect(page.get_by_test_id("channels-sms-health")).to_have_text("Работает", timeout=20000)
    await expect(page.get_by_test_id("channels-messenger-health")).to_have_text("Работает")
    await expect(page.get_by_test_id("channels-messenger")).to_contain_text("@line122_bot")

    await page.get_by_test_id("channels-sms-to").locator("input").fill("+79161234567")
    await page.get_by_test_id("channels-sms-test").click()
    parts = await gateway.wait_sent(1)
    assert parts[0].receiver == "+79161234567"
    assert parts[0].text == "Проверка канала С-122"

    await page.get_by_test_id("channels-messenger-to").locator("input").fill("524817733")
    await page.get_by_test_id("channels-messenger-test").click()

    # The SMS test's notice may still show: wait for the message itself at the Bot API.
    async def sent() -> list[dict[str, object]]:
        return telegram.sent()

    messages = await until(sent, lambda found: len(found) > 0)
    assert messages[-1]["chat_id"] == "524817733"
    await expect(page.get_by_text("Тестовое сообщение отправлено").first).to_be_visible()

    await page.get_by_test_id("channel-flow-sms").click()
    await page.locator(".n-base-select-option:visible", has_text="Только голос").click()
    await page.get_by_test_id("channel-save-sms").click()
    await expect(page.get_by_test_id("channel-problem-sms")).to_contain_text("у меню «menu» нет текста")

    await page.keyboard.press("Escape")  # the SMS row's menu may still be fading out
    await page.get_by_test_id("channel-flow-messenger").click()
    await page.locator(".n-base-select-option:visible", has_text="Чат 122").last.click()  # the newest menu
    await page.get_by_test_id("channel-save-messenger").click()
    await expect(page.get_by_text("Настройки канала сохранены").first).to_be_visible()
    async with server.application.uow_factory() as uow:
        setting = await uow.bot.setting(Channel.MESSENGER)
    assert setting is not None
    assert setting.flow_name == "Чат 122"
    await keep_screenshot(page, "admin-channels")
