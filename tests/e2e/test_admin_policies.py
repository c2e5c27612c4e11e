"""An administrator edits the policies and thresholds of a group and of a queue on one screen: break
allowances, recording retention and the monitoring notice of a group, the wrap-up length of a queue;
a value out of bounds is refused in the form, a combination the server refuses (an idle choice whose
lower bound is above its upper one) shows the server's reason and changes nothing; every change is in
the audit trail with its old and new value; the screen reads the same in English."""

from __future__ import annotations

import os
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.support.server import RunningServer

SHOTS = os.environ.get("C122_SCREENSHOTS")  # a folder to keep screenshots of the screen in, if set


async def _policies_page(browser: Browser, server: RunningServer, locale: str = "ru") -> Page:
    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1400, "height": 1000}
    )
    page = await context.new_page()
    await page.goto("/auth?redirect=/admin/policies")
    if locale != "ru":
        await page.evaluate(f"localStorage.setItem('c122.locale', '{locale}')")
        await page.reload()
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("policies-page")).to_be_visible()
    return page


async def _fill(page: Page, key: str, value: str) -> None:
    box = page.get_by_test_id(f"policies-field-{key}").locator("input")
    await box.fill(value)
    await box.blur()


async def _record(server: RunningServer, path: str) -> dict[str, Any]:
    admin = await server.signed_in("admin")
    response = await admin.http.get(path)
    await admin.http.aclose()
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_administrator_edits_group_and_queue_policies_on_one_screen(
    server: RunningServer, browser: Browser
) -> None:
    page = await _policies_page(browser, server)
    await expect(page.get_by_test_id("admin-menu")).to_contain_text("Политики и пороги")
    form = page.get_by_test_id("policies-form-groups")
    await expect(form).to_contain_text("Перерывы")
    await expect(form).to_contain_text("Допустимая длительность: Обед, мин")
    group_name = (await page.get_by_test_id("policies-target").inner_text()).strip()
    groups = (await _record(server, "/api/v1/admin/groups?limit=100"))["items"]
    group = next(g for g in groups if g["name"] == group_name)
    assert group["break_allowance"] is None  # the defaults, shown as such
    await expect(page.get_by_test_id("policies-field-break_min_lunch").locator("input")).to_have_value("30")
    camera = page.get_by_test_id("policies-field-operator_camera")
    await expect(camera).to_contain_text("Операторы могут включать свою камеру")
    record_video = page.get_by_test_id("policies-field-record_video")
    await expect(record_video).to_contain_text("Записывать видео видеозвонков из приложения")
    if SHOTS:
        await page.screenshot(path=f"{SHOTS}/policies-group.png", full_page=True)
        await record_video.scroll_into_view_if_needed()
        await page.screenshot(path=f"{SHOTS}/policies-group-video.png")

    # Out of bounds: refused in the form, nothing sent.
    await _fill(page, "recording_retention_days", "0")
    await page.get_by_test_id("policies-save").click()
    await expect(page.get_by_test_id("policies-field-recording_retention_days")).to_contain_text(
        "Не меньше 1"
    )
    # A combination only the server checks: its reason shown, nothing stored.
    await _fill(page, "recording_retention_days", "90")
    await _fill(page, "idle_choice_min_s", "900")
    await _fill(page, "idle_choice_max_s", "600")
    await page.get_by_test_id("policies-save").click()
    await expect(page.get_by_test_id("policies-error")).to_contain_text("idle_choice_min_s")
    if SHOTS:
        await page.screenshot(path=f"{SHOTS}/policies-refused.png", full_page=True)
    assert (await _record(server, f"/api/v1/admin/groups/{group['id']}"))["recording_retention_days"] is None

    await page.get_by_test_id("policies-reset").click()
    await _fill(page, "break_min_lunch", "45")
    await _fill(page, "recording_retention_days", "90")
    await page.get_by_test_id("policies-field-monitoring_shown").locator(".n-switch").click()
    await record_video.locator(".n-switch").click()
    await page.get_by_test_id("policies-save").click()
    await expect(page.get_by_text("Сохранено и уже действует")).to_be_visible()
    stored = await _record(server, f"/api/v1/admin/groups/{group['id']}")
    assert stored["break_allowance"] == {"break": 900, "lunch": 2700, "training": 3600}
    assert (stored["recording_retention_days"], stored["monitoring_shown"], stored["record_video"]) == (
        90,
        not group["monitoring_shown"],
        True,
    )

    # The group's notice gone first, so that the queue's save is told by its own.
    await expect(page.get_by_text("Сохранено и уже действует")).to_be_hidden(timeout=15_000)

    # The queue's wrap-up length.
    await page.get_by_test_id("policies-kind-queues").click()
    await expect(page.get_by_test_id("policies-form-queues")).to_contain_text("Поствызывная обработка")
    queue_name = (await page.get_by_test_id("policies-target").inner_text()).strip()
    queues = (await _record(server, "/api/v1/admin/queues?limit=100"))["items"]
    queue = next(q for q in queues if q["name"] == queue_name)
    await _fill(page, "wrap_up_s", "-5")
    await page.get_by_test_id("policies-save").click()
    await expect(page.get_by_test_id("policies-field-wrap_up_s")).to_contain_text("Не меньше 0")
    await _fill(page, "wrap_up_s", "12")
    await _fill(page, "service_level_target_pct", "101")
    await page.get_by_test_id("policies-save").click()
    await expect(page.get_by_test_id("policies-field-service_level_target_pct")).to_contain_text(
        "Не больше 100"
    )
    await _fill(page, "service_level_target_pct", "90")
    await page.get_by_test_id("policies-save").click()
    await expect(page.get_by_text("Сохранено и уже действует")).to_be_visible()
    stored_queue = await _record(server, f"/api/v1/admin/queues/{queue['id']}")
    assert (stored_queue["wrap_up_s"], stored_queue["service_level_target_pct"]) == (12, 90)
    if SHOTS:
        await page.screenshot(path=f"{SHOTS}/policies-queue.png", full_page=True)

    async with server.application.uow_factory() as uow:
        changes = [
            e.detail
            for e in await uow.audit.entries("group") + await uow.audit.entries("queue")
            if e.action == "update"
        ]
    assert {"from": None, "to": 90} in [c["changes"].get("recording_retention_days") for c in changes if c]
    assert {"from": queue["wrap_up_s"], "to": 12} in [c["changes"].get("wrap_up_s") for c in changes if c]
    assert {"from": 80, "to": 90} in [c["changes"].get("service_level_target_pct") for c in changes if c]
    await page.context.close()

    english = await _policies_page(browser, server, locale="en")
    await expect(english.get_by_test_id("admin-menu")).to_contain_text("Policies and thresholds")
    await expect(english.get_by_test_id("policies-form-groups")).to_contain_text("Allowed length: Lunch, min")
    if SHOTS:
        await english.screenshot(path=f"{SHOTS}/policies-english.png", full_page=True)
    await english.context.close()
