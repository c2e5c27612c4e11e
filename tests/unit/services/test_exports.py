"""Export jobs with the real file writers: a small export is written at once; a large one runs as a
background job whose progress and result reach only its owner's stream; a failing source ends the job
as `failed` without leaving a file; one owner's job is hidden from others; jobs kept in their folder
are written again after a restart, or failed with the reason when their source cannot be read again."""

from __future__ import annotations

import asyncio
import csv
import os
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.support.clock import FakeClock

from c122.domain.errors import NotFound
from c122.domain.users import Actor, Role
from c122.reports.job_store import FileExportJobStore
from c122.reports.tables import FileTableWriters
from c122.services.events import OutboundEvent
from c122.services.exports.ports import ExportColumn, ExportHeader, ExportSource, ExportSpec, Row
from c122.services.exports.service import INTERRUPTED, ExportJobs

OWNER = Actor(user_id=7, role=Role.SENIOR, group_ids=frozenset({1}))
OTHER = Actor(user_id=8, role=Role.OPERATOR, group_ids=frozenset({1}))


class Published:
    def __init__(self) -> None:
        self.events: list[OutboundEvent] = []

    def publish(self, event: OutboundEvent) -> None:
        self.events.append(event)


def _spec(rows: int) -> ExportSpec:
    return ExportSpec(
        format="csv",
        filename="t",
        header=ExportHeader("Журнал звонков", ("Фильтры: нет",)),
        columns=(ExportColumn("№"), ExportColumn("Имя")),
        expected_rows=rows,
    )


async def _batches(count: int, size: int, *, fail_after: int | None = None) -> AsyncIterator[Sequence[Row]]:
    for start in range(0, count, size):
        if fail_after is not None and start >= fail_after:
            raise RuntimeError("the database went away")
        yield [(n, f"Звонок {n}") for n in range(start, min(count, start + size))]


def _jobs(tmp_path: Path, published: Published) -> ExportJobs:
    clock = FakeClock(datetime(2026, 9, 12, 9, tzinfo=UTC))
    return ExportJobs(FileTableWriters(), tmp_path, published, clock, sync_limit=10)


async def _settled(jobs: ExportJobs, job_id: str) -> str:
    for _ in range(500):
        status = jobs.job(OWNER, job_id).status
        if status != "in_progress":
            return status
        await asyncio.sleep(0.01)
    raise AssertionError("the job did not finish")


async def test_a_small_export_is_written_at_once_and_announces_nothing(tmp_path: Path) -> None:
    published = Published()
    jobs = _jobs(tmp_path, published)
    job = await jobs.export(OWNER, _spec(3), _batches(3, 2))
    assert (job.status, job.rows) == ("finished", 3)
    assert job.path is not None
    lines = list(csv.reader(job.path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert lines == [
        ["Журнал звонков"],
        ["Фильтры: нет"],
        ["№", "Имя"],
        *[[str(n), f"Звонок {n}"] for n in range(3)],
    ]
    assert published.events == []


async def test_a_large_export_runs_in_the_background_and_tells_only_its_owner(tmp_path: Path) -> None:
    published = Published()
    jobs = _jobs(tmp_path, published)
    job = await jobs.export(OWNER, _spec(25), _batches(25, 10))
    assert job.status == "in_progress"
    assert await _settled(jobs, job.id) == "finished"
    states = [(e.data["status"], e.data["rows"]) for e in published.events]
    assert states == [
        ("in_progress", 0),
        ("in_progress", 10),
        ("in_progress", 20),
        ("in_progress", 25),
        ("finished", 25),
    ]
    assert {e.type for e in published.events} == {"export.progress"}
    assert all(e.audience.user_ids == frozenset({OWNER.user_id}) for e in published.events)
    assert published.events[-1].data["download_url"] == f"/api/v1/exports/{job.id}/file"
    with pytest.raises(NotFound):
        jobs.job(OTHER, job.id)


async def test_a_failing_source_fails_the_job_and_leaves_no_file(tmp_path: Path) -> None:
    published = Published()
    jobs = _jobs(tmp_path, published)
    job = await jobs.export(OWNER, _spec(50), _batches(50, 10, fail_after=20))
    assert await _settled(jobs, job.id) == "failed"
    failed = jobs.job(OWNER, job.id)
    assert (failed.path, failed.error) == (None, "RuntimeError")
    assert published.events[-1].data["status"] == "failed"
    assert await asyncio.to_thread(os.listdir, tmp_path) == []


async def _slow_batches(count: int, size: int, gate: asyncio.Event) -> AsyncIterator[Sequence[Row]]:
    """The first batch at once, the rest once the gate opens (never, when the job is stopped first)."""
    for start in range(0, count, size):
        if start > 0:
            await gate.wait()
        yield [(n, f"Звонок {n}") for n in range(start, min(count, start + size))]


def _kept_jobs(tmp_path: Path, published: Published) -> ExportJobs:
    clock = FakeClock(datetime(2026, 9, 12, 9, tzinfo=UTC))
    return ExportJobs(
        FileTableWriters(), tmp_path, published, clock, sync_limit=10, store=FileExportJobStore(tmp_path)
    )


async def test_a_job_stopped_by_a_restart_is_written_again_or_failed_with_the_reason(tmp_path: Path) -> None:
    before = _kept_jobs(tmp_path, Published())
    gate = asyncio.Event()
    source = ExportSource("numbers", {"count": 30})
    resumable = await before.export(OWNER, _spec(30), _slow_batches(30, 10, gate), source)
    orphan = await before.export(OWNER, _spec(30), _slow_batches(30, 10, gate), ExportSource("gone", {}))
    for _ in range(200):
        if before.job(OWNER, resumable.id).rows and before.job(OWNER, orphan.id).rows:
            break
        await asyncio.sleep(0.01)
    await before.stop()  # the process stops with both half-written
    assert before.job(OWNER, resumable.id).status == "in_progress"
    (tmp_path / "broken.job.json").write_text("{not json", encoding="utf-8")

    published = Published()
    after = _kept_jobs(tmp_path, published)
    after.register_source("numbers", lambda params: _batches(int(str(params["count"])), 10))
    touched = {job.id: job for job in await after.resume()}  # the broken file is passed over
    assert set(touched) == {resumable.id, orphan.id}
    assert await _settled(after, resumable.id) == "finished"
    done = after.job(OWNER, resumable.id)
    assert (done.rows, done.resumed) == (30, 1)
    assert done.path is not None
    assert len(done.path.read_text(encoding="utf-8-sig").splitlines()) == 3 + 30  # once each row
    failed = after.job(OWNER, orphan.id)
    assert (failed.status, failed.error) == ("failed", INTERRUPTED)
    told = [e.data for e in published.events if e.data["job_id"] == orphan.id]
    assert told[-1]["error"] == INTERRUPTED
    with pytest.raises(NotFound):
        after.job(OTHER, resumable.id)
