"""Recordings after the call (TEL-11), on SQLite and PostgreSQL through the real server: compressed to
Opus with their checksum stored, served as audio/ogg; a damaged file answers 409 and is audited; a
recording past its group's retention period is deleted (audited) and then answers 410 with the reason,
while another group's, kept longer, is still served."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import av
import pytest
from tests.integration.api.test_calls import _answered, _seed, _tone_wav
from tests.support.server import RunningServer, running_server

from c122.services.calls.recordings import RecordingRetention


@pytest.fixture
async def journal(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, data_dir=tmp_path) as running:
        yield running


def _present(path: Path) -> bool:
    return path.is_file()


def _content(path: Path) -> bytes:
    return path.read_bytes()


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)


def _decoded_seconds(content: bytes) -> tuple[str, int, float]:
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(audio=0))
        return stream.codec_context.name, stream.codec_context.channels, samples / stream.rate


async def test_recordings_are_compressed_checked_at_each_read_and_deleted_after_their_retention(
    journal: RunningServer, tmp_path: Path
) -> None:
    folder = tmp_path / "recordings"
    ids = await _seed(journal, folder)
    wav_bytes = len(_tone_wav(folder / "medical-kept.wav", seconds=2.0))
    await journal.application.context.calls.save(
        _answered(
            "medical-kept",
            journal.clock.now() - timedelta(hours=4),
            group=ids["medical"],
            queue=ids["medical_queue"],
            operator=ids["operator3"],
            recording_path="medical-kept.wav",
        )
    )
    upkeep = journal.application.context.recording_upkeep
    # The info group keeps recordings a week, the others the default month (settings
    # recording_retention_days / recording_retention_by_group, set here on the running service).
    upkeep.retention = RecordingRetention(30, {ids["info"]: 7})
    journal.clock.advance(60)
    await upkeep.run()

    async with journal.application.uow_factory() as uow:
        stored = await uow.calls.stored_recording("medical-kept")
        missing = await uow.calls.stored_recording("vaccination-answered")  # its WAV was never there
    assert stored is not None
    ogg = Path(stored.path)
    assert (stored.codec, ogg.suffix, _present(ogg)) == ("opus", ".ogg", True)
    assert not _present(folder / "medical-kept.wav")  # the WAV is deleted once compressed
    content = _content(ogg)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert (stored.wav_bytes, stored.bytes) == (wav_bytes, len(content))
    assert stored.bytes < wav_bytes / 3
    assert missing is not None
    assert missing.deleted_reason == "file_missing"

    admin = await journal.signed_in("admin")
    senior = await journal.signed_in("senior1")
    served = await admin.http.get("/api/v1/calls/medical-kept/recording", params={"download": "true"})
    assert served.status_code == 200
    assert served.headers["content-type"] == "audio/ogg"
    assert 'filename="call-medical-kept.ogg"' in served.headers["content-disposition"]
    codec, channels, seconds = _decoded_seconds(served.content)
    assert (codec, channels) == ("opus", 2)
    assert seconds == pytest.approx(2.0, abs=0.05)
    assert (await admin.http.get("/api/v1/calls/vaccination-answered/recording")).json()["code"] == (
        "recording_missing"
    )

    # A damaged file is not served: 409 saying so, audited; the file put back is served again.
    _write(ogg, content[:100] + bytes([content[100] ^ 0xFF]) + content[101:])
    damaged = await admin.http.get("/api/v1/calls/medical-kept/recording")
    assert (damaged.status_code, damaged.json()["code"]) == (409, "recording_damaged")
    assert "повреждена" in damaged.json()["message"]
    _write(ogg, content)
    assert (await admin.http.get("/api/v1/calls/medical-kept/recording")).status_code == 200

    # Eight days on: the info group's recording is past its week and deleted; the medical one stays.
    info_ogg = folder / "info-answered.ogg"
    assert _present(info_ogg)
    journal.clock.advance(8 * 86400)
    await upkeep.run()
    assert not _present(info_ogg)
    assert _present(ogg)
    admin = await journal.signed_in("admin")  # the sessions ended meanwhile
    senior = await journal.signed_in("senior1")
    expired = await senior.http.get("/api/v1/calls/info-answered/recording")
    assert (expired.status_code, expired.json()["code"]) == (410, "recording_expired")
    assert "срока хранения" in expired.json()["message"]
    assert (await admin.http.get("/api/v1/calls/medical-kept/recording")).status_code == 200

    async with journal.application.uow_factory() as uow:
        entries = list(reversed(await uow.audit.entries("call")))
    interesting = {"delete_recording", "recording_damaged", "recording_expired"}
    assert [(e.actor_id, e.action, e.entity_id) for e in entries if e.action in interesting] == [
        (ids["admin"], "recording_damaged", "medical-kept"),
        (None, "delete_recording", "info-answered"),
        (ids["senior1"], "recording_expired", "info-answered"),
    ]
    deletion = next(e for e in entries if e.action == "delete_recording")
    assert deletion.detail is not None
    assert (deletion.detail["reason"], deletion.detail["retention_days"]) == ("retention", 7)
    await admin.http.aclose()
    await senior.http.aclose()


async def test_a_groups_own_retention_set_on_the_policies_screen_overrides_the_configured_one(
    journal: RunningServer, tmp_path: Path
) -> None:
    folder = tmp_path / "recordings"
    ids = await _seed(journal, folder)
    upkeep = journal.application.context.recording_upkeep
    upkeep.retention = RecordingRetention(30, {ids["info"]: 365})  # the configured: info a year
    admin = await journal.signed_in("admin")
    # Out-of-range or non-integer days are refused with the field named, and nothing is changed.
    for bad in (0, -3, 40000, 2.5, "week"):
        refused = await admin.write(
            "PATCH", f"/api/v1/admin/groups/{ids['info']}", json={"recording_retention_days": bad}
        )
        assert refused.status_code == 422, bad
        assert "recording_retention_days" in refused.text
    assert (await admin.http.get(f"/api/v1/admin/groups/{ids['info']}")).json()[
        "recording_retention_days"
    ] is None
    changed = await admin.write(
        "PATCH", f"/api/v1/admin/groups/{ids['info']}", json={"recording_retention_days": 7}
    )
    assert (changed.status_code, changed.json()["recording_retention_days"]) == (200, 7)

    journal.clock.advance(60)
    await upkeep.run()  # compressed, not yet due
    info_ogg = folder / "info-answered.ogg"
    assert _present(info_ogg)
    camera = folder / "info-answered.ch-caller1.webm"  # the caller's recorded camera beside it
    camera.write_bytes(b"webm")
    other_call = folder / "info-answered-2.ch-caller1.webm"
    other_call.write_bytes(b"webm")
    journal.clock.advance(8 * 86400)
    await upkeep.run()  # the group's week is over: deleted though the configuration says a year
    assert not _present(info_ogg)
    assert not camera.exists()  # the video goes with the audio
    assert other_call.exists()  # another call's is not touched
    async with journal.application.uow_factory() as uow:
        entries = await uow.audit.entries("call")
        changes = await uow.audit.entries("group")
    deletion = next(e for e in entries if e.action == "delete_recording")
    assert deletion.detail is not None
    assert (deletion.entity_id, deletion.detail["retention_days"], deletion.detail["videos"]) == (
        "info-answered",
        7,
        1,
    )
    # The change itself is in the audit trail with what it was and became.
    assert [e.detail for e in changes if e.action == "update"] == [
        {
            "fields": ["recording_retention_days"],
            "changes": {"recording_retention_days": {"from": None, "to": 7}},
        }
    ]

    # Cleared (null), the configured retention applies again.
    admin = await journal.signed_in("admin")
    cleared = await admin.write(
        "PATCH", f"/api/v1/admin/groups/{ids['info']}", json={"recording_retention_days": None}
    )
    assert (cleared.status_code, cleared.json()["recording_retention_days"]) == (200, None)
    await admin.http.aclose()
