"""The callback-offer node in the IVR editor (Chromium): it is in the palette, shows its queue and accept
key on the graph and its fields in the properties, and «Проверить звонок» ends a caller who presses
the accept key with a callback request."""

from __future__ import annotations

from urllib.parse import quote

from playwright.async_api import Browser, expect

from tests.support.ivr import menu_flow, tone_wav, upload
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

FLOW = "Обратный звонок"


async def test_the_callback_offer_node_is_edited_and_tried_in_the_editor(
    server: RunningServer, browser: Browser
) -> None:
    admin = await server.signed_in("admin")
    assert (await upload(admin, "hello", tone_wav(0.3))).status_code == 201
    queue = (await admin.http.get("/api/v1/admin/queues")).json()["items"][0]
    case_type_id = (await admin.http.get("/api/v1/admin/case-types")).json()["items"][0]["id"]
    flow = menu_flow(FLOW, queue["id"], case_type_id)
    flow["nodes"]["menu"]["branches"]["2"] = "offer"
    flow["nodes"]["offer"] = {
        "type": "callback_offer", "prompt": "hello", "queue": str(queue["id"]), "declined": "queue",
        "accept_key": "1", "priority": 5,
    }  # fmt: skip
    created = await admin.write("POST", "/api/v1/admin/ivr-flows", json=flow)
    assert created.status_code == 201, created.text

    context = await browser.new_context(
        locale="ru-RU", base_url=server.base_url, viewport={"width": 1600, "height": 1000}
    )
    page = await context.new_page()
    await page.goto(f"/auth?redirect=/admin/ivr/{quote(FLOW)}")
    await page.get_by_test_id("login-username").fill("admin")
    await page.get_by_test_id("login-password").fill(server.passwords["admin"])
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("ivr-add-callback_offer")).to_contain_text("Обратный звонок")
    node = page.get_by_test_id("ivr-node-offer")
    await expect(node).to_contain_text("Обратный звонок")
    await expect(node).to_contain_text(f"1: {queue['name']}")
    await node.locator(".id").click()
    await expect(page.get_by_test_id("ivr-accept-key")).to_contain_text("1")
    await expect(page.get_by_test_id("ivr-properties")).to_contain_text("Фраза подтверждения")
    await expect(page.get_by_test_id("ivr-target-declined")).to_contain_text("queue")
    await keep_screenshot(page, "ivr-callback-offer")

    await page.locator(".n-tabs-tab", has_text="Проверить звонок").click()
    await page.get_by_test_id("ivr-sim-keys").locator("input").fill("21")
    await page.get_by_test_id("ivr-sim-run").click()
    await expect(page.get_by_test_id("ivr-sim-outcome")).to_have_text(
        f"Заявка на обратный звонок в очередь «{queue['name']}», приоритет 5; звонок завершён"
    )
    await context.close()
