"""A video call from the citizen app recorded where the group says so (issue 23), end to end: Chromium as
the citizen (fake camera: the green y4m with a moving white bar), Chromium as the operator with a blue
fake camera sent back (their group allows it); the call is taken, runs a few seconds and is hung up.

Group records video: each camera is in its own WebM file beside the audio recording, served through the
journal's recording access (the admin gets it, audited as `view_video`; an operator is refused, audited
too). The files open with PyAV: VP8 pictures of the camera's size, and decoded they are the camera's
colour (green for the caller, blue for the operator), not black.
Group does not: no WebM file at all, and the journal says there is none (404 `video_missing`)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from playwright.async_api import async_playwright, expect

from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_citizen_call import client_bundle  # noqa: F401 (a fixture)
from tests.e2e.test_operator_camera import camera_browsers
from tests.e2e.test_video_call import (
    CITIZEN_SCRIPT,
    OPERATOR_SCRIPT,
    _page,
    hotline,  # noqa: F401 (a fixture)
)
from tests.e2e.test_video_forwarding import HEIGHT, WIDTH
from tests.integration.call_flow.conftest import ended_calls, info_queue_id, put_menu_on_main_line
from tests.integration.citizen.support import registered
from tests.support.polling import reading, until
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer

pytestmark = [pytest.mark.e2e, pytest.mark.peers]


async def _group_settings(server: RunningServer, queue_id: int, record_video: bool) -> None:
    """The queue's group (the one that takes the call) records video, or not; operator1's home group
    lets them send their camera."""
    admin = await server.signed_in("admin")
    queue = (await admin.http.get(f"/api/v1/admin/queues/{queue_id}")).json()
    (user,) = (await admin.http.get("/api/v1/admin/users", params={"q": "operator1"})).json()["items"]
    for group, values in (
        (min(user["group_ids"]), {"operator_camera": True}),
        (queue["group_id"], {"record_video": record_video}),
    ):
        changed = await admin.write("PATCH", f"/api/v1/admin/groups/{group}", json=values)
        assert changed.status_code == 200, changed.text
    await admin.http.aclose()


def _decoded(webm: bytes) -> tuple[str, int, tuple[int, int], np.ndarray]:
    """The file's codec, its picture count, size, and the mean RGB of its middle picture."""
    with av.open(io.BytesIO(webm)) as container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    height, width = frames[0].shape[:2]
    return codec, len(frames), (width, height), frames[len(frames) // 2].mean(axis=(0, 1))


@pytest.mark.parametrize("record_video", [True, False], ids=["group-records", "group-does-not"])
async def test_the_calls_cameras_are_recorded_as_webm_where_the_group_records_video(
    hotline: RunningServer,  # noqa: F811
    client_bundle: str,  # noqa: F811
    tmp_path: Path,
    record_video: bool,
) -> None:
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    await _group_settings(hotline, queue_id, record_video)
    device = await registered(hotline, "+79161112288")
    async with async_playwright() as playwright:
        operator_browser, citizen_browser = await camera_browsers(playwright, tmp_path)
        try:
            operator = await _page(operator_browser, hotline.base_url + "/api/v1/health")
            login = {"login": "operator1", "password": hotline.passwords["operator1"]}
            await operator.evaluate(OPERATOR_SCRIPT, {"login": login, "camera": True})
            await operator.wait_for_function("() => window.op.legs.includes('connected')", timeout=20000)
            assert await operator.evaluate("window.ready()") == 200
            citizen = await _page(citizen_browser, hotline.base_url + "/app/")
            await citizen.add_script_tag(content=client_bundle)
            await citizen.evaluate(CITIZEN_SCRIPT, {"token": device.token})
            await operator.wait_for_function("() => window.op.accepted === 1", timeout=40000)
            # Three seconds of both pictures arriving (30 samples of each colour).
            await operator.wait_for_function("() => window.op.green >= 30", timeout=30000)
            await citizen.wait_for_function("() => window.app.operatorBlue >= 30", timeout=30000)
            assert await operator.evaluate("window.hangUp()") == 204
            await citizen.wait_for_function("() => window.app.states.includes('ended')", timeout=15000)
        finally:
            await citizen_browser.close()
            await operator_browser.close()

    (record,) = await ended_calls(hotline)
    telephony = hotline.application.telephony
    assert telephony is not None
    await until(reading(telephony.video_recorders.recording), lambda n: n == 0)  # the files are ended
    legs = {leg["role"]: leg["leg_id"] for leg in record["legs"]}
    recordings = tmp_path / "data" / "recordings"
    admin = await hotline.signed_in("admin")
    operator1 = await hotline.signed_in("operator1")
    url = f"/api/v1/calls/{record['id']}/legs/{{leg}}/video"
    if not record_video:
        assert list(recordings.rglob("*.webm")) == []
        missing = await admin.http.get(url.format(leg=legs["caller"]))
        assert (missing.status_code, missing.json()["code"]) == (404, "video_missing"), missing.text
    else:
        files = sorted(p.name for p in recordings.rglob("*.webm"))
        assert len(files) == 2, (files, legs)  # the caller's camera and the operator's
        for role, colour in (("caller", 1), ("operator", 2)):  # green, blue
            served = await admin.http.get(url.format(leg=legs[role]))
            assert served.status_code == 200, (role, served.text)
            assert served.headers["content-type"] == "video/webm"
            codec, pictures, size, mean = _decoded(served.content)
            assert (codec, size) == ("vp8", (WIDTH, HEIGHT)), role
            assert pictures >= 30, (role, pictures)  # three seconds at the camera's 15 fps and more
            assert mean.sum() > 100, (role, mean)  # not black
            assert mean[colour] > max(np.delete(mean, colour)) + 40, (role, mean)  # the camera's colour
        refused = await operator1.http.get(url.format(leg=legs["caller"]))
        assert refused.status_code == 403, refused.text
    async with hotline.application.uow_factory() as uow:
        entries = [e for e in await uow.audit.entries("call") if e.entity_id == record["id"]]
    actions = sorted(e.action for e in entries)
    if record_video:
        assert actions == ["access_refused", "view_video", "view_video"]
    else:
        assert actions == ["video_missing"]
    # The journal says which cameras were recorded, to those who may hear the recording only.
    shown = (await admin.http.get(f"/api/v1/calls/{record['id']}")).json()["video_legs"]
    assert sorted(shown) == (sorted([legs["caller"], legs["operator"]]) if record_video else [])
    assert (await operator1.http.get(f"/api/v1/calls/{record['id']}")).json()["video_legs"] == []
    await admin.http.aclose()
    await operator1.http.aclose()
    if record_video:
        await _journal_plays_the_callers_video(hotline)


async def _journal_plays_the_callers_video(server: RunningServer) -> None:
    """The admin's journal: the call's player offers «Видео: Заявитель» and «Видео: Оператор»; the
    caller's plays in the page at the camera's size."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = await browser.new_context(
                locale="ru-RU", base_url=server.base_url, viewport={"width": 1600, "height": 900}
            )
            page = await context.new_page()
            await page.goto("/auth")
            await page.get_by_test_id("login-username").fill("admin")
            await page.get_by_test_id("login-password").fill(server.passwords["admin"])
            await page.get_by_test_id("login-submit").click()
            await page.wait_for_url(lambda url: "/auth" not in url)
            await page.goto("/journal")
            await page.get_by_test_id("journal-play").first.click()
            await expect(page.get_by_test_id("journal-video-operator")).to_have_text("Видео: Оператор")
            await page.get_by_test_id("journal-video-caller").click()
            video = page.get_by_test_id("journal-video")
            await expect(video).to_be_visible()
            # Polled from here: the page's CSP refuses the string a waiting function would be polled as.
            await until(lambda: video.evaluate("(v) => v.readyState"), lambda state: state >= 1, timeout=10)
            assert await video.evaluate("(v) => [v.videoWidth, v.videoHeight]") == [WIDTH, HEIGHT]
            await expect(page.get_by_test_id("journal-video-error")).to_have_count(0)
            await keep_screenshot(page, "journal-video")
        finally:
            await browser.close()
