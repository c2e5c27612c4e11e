"""A short video from the citizen app plays on the card (Chromium): the card's «Чат с Заявителем» shows
a player with the video's still and plays the file; the app's request shows the same video."""

from __future__ import annotations

import json

from playwright.async_api import Browser, expect

from tests.e2e.test_citizen_app import open_app
from tests.e2e.test_workstation import sign_in
from tests.integration.citizen.support import recorded, registered
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

PLAYS = "v => v.readyState >= 2 && v.videoWidth === 64 && v.videoHeight === 48"


async def test_the_card_and_the_app_play_the_citizens_video(server: RunningServer, browser: Browser) -> None:
    operator = await sign_in(browser, server, "operator1")  # the first group takes app requests
    app = await registered(server, "+79035550092")
    case_id = (await app.create_case(description="Затопило подвал")).json()["id"]
    sent = await app.post(f"/cases/{case_id}/media", content=recorded("webm", video="libvpx", seconds=2))
    assert sent.status_code == 201, sent.text
    assert sent.json()["kind"] == "video"

    row = operator.locator(f"[data-testid=case-row][data-case-id='{case_id}']")
    await expect(row).to_be_visible(timeout=10_000)
    await row.click()
    panel = operator.get_by_test_id("case-chat")
    video = panel.get_by_test_id("chat-video")
    await expect(video).to_be_visible(timeout=10_000)
    await expect(video).to_have_attribute(
        "poster", f"/api/v1/cases/{case_id}/media/{sent.json()['id']}/poster"
    )
    still = await operator.request.get(f"/api/v1/cases/{case_id}/media/{sent.json()['id']}/poster")
    assert still.ok
    assert still.headers["content-type"] == "image/jpeg"
    handle = await video.element_handle()
    await operator.evaluate("v => { v.preload = 'auto'; v.load(); }", handle)
    await operator.wait_for_function(PLAYS, arg=handle, timeout=10_000)
    await keep_screenshot(panel, "case-chat-citizen-video")

    citizen = await open_app(browser, server)
    session = {"deviceId": app.device_id, "token": app.token, "phone": "+79035550092"}
    await citizen.add_init_script(
        f"localStorage.setItem('c122.citizen.device', {json.dumps(json.dumps(session))})"
    )
    await citizen.goto(f"/app/cases/{case_id}")
    shown = citizen.get_by_test_id("case-video")
    await expect(shown).to_be_visible(timeout=10_000)
    await citizen.wait_for_function(PLAYS, arg=await shown.element_handle(), timeout=10_000)
    await keep_screenshot(citizen, "citizen-case-video")
