"""The demo's voice menu: the documented flow with the demo organisation's queue and case type ids, its
Russian prompts from espeak-ng, and the lines entering it; without espeak-ng the flow is still saved."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from tests.support.ivr import tone_wav, upload
from tests.support.server import RunningServer, running_server

from c122.demo import seed_demo
from c122.demo_ivr import HOTLINE_FLOW, PROMPTS, VACCINATION_FLOW, DemoIvr


@pytest.fixture
async def ivr_server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


async def _seed(server: RunningServer) -> None:
    """Seeds as `c122 demo` does; the demo gives its accounts new passwords every time."""
    context = server.application.context
    ivr = DemoIvr(context.ivr_flows, context.prompts)
    accounts = await seed_demo(context.organisation, server.application.uow_factory, ivr)
    server.passwords.update({account.login: account.password for account in accounts})


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_the_demo_line_enters_the_documented_flow_with_spoken_prompts(
    ivr_server: RunningServer,
) -> None:
    await _seed(ivr_server)
    admin = await ivr_server.signed_in("admin")
    lines = {
        line["number"]: line["entry_flow"]
        for line in (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    }
    assert lines == {"+78001220122": HOTLINE_FLOW, "+78001220123": VACCINATION_FLOW}

    queues = {q["name"]: str(q["id"]) for q in (await admin.http.get("/api/v1/admin/queues")).json()["items"]}
    case_types = {
        c["code"]: c["id"] for c in (await admin.http.get("/api/v1/admin/case-types")).json()["items"]
    }
    flow = (await admin.http.get(f"/api/v1/admin/ivr-flows/{quote(HOTLINE_FLOW)}")).json()
    nodes = flow["nodes"]
    assert nodes["queue_info"]["queue"] == queues["Справочная информация"]
    assert nodes["operator"]["queue"] == queues["Справочная информация"]
    assert nodes["queue_doctor"]["queue"] == queues["Вызов врача и запись к врачу"]
    assert (nodes["queue_doctor"]["priority"], nodes["main_menu"]["branches"]["2"]) == (5, "doctor_home")
    assert nodes["doctor_home"]["case_type"] == case_types["doctor_home"]
    assert nodes["appointment"]["case_type"] == case_types["appointment"]

    prompts = (await admin.http.get("/api/v1/admin/prompts")).json()["items"]
    assert {p["name"] for p in prompts} == {name for name, _title, _text in PROMPTS}
    assert all(p["has_audio"] and p["source"] == "tts" and p["duration_ms"] > 500 for p in prompts)
    spec = await ivr_server.application.context.prompts.media_spec("main_menu")
    assert spec is not None
    assert await asyncio.to_thread(Path(spec.removeprefix("file:")).is_file)

    await _seed(ivr_server)  # running the demo again changes nothing (but the passwords)
    admin = await ivr_server.signed_in("admin")
    flows = (await admin.http.get("/api/v1/admin/ivr-flows")).json()["items"]
    assert sorted((f["name"], f["version"]) for f in flows) == sorted(
        [(HOTLINE_FLOW, 1), (VACCINATION_FLOW, 1)]
    )
    assert (await admin.http.get("/api/v1/admin/prompts")).json()["items"] == prompts


async def test_without_espeak_the_flow_is_saved_with_prompts_marked_missing(
    ivr_server: RunningServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    espeak = shutil.which("espeak-ng")
    monkeypatch.setenv("PATH", str(ivr_server.application.settings.data_dir / "no-programs-here"))
    await _seed(ivr_server)
    assert "prompt welcome saved without audio: espeak-ng is not installed on the server" in caplog.text
    prompts = ivr_server.application.context.prompts
    assert await prompts.media_spec("welcome") is None
    flow = await ivr_server.application.context.ivr_flows.current(HOTLINE_FLOW)
    assert flow is not None
    assert flow.entry == "hours"
    admin = await ivr_server.signed_in("admin")
    listed = (await admin.http.get("/api/v1/admin/prompts")).json()["items"]
    assert [(p["has_audio"], p["duration_ms"]) for p in listed] == [(False, 0)] * len(PROMPTS)
    assert (await admin.http.get("/api/v1/admin/prompts/welcome/audio")).status_code == 404

    if espeak is None:
        return
    monkeypatch.undo()  # espeak-ng installed later: the next demo run gives the prompts their audio
    await _seed(ivr_server)
    assert await prompts.media_spec("welcome") is not None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
async def test_changed_demo_text_is_spoken_again_and_an_uploaded_recording_is_kept(
    ivr_server: RunningServer,
) -> None:
    admin = await ivr_server.signed_in("admin")
    assert (await upload(admin, "closed", tone_wav(0.4))).status_code == 201
    prompts = ivr_server.application.context.prompts
    first = await prompts.ensure_spoken("welcome", "Приветствие", "Здравствуйте")
    again = await prompts.ensure_spoken("welcome", "Приветствие", "Здравствуйте")
    changed = await prompts.ensure_spoken("welcome", "Приветствие", "Добрый день")
    assert again == first
    assert (changed.text, changed.source) == ("Добрый день", "tts")
    assert changed.file_path != first.file_path
    folder = ivr_server.application.settings.prompts_path
    assert not await asyncio.to_thread((folder / first.file_path).exists)
    assert await asyncio.to_thread((folder / changed.file_path).is_file)

    await _seed(ivr_server)
    admin = await ivr_server.signed_in("admin")
    closed = (await admin.http.get("/api/v1/admin/prompts/closed")).json()
    assert (closed["source"], closed["duration_ms"]) == ("upload", 400)
