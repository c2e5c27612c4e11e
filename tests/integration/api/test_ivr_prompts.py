"""Voice prompts through the admin API: uploads converted to 8 kHz, speech from espeak-ng, bad files
refused with a reason, prompts a flow plays kept; and the files the call flow is given."""

from __future__ import annotations

import asyncio
import io
import shutil
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.support.ivr import encoded, menu_flow, tone_wav, upload
from tests.support.server import RunningServer, running_server

from c122.domain.ivr import position_announcement

PROMPTS = "/api/v1/admin/prompts"
# The places of the test flow that play "hello": the menu's prompt and the goodbye before hanging up.
PLAYS_HELLO = ["М/bye/prompt", "М/menu/prompt"]
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@pytest.fixture
async def ivr_server(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    limits = {"prompt_max_bytes": 200_000, "prompt_max_seconds": 2.0}
    async with running_server(database_url, with_telephony=False, data_dir=tmp_path, **limits) as running:
        yield running


def _prompt_files(server: RunningServer) -> set[str]:
    folder = server.application.settings.prompts_path
    return {p.name for p in folder.glob("*.wav")} if folder.is_dir() else set()


def _telephone_format(data: bytes) -> tuple[int, int, int, float]:
    with wave.open(io.BytesIO(data)) as reader:
        rate = reader.getframerate()
        return rate, reader.getnchannels(), reader.getsampwidth(), reader.getnframes() / rate


async def test_wav_mp3_and_ogg_uploads_become_8khz_mono_prompts(ivr_server: RunningServer) -> None:
    admin = await ivr_server.signed_in("admin")
    source = tone_wav(1.0)
    uploads = {
        "tone_wav": (source, "tone.wav"),
        "tone_mp3": (encoded(source, "mp3", "mp3"), "tone.mp3"),
        "tone_ogg": (encoded(source, "ogg", "libopus", rate=48000), "tone.ogg"),
    }
    for name, (data, filename) in uploads.items():
        response = await upload(admin, name, data, filename, title=f"Тон {name}")
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["source"], body["has_audio"], body["title"]) == ("upload", True, f"Тон {name}")
        assert 950 <= body["duration_ms"] <= 1100  # MP3 and Opus pad the ends a little
        audio = await admin.http.get(f"{PROMPTS}/{name}/audio")
        assert (audio.status_code, audio.headers["content-type"]) == (200, "audio/wav")
        rate, channels, width, seconds = _telephone_format(audio.content)
        assert (rate, channels, width) == (8000, 1, 2)
        assert seconds == pytest.approx(body["duration_ms"] / 1000, abs=0.002)
    names = [p["name"] for p in (await admin.http.get(PROMPTS)).json()["items"]]
    assert names == ["tone_mp3", "tone_ogg", "tone_wav"]
    async with ivr_server.application.uow_factory() as uow:
        assert len(await uow.audit.entries("prompt")) == 3


