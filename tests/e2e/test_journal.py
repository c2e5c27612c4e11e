"""The call journal in the browser (seed 4.3.9.3, fig. 64): a senior opens «Журнал звонков» from the
control panel, narrows the calls by group and status, plays a recording at another speed (the listen is
audited), starts it at one of its conversations (the caller with the operator, the operator with a
consultant, the conference: each labelled with who was in it) and saves the list as .csv, which holds
exactly the calls shown. Screenshots of each step go
to $C122_SCREENSHOTS when it is set."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from c122.api.app import WEB_DIST
from c122.domain.calls import RecordingSegment
from tests.e2e.test_cases import _choose
from tests.e2e.test_workstation import sign_in
from tests.integration.api.test_call_journal import _with_cases
from tests.integration.api.test_calls import _ids, _leg, _tone_wav
from tests.support import databases
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer, running_server


@pytest.fixture
async def journal_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run `make web` (make test does it first)")
    template = await databases.create_sqlite_template(tmp_path)
    async with running_server(databases.copy_sqlite(template, tmp_path), data_dir=tmp_path) as running:
        yield running


async def _consulted(server: RunningServer, recordings: Path) -> None:
    """The answered info call becomes one with a consultation and a conference: three segments in a
    six-second recording."""
    _tone_wav(recordings / "info-answered.wav", 6.0)
    async with server.application.uow_factory() as uow:
        found = await uow.calls.get("info-answered")
    assert found is not None
    record = found.record
    caller, operator = record.legs[0].leg_id, record.legs[1].leg_id
    at = record.connected_at or record.started_at
    consultant = _leg("info-consultant", "consultant", str((await _ids(server))["operator2"]), at)
    segments = (
        RecordingSegment((caller, operator), at, at + timedelta(seconds=2), 0.0, 2.0),
        RecordingSegment(
            (consultant.leg_id, operator), at + timedelta(seconds=3), at + timedelta(seconds=5), 2.0, 2.0
        ),
        RecordingSegment(
            (caller, operator, consultant.leg_id),
            at + timedelta(seconds=5),
            at + timedelta(seconds=7),
            4.0,
            2.0,
            True,
        ),
    )
    await server.application.context.calls.save(
        replace(record, legs=(*record.legs, consultant), segments=segments)
    )


async def test_a_senior_filters_the_journal_plays_a_recording_and_saves_the_list(
    journal_server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    await _with_cases(journal_server, tmp_path)
    await _consulted(journal_server, tmp_path / "recordings")
    page = await sign_in(browser, journal_server, "senior1")
    await page.set_viewport_size({"width": 1600, "height": 900})
    await page.get_by_test_id("panel-menu").click()
    await page.get_by_text("Журнал звонков", exact=True).click()
    table = page.get_by_test_id("journal-table")
    # senior1 leads the info and medical groups: their four calls, not the vaccination group's.
    await expect(table.locator("tbody tr")).to_have_count(4)
    await expect(page.get_by_test_id("journal-count")).to_have_text("Найдено звонков: 4")
    await expect(table).to_contain_text("Лебедев")
    await keep_screenshot(page, "journal")

    await _choose(page, "journal-group", "Справочная группа")
    await _choose(page, "journal-status", "Принятый")
    await page.get_by_test_id("journal-search").click()
    await expect(table.locator("tbody tr")).to_have_count(1)
    await expect(table).to_contain_text("Сен12_Справочная информация_001")

    await page.get_by_test_id("journal-play").click()
    audio = page.get_by_test_id("journal-audio")
    await expect(audio).to_be_visible()
    await _choose(page, "journal-speed", "1.5×")
    await page.wait_for_function("document.querySelector('[data-testid=journal-audio]').readyState >= 1")
    assert await audio.evaluate("(a) => a.playbackRate") == 1.5
    assert await audio.evaluate("(a) => a.duration") > 0  # the file itself reached the player
    segments = page.get_by_test_id("journal-segment")
    await expect(segments).to_have_count(3)
    await expect(segments.nth(0)).to_have_text("0:00 Заявитель +79161234567, Иванова Мария Сергеевна")
    await expect(segments.nth(1)).to_have_text("0:02 Петров Алексей Николаевич, Иванова Мария Сергеевна")
    await expect(segments.nth(2)).to_contain_text("0:04 Конференция: Заявитель +79161234567")
    await segments.nth(2).click()
    await page.wait_for_function("document.querySelector('[data-testid=journal-audio]').currentTime >= 4")
    await keep_screenshot(page, "journal-player")
    async with journal_server.application.uow_factory() as uow:
        entries = await uow.audit.entries("call")
    assert [e.action for e in entries if e.entity_id == "info-answered"][:1] == ["listen_recording"]

    await page.get_by_test_id("journal-export").click()
    async with page.expect_download() as download_info:
        await page.locator(".n-dropdown-option", has_text=".csv").click()
    download = await download_info.value
    saved = tmp_path / "journal.csv"
    await download.save_as(saved)
    lines = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert lines[1][0] == "Фильтры: группа: Справочная группа; статус: принятый"
    assert len(lines[4:]) == 1
    assert lines[4][3] == "+79161234567"
