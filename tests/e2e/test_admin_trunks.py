"""An administrator keeps carrier trunks on their screen in Chromium (server with telephony): adds one
from the form (a bad caller ID is named on its field first), sees a trunk whose host does not resolve
saved and shown red, a registering trunk to a real SIP registrar shown up and registered with its
latency, edits one without seeing its password, and deletes one."""

from __future__ import annotations

import os

from playwright.async_api import Browser, Page, expect

from c122.telephony.sip import DigestServer, Registrar, SipStack
from tests.support.server import RunningServer

SHOTS = os.environ.get("C122_SCREENSHOTS")  # a folder to keep screenshots of the screen in, if set


async def _shot(page: Page, name: str) -> None:
    if SHOTS:  # the folder is made by whoever sets the variable
        await page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


async def test_administrator_adds_edits_and_deletes_trunks_and_sees_their_state(
    telephony_server: RunningServer, browser: Browser
) -> None:
    server = telephony_server
    registrar = Registrar()
    carrier = SipStack(
        "127.0.0.1", udp_port=0, tcp_port=None, digest=DigestServer("carrier", {"c122": "s3cret"}.get),
        registrar=registrar,
    )  # fmt: skip
    await carrier.start()
    try:
        admin = await server.signed_in("admin")
        registering = {
            "name": "moscow", "host": "127.0.0.1", "port": carrier.bound_ports["udp"], "username": "c122",
            "password": "s3cret", "registration": True, "prefixes": ["+7495"], "caller_id": "+74950001122",
            "keepalive_s": 5, "max_calls": 30,
        }  # fmt: skip
        assert (await admin.write("POST", "/api/v1/admin/trunks", json=registering)).status_code == 201

        context = await browser.new_context(
            locale="ru-RU", base_url=server.base_url, viewport={"width": 1500, "height": 900}
        )
        page = await context.new_page()
        await page.goto("/auth?redirect=/admin/trunks")
        await page.get_by_test_id("login-username").fill("admin")
        await page.get_by_test_id("login-password").fill(server.passwords["admin"])
        await page.get_by_test_id("login-submit").click()
        await expect(page.get_by_test_id("trunks-page")).to_be_visible()
        await expect(page.get_by_test_id("admin-menu")).to_contain_text("Транки")
        await expect(page.get_by_test_id("trunk-state-moscow")).to_contain_text("на связи", timeout=15000)
        await expect(page.get_by_test_id("trunks-table")).to_contain_text("зарегистрирован")

        # A new trunk from the form: the bad caller ID is named, then the unreachable host is saved.
        await page.get_by_test_id("trunk-add").click()
        await page.get_by_test_id("trunk-name").locator("input").fill("spb")
        await page.get_by_test_id("trunk-host").locator("input").fill("nowhere.invalid")
        await page.get_by_test_id("trunk-prefixes").locator("input").fill("+7812, +7813")
        await page.get_by_test_id("trunk-caller-id").locator("input").fill("8 812 000")
        await page.get_by_test_id("trunk-save").click()
        form = page.get_by_test_id("trunk-form")
        await expect(form).to_contain_text("номер в виде +74951234567")
        await _shot(page, "trunks-form-problem.png")
        await page.get_by_test_id("trunk-caller-id").locator("input").fill("+78120001122")
        await page.get_by_test_id("trunk-save").click()
        await expect(form).to_be_hidden()
        spb = page.get_by_test_id("trunk-state-spb")
        await expect(spb).to_contain_text("нет связи", timeout=15000)
        colour = await spb.evaluate("el => getComputedStyle(el).color")
        assert colour == "rgb(208, 48, 80)"  # shown red (naive-ui's error colour)
        await _shot(page, "trunks-list.png")

        # Editing: the password is not shown, only that one is set; the trunk keeps it.
        await page.get_by_test_id("trunk-edit-moscow").click()
        await expect(page.get_by_test_id("trunk-password").locator("input")).to_have_value("")
        await expect(form).to_contain_text("пароль задан")
        await page.get_by_test_id("trunk-max-calls").locator("input").fill("40")
        await page.get_by_test_id("trunk-save").click()
        await expect(form).to_be_hidden()
        await expect(page.get_by_test_id("trunks-table")).to_contain_text("0 / 40")
        listed = (await admin.http.get("/api/v1/admin/trunks")).json()
        moscow = next(t for t in listed if t["name"] == "moscow")
        assert (moscow["has_password"], moscow["max_calls"]) == (True, 40)
        assert "s3cret" not in str(listed)

        # Deleting asks first.
        await page.get_by_test_id("trunk-delete-spb").click()
        await page.locator(".n-dialog").get_by_role("button", name="Удалить", exact=True).click()
        await expect(page.get_by_test_id("trunk-state-spb")).to_have_count(0)
        await context.close()
    finally:
        await carrier.stop()
