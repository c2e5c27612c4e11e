"""A background export survives a restart of the server (SQLite and PostgreSQL, real uvicorn): the job a
stopped process left half-written is written again from its first row by the next one, under the same
id, and its owner downloads the whole file; a finished export stays downloadable after the restart."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from tests.integration.api.test_calls import _answered, _ids
from tests.support.server import RunningServer, running_server

from c122.persistence.calls import SqlCallRecordRepository
from c122.services.calls import service as calls_service

CALLS = 300
BATCH = 100  # calls per read of the export: the restart falls between the first read and the last


async def _seed(server: RunningServer) -> None:
    ids = await _ids(server)
    start = server.clock.now() - timedelta(days=1)
    records = [
        _answered(
            f"r{n:05d}",
            start + timedelta(seconds=n),
            group=ids["info"],
            queue=ids["info_queue"],
            operator=ids["operator1"],
        )
        for n in range(CALLS)
    ]
    await server.application.context.calls.save_many(records)


async def _settled(server: RunningServer, http: Any, job_id: str) -> dict[str, Any]:
    async with asyncio.timeout(20):
        while True:
            job: dict[str, Any] = (await http.get(f"/api/v1/exports/{job_id}")).json()
            if job["status"] != "in_progress":
                return job
            await asyncio.sleep(0.05)


async def test_an_export_interrupted_by_a_restart_is_written_again_after_it(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calls_service, "EXPORT_BATCH", BATCH)
    # The job is stopped after its first batch is written: the reads after it wait until the restart.
    # (Left to run, a quick machine wrote all three batches before the first progress event arrived.)
    holding = False
    reads_held = 0
    restarted = asyncio.Event()
    read_batch = SqlCallRecordRepository.export_batch

    async def held_after_the_first(repository: SqlCallRecordRepository, *args: Any) -> Any:
        nonlocal reads_held
        if holding:
            reads_held += 1
            if reads_held > 1:
                await restarted.wait()
        return await read_batch(repository, *args)

    monkeypatch.setattr(SqlCallRecordRepository, "export_batch", held_after_the_first)
    settings: dict[str, object] = {"data_dir": tmp_path, "export_sync_rows": 10}
    async with running_server(database_url, **settings) as first:
        await _seed(first)
        admin = await first.signed_in("admin")
        start = first.clock.now() - timedelta(days=1)
        period = {"from": start.isoformat(), "to": (start + timedelta(seconds=20)).isoformat()}
        earlier = await admin.http.get("/api/v1/calls/export", params={"format": "csv", **period})
        assert earlier.status_code == 202
        finished = await _settled(first, admin.http, earlier.json()["id"])
        assert finished["status"] == "finished"
        holding = True
        async with admin.events() as events:
            asked = await admin.http.get("/api/v1/calls/export", params={"format": "xlsx"})
            assert asked.status_code == 202, asked.text
            job_id = asked.json()["id"]
            while True:
                progress = (await events.next_event("export.progress", timeout=20))["data"]
                if progress["job_id"] == job_id and progress["rows"] > 0:
                    break
            # What stopping the server does (Application.running): the job stops where it is.
            await first.application.context.exports.stop()
        left = await admin.http.get(f"/api/v1/exports/{job_id}")
        assert left.json()["status"] == "in_progress"
        assert left.json()["rows"] == BATCH
        await admin.http.aclose()
    kept = json.loads((tmp_path / "exports" / f"{job_id}.job.json").read_text(encoding="utf-8"))
    assert (kept["job"]["status"], kept["source"]["kind"]) == ("in_progress", "calls")

    restarted.set()
    async with running_server(database_url, **settings) as second:
        admin = await second.signed_in("admin")
        job = await _settled(second, admin.http, job_id)
        assert (job["status"], job["rows"], job["expected_rows"], job["resumed"]) == (
            "finished",
            CALLS,
            CALLS,
            1,
        )
        response = await admin.http.get(job["download_url"])
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
        assert sheet is not None
        starts = [row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], datetime)]
        assert len(starts) == len(set(starts)) == CALLS  # every call once: none lost, none twice
        # The export finished before the restart is still there, unchanged.
        again = await admin.http.get(f"/api/v1/exports/{finished['id']}/file")
        assert again.status_code == 200
        assert again.content.decode("utf-8-sig").count(";входящий;") == 20
        # Another user learns nothing of the job.
        operator1 = await second.signed_in("operator1")
        assert (await operator1.http.get(f"/api/v1/exports/{job_id}")).status_code == 404
        await admin.http.aclose()
        await operator1.http.aclose()
