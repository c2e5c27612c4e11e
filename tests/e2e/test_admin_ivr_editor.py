"""An administrator edits an IVR flow on the graph in Chromium: adds a node from the palette, sees the
save-time problems on the nodes they name, connects it by dragging a new menu key onto it, saves a
new version, tries a call through it, and rolls back to the first version."""

from __future__ import annotations

from urllib.parse import quote

from playwright.async_api import Browser, Locator, Page, expect

from tests.support.ivr import menu_flow, tone_wav, upload
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

FLOW = "Линия 122"


async def _drag(page: Page, source: Locator, target: Locator) -> None:
    """Drags with the mouse from the centre of one element to the centre of another, as a user does."""
    start = await source.bounding_box()
    end = await target.bounding_box()
    assert start is not None
    assert end is not None
    await page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    await page.mouse.up()


async def test_administrator_edits_a_flow_on_the_graph_and_rolls_it_back(
    server: RunningServer, browser: Browser
) -> None:
    admin = await server.signed_in("admin")
    assert (await upload(admin, "hello", tone_wav(0.3))).status_code == 201
    queue_id = (await admin.http.get("/api/v1/admin/queues")).json()["items"][0]["id"]
    case_type_id = (await admin.http.get("/api/v1/admin/case-types")).json()["items"][0]["id"]
    flow = menu_flow(FLOW, queue_id, case_type_id)
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
    await expect(page.get_by_test_id("ivr-editor")).to_be_visible()
    await expect(page.get_by_test_id("admin-menu")).to_contain_text("Голосовое меню")
    for node in ("menu", "typed", "queue", "bye"):
        await expect(page.get_by_test_id(f"ivr-node-{node}")).to_be_visible()
    await expect(page.get_by_test_id("ivr-node-menu")).to_contain_text("начало")

    # A new node from the palette: a transfer to a number, not connected yet.
    await page.get_by_test_id("ivr-add-transfer").click()
    transfer = page.get_by_test_id("ivr-node-transfer_1")
    await expect(transfer).to_be_visible()
    await page.get_by_test_id("ivr-number").locator("input").fill("+7 495 123-45-67")
    await expect(transfer).to_contain_text("+7 495 123-45-67")
    await expect(page.get_by_test_id("ivr-dirty")).to_be_visible()

    # Saving refuses; the problems show on the node they name.
    saves: list[str] = []
    page.on("request", lambda r: saves.append(r.url) if r.method == "PUT" else None)
    await page.get_by_test_id("ivr-save").click()
    problems = page.get_by_test_id("ivr-node-problems-transfer_1")
    await expect(problems).to_contain_text("в узел нельзя попасть из начала схемы")
    await expect(page.get_by_test_id("ivr-node-problems-menu")).to_have_count(0)
    await keep_screenshot(page, "ivr-editor-problems.png")
    assert len(saves) == 1

    # Key 2 of the menu, dragged onto the new node.
    await page.get_by_test_id("ivr-node-menu").locator(".id").click()
    await page.get_by_test_id("ivr-key-to-add").click()
    await page.locator(".n-base-select-option", has_text="2").first.click()
    await page.get_by_test_id("ivr-add-key").click()
    key = page.get_by_test_id("ivr-out-menu-branches.2")
    await expect(key).to_be_visible()
    await _drag(page, key, transfer.locator(".vue-flow__handle.target"))
    await expect(page.get_by_test_id("ivr-target-branches.2")).to_contain_text("transfer_1")

    await page.get_by_test_id("ivr-save").click()
    await expect(page.get_by_test_id("ivr-dirty")).to_have_count(0)
    await expect(page.get_by_test_id("ivr-node-problems-transfer_1")).to_have_count(0)
    stored = (await admin.http.get(f"/api/v1/admin/ivr-flows/{quote(FLOW)}")).json()
    assert stored["version"] == 2
    assert stored["nodes"]["menu"]["branches"] == {"1": "typed", "2": "transfer_1"}
    assert stored["nodes"]["transfer_1"] == {"type": "transfer", "number": "+74951234567"}  # as E.164

    # «Try it»: key 2 on a weekday goes to the new number, the path marked on the graph.
    await page.locator(".n-tabs-tab", has_text="Проверить звонок").click()
    await page.get_by_test_id("ivr-sim-keys").locator("input").fill("2")
    await page.get_by_test_id("ivr-sim-run").click()
    await expect(page.get_by_test_id("ivr-sim-outcome")).to_have_text("Перевод на номер +74951234567")
    await expect(page.get_by_test_id("ivr-sim-path")).to_contain_text("menu — transfer_1")
    await expect(page.locator(".ivr-node.tried")).to_have_count(2)
    await keep_screenshot(page, "ivr-editor-try.png")

    # Versions: the diff names the new node and edge; version 1 comes back as version 3.
    await page.locator(".n-tabs-tab", has_text="Версии").click()
    await expect(page.get_by_test_id("ivr-version-2")).to_contain_text("Администратор")
    await page.get_by_test_id("ivr-compare-2").click()
    diff = page.get_by_test_id("ivr-diff")
    await expect(diff).to_contain_text("+ transfer_1")
    await expect(diff).to_contain_text("menu — клавиша 2 — transfer_1")
    await keep_screenshot(page, "ivr-editor-versions.png")
    await page.get_by_test_id("ivr-rollback-1").click()
    await page.locator(".n-dialog__action button", has_text="Вернуть").click()
    await expect(page.get_by_test_id("ivr-version-3")).to_be_visible()
    await expect(page.get_by_test_id("ivr-node-transfer_1")).to_have_count(0)
    rolled = (await admin.http.get(f"/api/v1/admin/ivr-flows/{quote(FLOW)}")).json()
    assert (rolled["version"], rolled["nodes"]["menu"]["branches"]) == (3, {"1": "typed"})
    await context.close()
