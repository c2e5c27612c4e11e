"""SMS in the card's one conversation through real Kannel and its test SMSC: the operator answers by SMS
from «Чат с Заявителем», sees the message reach «Доставлено», and the applicant's SMS answer appears in
the same conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from c122.api.app import WEB_DIST
from tests.e2e.test_workstation import sign_in
from tests.support import databases
from tests.support.kannel import Kannel
from tests.support.server import RunningServer, running_server

SECRET = "sms-callback-secret-of-the-e2e"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def hotline(tmp_path: Path) -> AsyncIterator[tuple[RunningServer, Kannel]]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    template = await databases.create_sqlite_template(tmp_path)
    gateway = Kannel(tmp_path)

    def addressed(base_url: str) -> dict[str, object]:
        return gateway.product_settings(base_url, SECRET)

    async with running_server(databases.copy_sqlite(template, tmp_path), addressed=addressed) as server:
        gateway.start_for(server.base_url, SECRET)
        try:
            yield server, gateway
        finally:
            gateway.stop()


async def test_the_operator_texts_the_applicant_from_the_card_and_reads_the_answer(
    hotline: tuple[RunningServer, Kannel], browser: Browser
) -> None:
    server, gateway = hotline
    page = await sign_in(browser, server, "operator1")
    await page.get_by_test_id("case-create").click()
    await page.get_by_test_id("case-create-type").click()
    await page.locator(".n-base-select-option", has_text="Справочная информация").first.click()
    await page.get_by_test_id("case-create-phone").locator("input").fill("8 916 123-45-67")
    await page.get_by_test_id("case-create-submit").click()
    await expect(page.get_by_test_id("case-name")).to_contain_text("Справочная информация")

    chat = page.get_by_test_id("case-chat")
    await expect(chat).to_contain_text("Сообщений пока нет")
    await expect(chat.get_by_test_id("chat-channel-sms")).to_be_visible()  # no app: SMS is the way
    await chat.get_by_test_id("chat-channel-sms").click()
    await (
        chat.get_by_test_id("chat-input").locator("textarea").fill("Ваше обращение принято, ожидайте звонка")
    )
    await chat.get_by_test_id("chat-send").click()
    sent = chat.get_by_test_id("chat-message")
    await expect(sent).to_have_count(1)
    await expect(sent.get_by_test_id("chat-delivery")).to_have_attribute(
        "data-state", "delivered", timeout=20_000
    )
    await expect(sent).to_contain_text("Доставлено")
    assert (await gateway.wait_sent(1))[0].text == "Ваше обращение принято, ожидайте звонка"

    gateway.phone_sends("79161234567", "Спасибо, жду звонка")
    await expect(chat.get_by_test_id("chat-message")).to_have_count(2, timeout=20_000)
    answer = chat.get_by_test_id("chat-message").nth(1)
    await expect(answer).to_contain_text("Спасибо, жду звонка")
    await expect(answer).to_contain_text("Заявитель")
    await expect(answer).to_contain_text("SMS")
    await page.screenshot(path="/tmp/ws/case-sms.png", full_page=True)
