"""An administrator manages voice prompts in the browser: speech generated from Russian text is listed
and plays in the page, a microphone recording (Chromium's fake device) is uploaded, a text file is
refused with the reason, and a prompt a flow plays cannot be deleted — the refusal names the node."""

from __future__ import annotations

import shutil

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.ivr import menu_flow
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

GREETING = "Здравствуйте! Вы позвонили на линию 122."
PLAYBACK_STARTED = """() => {
  const audio = document.querySelector("[data-testid=prompt-audio]");
  return audio !== null && audio.currentTime > 0;
}"""

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


async def _admin_page(browser: Browser, server: RunningServer) -> Page:
    context = await browser.new_context(locale="ru-RU", base_url=server.base_url)
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/prompts")
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("prompts-page")).to_be_visible()
    return page


async def _flow_playing(server: RunningServer, prompt: str) -> None:
    admin = await server.signed_in("admin")
    queue_id = (await admin.http.get("/api/v1/admin/queues")).json()["items"][0]["id"]
    case_type_id = (await admin.http.get("/api/v1/admin/case-types")).json()["items"][0]["id"]
    flow = menu_flow("Линия 122", queue_id, case_type_id, prompt=prompt)
    created = await admin.write("POST", "/api/v1/admin/ivr-flows", json=flow)
    assert created.status_code == 201, created.text


async def test_administrator_generates_plays_records_and_cannot_delete_a_used_prompt(
    server: RunningServer, browser: Browser
) -> None:
    page = await _admin_page(browser, server)
    await expect(page.get_by_test_id("admin-menu")).to_contain_text("Голосовые сообщения")
    table = page.get_by_test_id("prompts-table")

    await page.get_by_test_id("prompt-name").locator("input").fill("greeting")
    await page.get_by_test_id("prompt-title").locator("input").fill("Приветствие")
    await page.get_by_test_id("prompt-text").locator("textarea").fill(GREETING)
    await page.get_by_test_id("prompt-speak").click()
    row = table.locator("tbody tr", has_text="Приветствие")
    await expect(row).to_contain_text("синтез речи")
    await expect(row).to_contain_text("не используется")
    await expect(row).to_contain_text("КБ")

    await page.get_by_test_id("prompt-play-greeting").click()
    await expect(page.get_by_test_id("prompt-player")).to_contain_text("Приветствие")
    await page.wait_for_function(PLAYBACK_STARTED)

    # A text file is not audio: 415, and the form says why.
    await page.locator(".n-tabs-tab", has_text="Загрузить файл").click()
    await page.get_by_test_id("prompt-name").locator("input").fill("notes")
    await page.get_by_test_id("prompt-title").locator("input").fill("Заметки")
    await page.get_by_test_id("prompt-file").set_input_files(
        files=[{"name": "notes.mp3", "mimeType": "audio/mpeg", "buffer": "это не звук\n".encode() * 50}]
    )
    await page.get_by_test_id("prompt-upload").click()
    await expect(page.get_by_test_id("prompt-form-error")).to_be_visible()
    await expect(table).not_to_contain_text("Заметки")

    # Chromium's fake microphone plays a beep; the recording is uploaded as a WAV.
    await page.locator(".n-tabs-tab", has_text="Записать с микрофона").click()
    await page.get_by_test_id("prompt-name").locator("input").fill("beep")
    await page.get_by_test_id("prompt-title").locator("input").fill("Запись с микрофона")
    await page.get_by_test_id("prompt-record").click()
    await expect(page.get_by_text("Идёт запись")).to_be_visible()
    await page.wait_for_timeout(1500)  # the length of the recording, not a wait for the app
    await page.get_by_test_id("prompt-record").click()
    await page.get_by_test_id("prompt-save-recording").click()
    await expect(table.locator("tbody tr", has_text="Запись с микрофона")).to_contain_text("файл")

    await _flow_playing(server, "greeting")
    await page.get_by_role("button", name="Обновить").click()
    await expect(page.get_by_test_id("prompt-used-greeting")).to_contain_text("«Линия 122», узел bye")
    await expect(page.get_by_test_id("prompt-used-greeting")).to_contain_text("«Линия 122», узел menu")
    await keep_screenshot(page, "prompts")

    await page.get_by_test_id("prompt-delete-greeting").click()
    await page.locator(".n-dialog").get_by_role("button", name="Удалить").click()
    refusal = page.get_by_test_id("prompt-delete-refused")
    await expect(refusal).to_contain_text("звучит в голосовом меню")
    await expect(refusal).to_contain_text("«Линия 122»: bye, menu")
    await expect(table).to_contain_text("Приветствие")
    await keep_screenshot(page, "prompts-refused")

    # An unused one goes.
    await page.get_by_test_id("prompt-delete-beep").click()
    await page.locator(".n-dialog").get_by_role("button", name="Удалить").click()
    await expect(table).not_to_contain_text("Запись с микрофона")
