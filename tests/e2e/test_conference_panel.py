"""The softphone's conference panel («Текущая аудиоконференция», TEL-21) in real Chromium against the
real server with telephony: operator 1 answers a SIPp caller (440 Hz) in the browser and makes the call
an audio conference; through the «Пригласить» dialog they invite two groups (their free operators'
baresip phones answer, 1.5 and 2 kHz) and a group with nobody free, which waits in its queue; a sixth
invitation is refused with the server's reason; they cancel the waiting one, invite a third colleague,
and the panel shows five talking parties (the mixer's levels); they mute and unmute the caller, remove a
colleague and end the conference for everyone. (Each party hearing the others:
tests/integration/call_flow/test_conference.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.e2e.test_softphone import watched_sign_in
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    info_queue_id,
    operator_phone,  # noqa: F401 (a fixture)
    put_menu_on_main_line,
)
from tests.integration.call_flow.test_conference_queue import group_id
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer


async def invite(page: Page, kind: str, testid: str) -> None:
    """«Пригласить»: the call target dialog, a kind and one of its choices."""
    await page.get_by_test_id("conference-invite-button").click()
    dialog = page.get_by_test_id("call-target-dialog")
    await expect(dialog).to_have_attribute("data-purpose", "invite")
    await page.get_by_test_id(f"call-target-kind-{kind}").click()
    if kind == "number":
        await dialog.locator("input").last.fill(testid)
    else:
        await page.get_by_test_id(testid).click()
    await page.get_by_test_id("call-target-submit").click()


async def test_the_conference_panel_with_five_parties_invites_queues_refuses_mutes_removes_and_ends(
    telephony_server: RunningServer,
    chromium: Browser,
    tmp_path: Path,
    operator_phone: Any,  # noqa: F811
) -> None:
    server = telephony_server
    await put_menu_on_main_line(server, await info_queue_id(server))
    groups = {name: await group_id(server, name) for name in ("Справочная группа", "Медицинская группа")}
    vaccination = await group_id(server, "Группа вакцинации")  # operator5, who is not on shift
    # Colleagues with baresip phones, ready in this order: the longest idle of a group is offered first.
    for n, login in enumerate(("operator3", "operator2", "operator4")):
        desk = await server.signed_in(login)
        await operator_phone(server, desk, login, 1500 + 500 * n)
        ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        assert ready.is_success, ready.text
    folder = tmp_path / "caller"
    folder.mkdir()
    caller = HotlineCaller(folder)
    try:
        page = await watched_sign_in(chromium, server, "operator1")
        await page.get_by_test_id("start-shift").click()
        await expect(page.get_by_test_id("health-indicator")).to_have_attribute(
            "data-media", "connected", timeout=20_000
        )
        await caller.call(server, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=40000)
        await expect(page.get_by_test_id("offer-notice")).to_be_visible(timeout=20_000)
        await page.keyboard.press("Alt+KeyA")
        await expect(page.get_by_test_id("call-panel")).to_be_visible(timeout=10_000)

        await page.get_by_test_id("call-conference").click()
        panel = page.get_by_test_id("conference-panel")
        await expect(panel).to_be_visible(timeout=10_000)
        await expect(page.get_by_test_id("conference-party")).to_have_count(2)
        await expect(panel).to_contain_text("Текущая аудиоконференция")

        # A number no trunk serves: the server's refusal is shown in the dialog, nothing else changes.
        await invite(page, "number", "+74951112233")
        await expect(page.get_by_test_id("call-target-problem")).to_be_visible()
        await page.get_by_test_id("call-target-cancel").click()
        await expect(page.get_by_test_id("conference-party")).to_have_count(2)

        parties = page.get_by_test_id("conference-party")
        joined = page.locator('[data-testid="conference-party"][data-state="joined"]')
        await invite(page, "group", f"call-target-group-{groups['Справочная группа']}")  # operator 2
        await expect(joined).to_have_count(3, timeout=15_000)
        await invite(page, "group", f"call-target-group-{groups['Медицинская группа']}")  # operator 3
        await expect(joined).to_have_count(4, timeout=15_000)
        # Nobody of the vaccination group is free: the invitation waits in its queue.
        await invite(page, "group", f"call-target-group-{vaccination}")
        waiting = page.locator('[data-testid="conference-party"][data-state="queued"]')
        await expect(waiting).to_contain_text("Ожидает в очереди", timeout=10_000)
        await expect(page.get_by_test_id("conference-count")).to_have_text("Участников: 5 из 5")
        # A sixth: refused, with the server's reason in the dialog.
        await invite(page, "number", "+74951112233")
        await expect(page.get_by_test_id("call-target-error")).to_contain_text("можно пригласить до пяти")
        await keep_screenshot(page, "conference-sixth-refused")
        await page.get_by_test_id("call-target-cancel").click()
        await expect(parties).to_have_count(5)

        # The waiting invitation is cancelled; the last free colleague (operator 4) takes its place.
        await waiting.get_by_test_id("conference-remove").click()
        await expect(parties).to_have_count(4)
        await invite(page, "group", f"call-target-group-{groups['Справочная группа']}")
        await expect(joined).to_have_count(5, timeout=15_000)

        # Who is talking, from the mixer: every tone; the organiser mutes and unmutes the caller.
        for party in await joined.all():
            if await party.get_attribute("data-party") != "organiser":
                await expect(party).to_have_attribute("data-talking", "true", timeout=10_000)
        row = page.locator('[data-testid="conference-party"][data-party="caller"]')
        await row.get_by_test_id("conference-mute").click()
        await expect(row).to_have_attribute("data-muted", "true")
        await expect(row).to_contain_text("микрофон выключен")
        await keep_screenshot(page, "conference-panel")
        await row.get_by_test_id("conference-mute").click()
        await expect(row).to_have_attribute("data-muted", "false")
        guest = page.locator('[data-testid="conference-party"][data-state="joined"]').last
        await guest.get_by_test_id("conference-remove").click()
        await expect(parties).to_have_count(4)

        await page.get_by_test_id("conference-end").click()
        await expect(page.get_by_test_id("call-panel")).to_have_count(0, timeout=10_000)
        code, output = await caller.finish()
        assert code == 0, output[-3000:]  # the caller got the hotline's BYE
        assert await page.evaluate("window.__violations") == []
    finally:
        if caller.process is not None and caller.process.returncode is None:
            caller.process.kill()
            await caller.process.wait()


async def on_shift(page: Page) -> None:
    await page.get_by_test_id("start-shift").click()
    await expect(page.get_by_test_id("health-indicator")).to_have_attribute(
        "data-media", "connected", timeout=20_000
    )


async def test_a_conference_without_a_call_names_its_parties_and_a_colleague_mutes_themselves(
    telephony_server: RunningServer,
    chromium: Browser,
    operator_phone: Any,  # noqa: F811
) -> None:
    """Operator 1 in Chromium, with no call, opens «Аудиоконференция» and invites the medical group
    first (operator 3's baresip phone answers), then the information group: operator 2's desk, in a
    second Chromium, rings and they answer. Every party is named from the directory; operator 2 sees
    the panel read-only but mutes their own microphone, and the organiser's panel shows it; the
    organiser ends it for both."""
    server = telephony_server
    medical = await group_id(server, "Медицинская группа")  # operator 3 (operator 4 is not on shift)
    information = await group_id(server, "Справочная группа")  # operator 2 (operator 4 is not)
    colleague = await server.signed_in("operator3")
    await operator_phone(server, colleague, "operator3", 1500)
    ready = await colleague.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert ready.is_success, ready.text
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"q": "operator"})).json()["items"]
    names = {u["login"]: u["full_name"] for u in users}

    page = await watched_sign_in(chromium, server, "operator1")
    guest = await watched_sign_in(chromium, server, "operator2")
    await on_shift(page)
    await on_shift(guest)
    await page.get_by_test_id("conference-start").click()
    dialog = page.get_by_test_id("call-target-dialog")
    await expect(dialog).to_have_attribute("data-purpose", "conference")
    await page.get_by_test_id("call-target-kind-group").click()
    await page.get_by_test_id(f"call-target-group-{medical}").click()
    await keep_screenshot(page, "conference-start-dialog")
    await page.get_by_test_id("call-target-submit").click()

    panel = page.get_by_test_id("conference-panel")
    joined = page.locator('[data-testid="conference-party"][data-state="joined"]')
    await expect(joined).to_have_count(2, timeout=20_000)
    await expect(page.locator('[data-party="caller"]')).to_have_count(0)  # nobody called the hotline
    await expect(panel).to_contain_text(names["operator3"])  # from the directory, not "#id"
    await expect(panel).not_to_contain_text("#")

    await invite(page, "group", f"call-target-group-{information}")
    await expect(guest.get_by_test_id("offer-notice")).to_be_visible(timeout=15_000)
    await guest.get_by_test_id("offer-accept").click()
    await expect(joined).to_have_count(3, timeout=15_000)
    mine = guest.locator('[data-testid="conference-party"]', has_text="(вы)")
    await expect(guest.get_by_test_id("conference-read-only")).to_be_visible(timeout=10_000)
    await expect(guest.get_by_test_id("conference-remove")).to_have_count(0)
    await expect(guest.get_by_test_id("conference-mute")).to_have_count(1)  # their own only
    await mine.get_by_test_id("conference-mute").click()
    await expect(mine).to_have_attribute("data-muted", "true")
    await expect(mine).to_contain_text("микрофон выключен")
    theirs = page.locator('[data-testid="conference-party"]', has_text=names["operator2"])
    await expect(theirs).to_contain_text("микрофон выключен")
    await keep_screenshot(guest, "conference-own-mute")
    await keep_screenshot(page, "conference-without-call")

    await page.get_by_test_id("conference-end").click()
    await expect(page.get_by_test_id("call-panel")).to_have_count(0, timeout=10_000)
    await expect(guest.get_by_test_id("conference-panel")).to_have_count(0, timeout=10_000)
    assert await page.evaluate("window.__violations") == []
    assert await guest.evaluate("window.__violations") == []
