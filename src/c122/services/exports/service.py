"""Exports as files: small ones written while the client waits, large ones as background jobs whose
progress and result reach the owner's event stream (`export.progress`). Files are written batch by batch
in a worker thread, so memory stays flat whatever the row count and the event loop keeps serving.

Jobs are kept in an `ExportJobStore` as they start and end, so a restart loses none: at start-up
(`resume`) a job the last run left `in_progress` is written again from its first row when its source
can be read again, or marked `failed` with `interrupted_by_restart`; finished files stay downloadable."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Final

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, NotFound
from c122.domain.users import Actor
from c122.services.access_audit import EXPORT_NOT_FOUND, refusals_audited
from c122.services.events import Audience, EventPublisher, OutboundEvent
from c122.services.exports.ports import (
    ExportJob,
    ExportJobStore,
    ExportSource,
    ExportSpec,
    RowBatches,
    SourceReader,
    StoredExport,
    TableWriters,
)
from c122.services.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SYNC_LIMIT: Final = 5_000
"""Up to this many rows the export is answered at once; more run as a background job."""
KEPT_PER_OWNER: Final = 5
"""Finished files kept per user; older ones are deleted when a new export starts."""
INTERRUPTED: Final = "interrupted_by_restart"
"""A failed job's reason when a restart stopped it and its rows cannot be read again."""


