"""Listen, whisper, barge from the senior's board in Chromium: a real call (a baresip caller on the main
line, the operator's baresip SIP phone), the senior's browser leg as their audio; the senior starts
listening from the operator's row, switches to whisper from the monitoring bar, and stops; the
operator's desk (their group shows monitoring) says so meanwhile."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.test_workstation import sign_in
from tests.integration.call_flow.conftest import OPERATOR_SIP_PASSWORD, sip_port
from tests.integration.call_flow.test_monitoring import straight_to_the_queue
from tests.support import databases
from tests.support.peers import Baresip
from tests.support.polling import until
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.peers]

SCREENSHOT = "/tmp/c122-monitoring.png"
DESK_SCREENSHOT = "/tmp/c122-monitored-desk.png"
SET_STATES = """
async (states) => {
  const cookie = document.cookie.split('; ').find((c) => c.startsWith('c122_csrf='));
  const token = decodeURIComponent(cookie.slice('c122_csrf='.length));
  for (const state of states) {
    const response = await fetch('/api/v1/operators/me/state', {method: 'PUT', body: JSON.stringify(state),
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}});
    if (!response.ok) throw new Error(await response.text());
  }
}
"""
GET_JSON = "async (path) => (await fetch(path)).json()"


@pytest.fixture
async def hotline(tmp_path: Path) -> AsyncIterator[RunningServer]:
    template = await databases.create_sqlite_template(tmp_path)
    base = random.randrange(30000, 44000, 2)
    overrides = {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": base,
        "rtp_port_max": base + 200,
        "webrtc_host_addresses": "127.0.0.1",
        "data_dir": tmp_path / "data",
    }
    async with running_server(
        databases.copy_sqlite(template, tmp_path), with_telephony=True, **overrides
    ) as server:
        yield server


async def test_the_senior_listens_switches_to_whisper_and_stops_from_the_board(
    hotline: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    await straight_to_the_queue(hotline)
    operator = await hotline.signed_in("operator1")
    chosen = await operator.write(
        "PUT", "/api/v1/operators/me/phone", json={"mode": "sip", "sip_password": OPERATOR_SIP_PASSWORD}
    )
    assert chosen.status_code == 200, chosen.text
    phones: list[Baresip] = []
    for name, frequency, account, dial in (
        ("operator", 1000, f"<sip:operator1@127.0.0.1:{sip_port(hotline)}>;auth_pass={OPERATOR_SIP_PASSWORD};"
         "regint=600;answermode=auto;audio_codecs=PCMU", None),
        ("caller", 440, "<sip:caller@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU",
         f"sip:88001220122@127.0.0.1:{sip_port(hotline)}"),
    ):  # fmt: skip
        folder = tmp_path / name
        folder.mkdir()
        phones.append(Baresip(folder, frequency, account=account, dial=dial))
    try:
        await phones[0].start()
        await until(
            lambda: operator.http.get("/api/v1/operators/me/phone"),
            lambda response: response.json()["sip"]["registered"],
        )
        assert (
            await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        ).is_success

        # The group shows monitoring to its operators: operator1's desk is open to see it.
        admin = await hotline.signed_in("admin")
        groups = (await admin.http.get("/api/v1/admin/groups", params={"q": "Справочная группа"})).json()
        (group,) = [g for g in groups["items"] if g["name"] == "Справочная группа"]
        shown = await admin.write(
            "PATCH", f"/api/v1/admin/groups/{group['id']}", json={"monitoring_shown": True}
        )
        assert shown.status_code == 200, shown.text
        desk = await sign_in(browser, hotline, "operator1")
        page = await sign_in(browser, hotline, "senior1")
        await page.get_by_test_id("panel-menu").click()
        await page.get_by_text("Пульт старшего оператора").click()
        # On shift (on a break, so the queue does not ring the senior): the softphone's leg comes up.
        # From the page itself: another sign-in would end the page's session.
        await page.evaluate(SET_STATES, [{"status": "ready"}, {"status": "on_break", "reason": "training"}])
        row = page.get_by_test_id("board-row-operator1")
        await expect(row).to_have_attribute("data-status", "ready")

        await phones[1].start()
        await expect(row).to_have_attribute("data-status", "on_call", timeout=30_000)
        listen = page.get_by_test_id("monitor-listen-operator1")
        await expect(listen).to_have_attribute(
            "title", "Прослушать: вы слышите абонента и оператора, вас не слышит никто"
        )
        await until(lambda: _browser_leg_up(hotline), bool, timeout=20)
        await listen.click()
        bar = page.get_by_test_id("monitoring-bar")
        await expect(bar).to_be_visible()
        await expect(page.get_by_test_id("monitoring-mode")).to_have_text("прослушивание")
        await expect(bar).to_contain_text("Иванова Мария Сергеевна")
        await expect(listen).to_have_class("row-menu active")
        notice = desk.get_by_test_id("monitored-notice")
        await expect(notice).to_contain_text("Старший оператор подключён к разговору: прослушивание")

        await page.get_by_test_id("monitoring-bar-whisper").click()
        await expect(page.get_by_test_id("monitoring-mode")).to_have_text("суфлирование")
        await expect(page.get_by_test_id("monitor-whisper-operator1")).to_have_class("row-menu active")
        await expect(page.get_by_test_id("monitoring-duration")).not_to_have_text("")
        await page.screenshot(path=SCREENSHOT)
        await expect(notice).to_contain_text("суфлирование")
        await desk.screenshot(path=DESK_SCREENSHOT)
        sessions = (await page.evaluate(GET_JSON, "/api/v1/supervision/monitoring"))["items"]
        assert [(s["mode"], s["audio"]) for s in sessions] == [("whisper", "browser")]

        await page.get_by_test_id("monitor-stop-operator1").click()
        await expect(bar).to_have_count(0)
        await expect(notice).to_have_count(0)
        assert (await page.evaluate(GET_JSON, "/api/v1/supervision/monitoring"))["items"] == []
    finally:
        for phone in phones:
            await phone.stop()


async def _browser_leg_up(server: RunningServer) -> bool:
    """The senior's softphone has its browser leg (the server's view, before clicking)."""
    async with server.application.uow_factory() as uow:
        senior = await uow.users.find({"login": "senior1"})
    assert senior is not None
    telephony = server.application.telephony
    assert telephony is not None
    return telephony.switch.browser_leg(senior.id) is not None