async def test_bad_uploads_are_refused_with_a_reason_and_leave_nothing_behind(
    ivr_server: RunningServer,
) -> None:
    admin = await ivr_server.signed_in("admin")
    good = tone_wav(0.5, rate=8000, channels=1)
    assert (await upload(admin, "kept", good)).status_code == 201
    files_before = _prompt_files(ivr_server)

    cases = [
        ("truncated WAV", "cut", good[: len(good) // 2], "a.wav", 422, "truncated"),
        ("WAV header only", "header", good[:30], "a.wav", 422, "truncated"),
        ("text named .mp3", "text", "это не звук\n".encode() * 50, "song.mp3", 415, "not_audio"),
        ("empty", "empty", b"", "a.wav", 422, "empty"),
        ("too long", "long", tone_wav(3.0, rate=8000, channels=1), "a.wav", 422, "too_long"),
        ("duplicate name", "kept", good, "a.wav", 409, "duplicate"),
        ("bad name", "Bad Name!", good, "a.wav", 422, "invalid_name"),
        (
            "over the size limit",
            "big",
            tone_wav(2.5, rate=48000, channels=1),
            "a.wav",
            413,
            "prompt_too_large",
        ),
        ("body far over the limit", "huge", b"\0" * 600_000, "a.wav", 413, "body_too_large"),
    ]
    for what, name, data, filename, status, code in cases:
        response = await upload(admin, name, data, filename)
        body = response.json()
        reason = body["fields"][0] if body.get("fields") else body
        assert (response.status_code, reason.get("code")) == (status, code), f"{what}: {response.text}"
        assert reason["message"], what
    flac = encoded(good, "flac", "flac")
    unsupported = await upload(admin, "flac", flac, "tone.flac")
    assert unsupported.status_code == 415
    assert unsupported.json()["fields"][0] == {
        "path": "file",
        "code": "unsupported_format",
        "message": "формат flac не поддерживается: загрузите WAV, MP3 или OGG",
    }
    assert [p["name"] for p in (await admin.http.get(PROMPTS)).json()["items"]] == ["kept"]
    assert _prompt_files(ivr_server) == files_before


@needs_espeak
async def test_speech_prompts_are_synthesised_in_russian(ivr_server: RunningServer) -> None:
    admin = await ivr_server.signed_in("admin")
    body = {"name": "greeting", "title": "Приветствие", "text": "  Здравствуйте!  "}
    created = await admin.write("POST", f"{PROMPTS}/tts", json=body)
    assert created.status_code == 201, created.text
    assert (created.json()["source"], created.json()["text"]) == ("tts", "Здравствуйте!")
    assert 300 < created.json()["duration_ms"] < 2000
    audio = await admin.http.get(f"{PROMPTS}/greeting/audio")
    assert _telephone_format(audio.content)[:3] == (8000, 1, 2)
    blank = await admin.write("POST", f"{PROMPTS}/tts", json={**body, "name": "blank", "text": "  "})
    assert (blank.status_code, blank.json()["fields"][0]["path"]) == (422, "text")
    too_long = await admin.write("POST", f"{PROMPTS}/tts", json={**body, "name": "long", "text": "а" * 2001})
    assert (too_long.status_code, too_long.json()["fields"][0]["path"]) == (422, "text")
    listed = (await admin.http.get(PROMPTS)).json()["items"]
    assert [p["name"] for p in listed] == ["greeting"]
    assert listed[0]["size_bytes"] == len(audio.content)
    me = (await admin.http.get("/api/v1/me")).json()
    assert (listed[0]["created_by"], listed[0]["used_by"]) == (me["id"], [])


async def test_without_espeak_speech_is_503_with_the_reason(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))  # a machine without espeak-ng
    async with running_server(database_url, data_dir=tmp_path) as server:
        admin = await server.signed_in("admin")
        body = {"name": "greeting", "title": "Приветствие", "text": "Здравствуйте"}
        refused = await admin.write("POST", f"{PROMPTS}/tts", json=body)
        assert refused.status_code == 503
        assert refused.json() == {
            "code": "tts_unavailable",
            "message": "espeak-ng is not installed on the server",
        }
        assert (await admin.http.get(PROMPTS)).json()["items"] == []
        words = position_announcement(2).words
        assert await server.application.context.prompts.announcement_specs(words) == []


async def test_a_prompt_a_flow_plays_is_kept_and_an_unused_one_goes_with_its_file(
    ivr_server: RunningServer,
) -> None:
    admin = await ivr_server.signed_in("admin")
    assert (await upload(admin, "hello", tone_wav(0.3))).status_code == 201
    assert (await upload(admin, "spare", tone_wav(0.3))).status_code == 201
    queue_id = (await admin.http.get("/api/v1/admin/queues")).json()["items"][0]["id"]
    case_type_id = (await admin.http.get("/api/v1/admin/case-types")).json()["items"][0]["id"]
    assert (
        await admin.write("POST", "/api/v1/admin/ivr-flows", json=menu_flow("М", queue_id, case_type_id))
    ).status_code == 201

    used = await admin.write("DELETE", f"{PROMPTS}/hello")
    assert (used.status_code, used.json()["code"]) == (409, "in_use")
    assert "«М»" in used.json()["message"]
    places = [field["path"] for field in used.json()["fields"]]
    assert places == PLAYS_HELLO
    listed = {p["name"]: p for p in (await admin.http.get(PROMPTS)).json()["items"]}
    assert [f"{u['flow']}/{u['node']}/{u['field']}" for u in listed["hello"]["used_by"]] == PLAYS_HELLO
    assert listed["spare"]["used_by"] == []
    spec = await ivr_server.application.context.prompts.media_spec("spare")
    assert spec is not None
    assert spec.startswith("file:/")
    spare_file = Path(spec.removeprefix("file:"))
    assert await asyncio.to_thread(spare_file.is_file)
    assert (await admin.write("DELETE", f"{PROMPTS}/spare")).status_code == 204
    assert not await asyncio.to_thread(spare_file.exists)
    # The call flow holds the spec it read a moment ago; the deletion drops it at once.
    assert await ivr_server.application.context.prompts.media_spec("spare") is None
    assert (await admin.http.get(f"{PROMPTS}/spare/audio")).status_code == 404
    assert (await admin.write("DELETE", f"{PROMPTS}/spare")).status_code == 404
    operator = await ivr_server.signed_in("operator1")
    assert (await operator.http.get(PROMPTS)).status_code == 403
    assert (await upload(operator, "mine", tone_wav(0.3))).status_code == 403


@needs_espeak
async def test_the_call_flow_gets_prompt_files_and_announcement_words_synthesised_once(
    ivr_server: RunningServer,
) -> None:
    admin = await ivr_server.signed_in("admin")
    assert (await upload(admin, "hello", tone_wav(0.3))).status_code == 201
    prompts = ivr_server.application.context.prompts
    spec = await prompts.media_spec("hello")
    assert spec is not None
    path = Path(spec.removeprefix("file:"))
    assert path.is_absolute()
    assert path.parent == ivr_server.application.settings.prompts_path
    assert await prompts.media_spec("nobody") is None

    words = position_announcement(3).words
    assert words == ("вы", "третий", "в очереди")
    specs = await prompts.announcement_specs(words)
    assert len(set(specs)) == 3
    files = [Path(s.removeprefix("file:")) for s in specs]
    for file in files:
        rate, channels, width, seconds = _telephone_format(file.read_bytes())
        assert (rate, channels, width) == (8000, 1, 2)
        assert 0.1 < seconds < 3
    stamps = [f.stat().st_mtime_ns for f in files]
    assert await prompts.announcement_specs(words) == specs
    assert [f.stat().st_mtime_ns for f in files] == stamps