class ExportJobs:
    def __init__(
        self,
        writers: TableWriters,
        directory: Path,
        publisher: EventPublisher,
        clock: Clock,
        sync_limit: int = SYNC_LIMIT,
        store: ExportJobStore | None = None,
    ) -> None:
        self._writers = writers
        self._directory = directory
        self._publisher = publisher
        self._clock = clock
        self._sync_limit = sync_limit
        self._store = store
        self._jobs: dict[str, ExportJob] = {}
        self._kept: dict[str, tuple[ExportSpec, ExportSource | None]] = {}
        self._readers: dict[str, SourceReader] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def register_source(self, kind: str, reader: SourceReader) -> None:
        """How rows of a source of this kind are read again when a restart interrupted its job."""
        self._readers[kind] = reader

    async def export(
        self, owner: Actor, spec: ExportSpec, batches: RowBatches, source: ExportSource | None = None
    ) -> ExportJob:
        self._forget_old(owner.user_id)
        self._directory.mkdir(parents=True, exist_ok=True)
        job = ExportJob(
            id=secrets.token_hex(8),
            owner_id=owner.user_id,
            format=spec.format,
            filename=spec.filename,
            status="in_progress",
            rows=0,
            expected_rows=spec.expected_rows,
            started_at=self._clock.now(),
        )
        self._jobs[job.id] = job
        self._kept[job.id] = (spec, source)
        if spec.expected_rows <= self._sync_limit:
            await self._run(job, spec, batches, announce=False)
            return self._jobs[job.id]
        await self._keep(job)
        self._announce(job)
        self._start(job, spec, batches)
        return job

    def _start(self, job: ExportJob, spec: ExportSpec, batches: RowBatches) -> None:
        task = asyncio.create_task(self._run(job, spec, batches, announce=True), name=f"export-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self) -> list[ExportJob]:
        """At start-up: the jobs the last run kept. A finished one stays downloadable (while its file
        is there); one left `in_progress` starts again from its first row, or, when its source cannot be
        read again, is marked `failed` (`interrupted_by_restart`) for its owner to see. Returns those
        started again or failed."""
        if self._store is None:
            return []
        touched: list[ExportJob] = []
        for stored in await asyncio.to_thread(self._store.load):
            job = stored.job
            if job.status == "finished" and (job.path is None or not job.path.exists()):
                await asyncio.to_thread(self._store.forget, job.id)
                continue
            self._jobs[job.id] = job
            self._kept[job.id] = (stored.spec, stored.source)
            if job.status != "in_progress":
                continue
            batches = self._reread(stored)
            if batches is None:
                job = self._update(job, status="failed", error=INTERRUPTED)
                log.warning("export %s was interrupted by a restart and cannot be read again", job.id)
                await self._keep(job)
                self._announce(job)
            else:
                job = self._update(job, rows=0, resumed=job.resumed + 1)
                log.info("export %s interrupted by a restart: written again", job.id)
                await self._keep(job)
                self._announce(job)
                self._start(job, stored.spec, batches)
            touched.append(job)
        return touched

    def _reread(self, stored: StoredExport) -> RowBatches | None:
        if stored.source is None:
            return None
        reader = self._readers.get(stored.source.kind)
        if reader is None:
            return None
        try:
            return reader(stored.source.params)
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("export %s: its source cannot be read again: %s", stored.job.id, exc)
            return None

    async def stop(self) -> None:
        """Shutting down: running jobs stop where they are and stay `in_progress` in the store, as after
        a crash; the next start writes them again."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def job(self, owner: Actor, job_id: str) -> ExportJob:
        """Only its owner sees a job; others get the same answer as for an unknown one."""
        job = self._jobs.get(job_id)
        if job is None or job.owner_id != owner.user_id:
            raise NotFound("no such export", code=EXPORT_NOT_FOUND)
        return job

    async def _run(self, job: ExportJob, spec: ExportSpec, batches: RowBatches, *, announce: bool) -> None:
        path = self._directory / f"{job.id}.{spec.format}"
        rows = 0
        try:
            writer = await asyncio.to_thread(self._writers.open, spec, path)
            try:
                async for batch in batches:
                    await asyncio.to_thread(writer.write_rows, batch)
                    rows += len(batch)
                    job = self._update(job, rows=rows)
                    if announce:
                        self._announce(job)
            finally:
                await asyncio.to_thread(writer.close)
        except Exception as error:  # a failed export is reported to its owner, never lost silently
            log.exception("export %s failed", job.id)
            path.unlink(missing_ok=True)
            job = self._update(job, status="failed", error=type(error).__name__)
        else:
            job = self._update(job, status="finished", path=path)
        await self._keep(job)
        if announce:
            self._announce(job)

    async def _keep(self, job: ExportJob) -> None:
        if self._store is None:
            return
        spec, source = self._kept[job.id]
        try:
            await asyncio.to_thread(self._store.save, StoredExport(job, spec, source))
        except OSError:  # the job goes on; only a restart would lose it
            log.exception("export %s: its state could not be kept", job.id)

    def _update(self, job: ExportJob, **changes: object) -> ExportJob:
        job = replace(job, **changes)  # type: ignore[arg-type]
        self._jobs[job.id] = job
        return job

    def _announce(self, job: ExportJob) -> None:
        self._publisher.publish(
            OutboundEvent(
                type="export.progress",
                data={
                    "job_id": job.id,
                    "status": job.status,
                    "format": job.format,
                    "rows": job.rows,
                    "expected_rows": job.expected_rows,
                    "download_url": f"/api/v1/exports/{job.id}/file" if job.status == "finished" else None,
                    "error": job.error,
                    "resumed": job.resumed,
                },
                audience=Audience(user_ids=frozenset({job.owner_id})),
                occurred_at=self._clock.now(),
            )
        )

    def _forget_old(self, owner_id: int) -> None:
        mine = sorted(
            (j for j in self._jobs.values() if j.owner_id == owner_id and j.status != "in_progress"),
            key=lambda j: j.started_at,
        )
        for old in mine[: max(0, len(mine) - KEPT_PER_OWNER + 1)]:
            if old.path is not None:
                old.path.unlink(missing_ok=True)
            del self._jobs[old.id]
            self._kept.pop(old.id, None)
            if self._store is not None:
                self._store.forget(old.id)


class ExportAccess:
    """A job's state and file as the API serves them: to its owner only. Another user's job (or an
    unknown id) is refused alike and the refusal audited; each download of the file is audited, since
    it carries the personal data the export was made of."""

    def __init__(self, jobs: ExportJobs, uow_factory: UnitOfWorkFactory[UnitOfWork], clock: Clock) -> None:
        self._jobs = jobs
        self._uow = uow_factory
        self._clock = clock

    async def job(self, actor: Actor, job_id: str) -> ExportJob:
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="view_export", entity="export", entity_id=job_id
        ):
            return self._jobs.job(actor, job_id)

    async def file(self, actor: Actor, job_id: str) -> ExportJob:
        """409 while the job still runs or when it failed."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="download_export", entity="export", entity_id=job_id
        ):
            job = self._jobs.job(actor, job_id)
        if job.status == "failed" and job.error == INTERRUPTED:
            raise Conflict(
                "выгрузку прервал перезапуск сервера, а прочитать её строки заново нельзя: выгрузите снова",
                code="export_interrupted",
            )
        if job.status != "finished":
            raise Conflict(f"the export is {job.status.replace('_', ' ')}", code=f"export_{job.status}")
        async with self._uow() as uow:
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="download_export",
                entity="export",
                entity_id=job_id,
                detail={"format": job.format, "rows": job.rows},
            )
            await uow.commit()
        return job
