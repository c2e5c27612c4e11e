"""Scheduled reports (ADM-03): saved reports e-mailed daily, weekly or monthly with the chosen attachments.

Each schedule's next send is stored with the report (`schedule_next_at`), so a restart loses none: the
periodic `run_due` sends what is due, a send missed while the server was down goes at its first turn.
A send runs the report as its owner (their groups' data, audited like any run) over the period before
it (domain/report_schedules.py), writes the attachments with the exporter's writers, and hands the
message to the mailer. A refused send is tried again with a growing pause and then given up until the
next run; each outcome is stored on the report for the builder to show.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from c122.domain.clock import Clock
from c122.domain.errors import DomainError, InvalidFields
from c122.domain.report_schedules import (
    ReportSchedule,
    ScheduleStatus,
    after_failure,
    after_success,
    next_run,
    report_period,
    schedule_from_json,
)
from c122.domain.reports import ReportDefinition, ReportResult, definition_from_json
from c122.services.exports.ports import MEDIA_TYPES, PDF_MAX_ROWS, ExportFormat, TableWriters
from c122.services.ports import UnitOfWorkFactory
from c122.services.reports.ports import (
    MailAttachment,
    MailRefused,
    ReportMail,
    ReportMailer,
    ReportsUnitOfWork,
    SavedReport,
)
from c122.services.reports.service import Reports, report_spec

log = logging.getLogger(__name__)

PER_RUN: Final = 20
"""Reports sent by one `run_due`; the rest wait for the next turn (seconds later)."""
OWNER_GONE: Final = "автор отчёта отключён или удалён: отчёт не отправляется"


class ReportSchedules:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[ReportsUnitOfWork],
        clock: Clock,
        zone: ZoneInfo,
        reports: Reports,
        writers: TableWriters,
        mailer: ReportMailer,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._zone = zone
        self._reports = reports
        self._writers = writers
        self._mailer = mailer
        self._turn = asyncio.Lock()  # one pass at a time: a report is never sent twice for one run

    async def run_due(self) -> int:
        """Sends every scheduled report that is due; returns how many sends were tried."""
        if self._mailer.unavailable is not None:
            return 0
        async with self._turn:
            async with self._uow() as uow:
                due = (await uow.reports.due_schedules(self._clock.now()))[:PER_RUN]
            for report in due:
                await self._send(report)
            return len(due)

    async def _send(self, report: SavedReport) -> None:
        now = self._clock.now()
        status = report.schedule_status or ScheduleStatus(state="pending", next_at=now)
        try:
            schedule = schedule_from_json(report.schedule or {})
        except InvalidFields as refused:  # stored before a rule changed: stop, say why
            await self._keep(report, replace(status, state="failed", next_at=None, error=refused.message))
            return
        try:
            mail = await self._mail(report, schedule)
        except DomainError as refused:  # the owner may no longer run it: given up until the next run
            outcome = ScheduleStatus(
                state="failed",
                next_at=next_run(schedule, now, self._zone),
                last_attempt_at=now,
                last_sent_at=status.last_sent_at,
                error=refused.message,
            )
        else:
            try:
                await self._mailer.send(mail)
            except MailRefused as refused:
                outcome = after_failure(schedule, status, now, str(refused), self._zone)
                log.warning("report %s: the mail server refused it: %s", report.id, refused)
            else:
                outcome = after_success(schedule, now, self._zone)
        await self._keep(report, outcome)

    async def _mail(self, report: SavedReport, schedule: ReportSchedule) -> ReportMail:
        now = self._clock.now()
        async with self._uow() as uow:
            owner = await uow.reports.owner(report.owner_id)
        if owner is None:
            raise DomainError(OWNER_GONE)
        first, last = report_period(schedule, now, self._zone)
        definition = replace(definition_from_json(report.definition), date_from=first, date_to=last)
        result = await self._reports.run(owner, definition)
        attachments = [
            await self._attachment(report, definition, result, format)
            for format in schedule.formats
            if not (format == "pdf" and len(result.rows) > PDF_MAX_ROWS)
        ]
        period = f"{first:%d.%m.%Y}" if first == last else f"{first:%d.%m.%Y} – {last:%d.%m.%Y}"
        body = [
            f"Отчёт «{report.name}» за {period} ({self._zone.key}).",
            f"Строк: {len(result.rows)}." + (" Показаны не все строки." if result.truncated else ""),
        ]
        if len(attachments) < len(schedule.formats):
            body.append(f"PDF не приложен: в нём не более {PDF_MAX_ROWS} строк.")
        return ReportMail(
            recipients=schedule.recipients,
            subject=f"Отчёт «{report.name}» за {period}",
            body="\n".join(body) + "\n",
            attachments=tuple(attachments),
        )

    async def _attachment(
        self, report: SavedReport, definition: ReportDefinition, result: ReportResult, format: ExportFormat
    ) -> MailAttachment:
        spec = report_spec(definition, result, format, report.name, self._clock.now(), self._zone)
        rows = [[*row.labels, *row.figures] for row in result.rows]

        def write() -> bytes:
            with tempfile.TemporaryDirectory(prefix="c122-report-") as directory:
                path = Path(directory) / f"report.{format}"
                writer = self._writers.open(spec, path)
                try:
                    for start in range(0, len(rows), 1000):
                        writer.write_rows(rows[start : start + 1000])
                finally:
                    writer.close()
                return path.read_bytes()

        data = await asyncio.to_thread(write)
        return MailAttachment(
            filename=f"{spec.filename}.{format}",
            content_type=MEDIA_TYPES[spec.format],
            data=data,
        )

    async def _keep(self, report: SavedReport, status: ScheduleStatus) -> None:
        async with self._uow() as uow:
            await uow.reports.set_schedule_status(report.id, status)
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=None,
                action="send_report",
                entity="report",
                entity_id=str(report.id),
                detail={"state": status.state, "attempts": status.attempts, "error": status.error},
            )
            await uow.commit()
