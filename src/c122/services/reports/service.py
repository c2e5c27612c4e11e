"""User-defined reports (ADM-03): run a definition, drill from a cell to its calls or cases, export the
table through the one exporter (services/exports), and keep saved reports shared with roles or groups.

Who may do what:
- administrators and seniors build and run reports; operators are refused (403, audited);
- a run reads the reader's scope only: an administrator every group's calls and cases, a senior their
  groups' (a shared report shows each reader their own groups' data); a multi-select naming a group
  outside the reader's groups is refused (403, audited), never silently narrowed;
- a saved report is seen by its owner, administrators, and the roles and group members it is shared
  with; it is changed or deleted by its owner or an administrator. A report someone may not see answers
  404 like an unknown one, and the refusal is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from c122.domain.clock import Clock
from c122.domain.errors import FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.report_schedules import ScheduleStatus, next_run, schedule_from_json, schedule_to_json
from c122.domain.reports import (
    DATASET_TITLES,
    DIMENSIONS,
    DRILL_LIMIT,
    DRILLS_TO,
    MEASURES,
    Key,
    ReportDefinition,
    ReportResult,
    definition_from_json,
    definition_to_json,
    journal_query,
    validate,
)
from c122.domain.shifts import Shift
from c122.domain.users import Actor, Role
from c122.services.access_audit import refusals_audited
from c122.services.exports.ports import (
    PDF_MAX_ROWS,
    ExportColumn,
    ExportFormat,
    ExportHeader,
    ExportJob,
    Exports,
    ExportSpec,
    RowBatches,
)
from c122.services.ports import UnitOfWorkFactory
from c122.services.reports.ports import (
    DrillRow,
    ReportMailer,
    ReportScope,
    ReportsUnitOfWork,
    SavedReport,
    SavedReportDraft,
)

SHAREABLE_ROLES: Final = (Role.SENIOR.value, Role.ADMIN.value)
"""Operators do not run reports, so a report is shared with seniors or administrators."""
NAME_MAX = 200
MAX_SHIFTS = 1000


@dataclass(frozen=True, slots=True)
class Drill:
    rows: list[DrillRow]
    total: int
    journal: dict[str, str] | None
    """The call journal's filters nearest to the cell (calls reports)."""


def scope_of(actor: Actor) -> ReportScope:
    return ReportScope(group_ids=None if actor.is_admin else actor.group_ids)


def sees_report(actor: Actor, report: SavedReport) -> bool:
    return (
        actor.is_admin
        or report.owner_id == actor.user_id
        or actor.role.value in report.shared_roles
        or not actor.group_ids.isdisjoint(report.shared_group_ids)
    )


class Reports:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[ReportsUnitOfWork],
        clock: Clock,
        zone: ZoneInfo,
        exports: Exports,
        mailer: ReportMailer,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.zone = zone
        self._exports = exports
        self._mailer = mailer

    # --- running -----------------------------------------------------------------------------------

    async def run(self, actor: Actor, definition: ReportDefinition) -> ReportResult:
        definition = validate(definition)
        await self._check(actor, definition, wanted="run_report")
        async with self._uow() as uow:
            result = await uow.reports.run(definition, scope_of(actor), self.zone, await _shifts(uow))
            await self._audit(uow, actor, "run_report", definition, rows=len(result.rows))
            await uow.commit()
        return result

    async def drill(self, actor: Actor, definition: ReportDefinition, keys: tuple[Key, ...]) -> Drill:
        """The calls or cases behind one cell (its dimension values `keys`), newest first, at most
        DRILL_LIMIT; reading them is audited, as they carry applicants' numbers."""
        definition = validate(definition)
        if DRILLS_TO[definition.dataset] is None:
            raise InvalidFields(
                [
                    FieldProblem(
                        "definition.dataset",
                        "no_drill_down",
                        f"у набора «{definition.dataset}» нет записей для расшифровки: "
                        "интервалы состояний не связаны со звонками",
                    )
                ]
            )
        if len(keys) != len(definition.dimensions):
            raise InvalidFields(
                [
                    FieldProblem(
                        "keys",
                        "wrong_length",
                        f"ключей столько же, сколько измерений: {len(definition.dimensions)}",
                    )
                ]
            )
        await self._check(actor, definition, wanted="drill_report")
        async with self._uow() as uow:
            rows, total = await uow.reports.drill(
                definition, scope_of(actor), self.zone, await _shifts(uow), keys, DRILL_LIMIT
            )
            await self._audit(uow, actor, "drill_report", definition, rows=total, keys=list(keys))
            await uow.commit()
        return Drill(rows, total, journal_query(definition, keys, self.zone))

    async def export(
        self, actor: Actor, definition: ReportDefinition, format: ExportFormat, title: str = ""
    ) -> ExportJob:
        """The report's table as a file through the journal's exporter (csv, xlsx, pdf)."""
        result = await self.run(actor, definition)
        if format == "pdf" and len(result.rows) > PDF_MAX_ROWS:
            raise InvalidFields(
                [
                    FieldProblem(
                        "format",
                        "too_many_rows_for_pdf",
                        f"в PDF не более {PDF_MAX_ROWS} строк: выберите .xlsx",
                    )
                ]
            )
        spec = report_spec(definition, result, format, title, self._clock.now(), self.zone)
        return await self._exports.export(actor, spec, report_batches(result))

    async def _check(self, actor: Actor, definition: ReportDefinition, *, wanted: str) -> None:
        async with refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity="report", entity_id=definition.dataset
        ):
            _may_report(actor)
            chosen = definition.selections.get("group", ())
            outside = sorted(int(g) for g in chosen if not actor.sees_group(int(g)))
            if outside:
                raise Forbidden(f"группы {outside} вне ваших групп")

    async def _audit(
        self, uow: ReportsUnitOfWork, actor: Actor, action: str, definition: ReportDefinition, **detail: Any
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            action=action,
            entity="report",
            entity_id=definition.dataset,
            detail={
                "dimensions": list(definition.dimensions),
                "measures": list(definition.measures),
                "from": definition.date_from.isoformat(),
                "to": definition.date_to.isoformat(),
                **detail,
            },
        )

    # --- saved reports -----------------------------------------------------------------------------

    async def saved(self, actor: Actor) -> list[SavedReport]:
        _may_report(actor)
        async with self._uow() as uow:
            return [self._shown(r) for r in await uow.reports.saved() if sees_report(actor, r)]

    async def get(self, actor: Actor, report_id: int) -> SavedReport:
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="view_report", entity="report", entity_id=report_id
        ):
            _may_report(actor)
            async with self._uow() as uow:
                return self._shown(await _visible(uow, actor, report_id))

    async def create(self, actor: Actor, draft: SavedReportDraft) -> SavedReport:
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="create_report", entity="report", entity_id="new"
        ):
            _may_report(actor)
        async with self._uow() as uow:
            checked = await _checked(uow, draft)
            now = self._clock.now()
            status = first_status(checked.schedule, None, now, self.zone)
            report_id = await uow.reports.add_saved(actor.user_id, checked, now, status)
            await self._audit_saved(uow, actor, "create", report_id, checked)
            await uow.commit()
            stored = await uow.reports.get_saved(report_id)
        assert stored is not None
        return self._shown(stored)

    async def update(self, actor: Actor, report_id: int, draft: SavedReportDraft) -> SavedReport:
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="update_report", entity="report", entity_id=report_id
        ):
            _may_report(actor)
            async with self._uow() as uow:
                before = await _visible(uow, actor, report_id)
                _editable(actor, before)
        async with self._uow() as uow:
            checked = await _checked(uow, draft)
            now = self._clock.now()
            status = first_status(checked.schedule, before, now, self.zone)
            await uow.reports.update_saved(report_id, checked, now, status)
            await self._audit_saved(uow, actor, "update", report_id, checked)
            await uow.commit()
            stored = await uow.reports.get_saved(report_id)
        if stored is None:
            raise NotFound("no such report")
        return self._shown(stored)

    def _shown(self, report: SavedReport) -> SavedReport:
        """A schedule that cannot send says why: the reason is read now, so that a mail server
        configured later starts the sends without editing the report."""
        reason = self._mailer.unavailable
        if report.schedule_status is None or reason is None:
            return report
        status = replace(report.schedule_status, state="not_configured", next_at=None, error=reason)
        return replace(report, schedule_status=status)

    async def delete(self, actor: Actor, report_id: int) -> None:
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="delete_report", entity="report", entity_id=report_id
        ):
            _may_report(actor)
            async with self._uow() as uow:
                report = await _visible(uow, actor, report_id)
                _editable(actor, report)
                await uow.reports.delete_saved(report_id)
                await uow.audit.record(
                    at=self._clock.now(),
                    actor_id=actor.user_id or None,
                    action="delete",
                    entity="report",
                    entity_id=str(report_id),
                    detail={"name": report.name},
                )
                await uow.commit()

    async def _audit_saved(
        self, uow: ReportsUnitOfWork, actor: Actor, action: str, report_id: int, draft: SavedReportDraft
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id or None,
            action=action,
            entity="report",
            entity_id=str(report_id),
            detail={
                "name": draft.name,
                "shared_roles": list(draft.shared_roles),
                "shared_group_ids": list(draft.shared_group_ids),
                "schedule": None if draft.schedule is None else dict(draft.schedule),
            },
        )


async def _shifts(uow: ReportsUnitOfWork) -> list[Shift]:
    return list((await uow.shifts.search("", MAX_SHIFTS, 0)).items)


def _may_report(actor: Actor) -> None:
    if actor.role is Role.OPERATOR:
        raise Forbidden("отчёты строят старшие смены и администраторы")


async def _visible(uow: ReportsUnitOfWork, actor: Actor, report_id: int) -> SavedReport:
    report = await uow.reports.get_saved(report_id)
    if report is None or not sees_report(actor, report):
        raise NotFound("no such report")
    return report


def _editable(actor: Actor, report: SavedReport) -> None:
    if not actor.is_admin and report.owner_id != actor.user_id:
        raise Forbidden("отчёт меняет его автор или администратор")


async def _checked(uow: ReportsUnitOfWork, draft: SavedReportDraft) -> SavedReportDraft:
    """The name, the definition, and whom it is shared with: a role that does not exist (or operators,
    who do not run reports) and a group that does not exist are refused with 422 naming them."""
    problems: list[FieldProblem] = []
    name = " ".join(draft.name.split())
    if not 1 <= len(name) <= NAME_MAX:
        problems.append(FieldProblem("name", "name_length", f"название: от 1 до {NAME_MAX} символов"))
    try:
        definition = definition_from_json(draft.definition)
    except InvalidFields as refused:
        problems += [replace(p, path=f"definition.{p.path}") for p in refused.problems]
        definition = None
    for index, role in enumerate(draft.shared_roles):
        if role not in SHAREABLE_ROLES:
            problems.append(
                FieldProblem(
                    f"shared_roles[{index}]", "unknown_role", f"роль «{role}»: можно senior или admin"
                )
            )
    schedule = None
    if draft.schedule is not None:
        try:
            schedule = schedule_to_json(schedule_from_json(draft.schedule))
        except InvalidFields as refused:
            problems += refused.problems
    groups = tuple(sorted(set(draft.shared_group_ids)))
    missing = sorted(set(groups) - await uow.reports.existing_groups(groups))
    if missing:
        problems.append(FieldProblem("shared_group_ids", "unknown_group", f"нет групп {missing}"))
    if problems:
        raise InvalidFields(problems)
    assert definition is not None
    return SavedReportDraft(
        name=name,
        definition=definition_to_json(definition),
        view=_view(draft.view),
        shared_roles=tuple(sorted(set(draft.shared_roles))),
        shared_group_ids=groups,
        schedule=schedule,
    )


def first_status(
    schedule: Mapping[str, Any] | None, before: SavedReport | None, at: datetime, zone: ZoneInfo
) -> ScheduleStatus | None:
    """A saved schedule's state: kept while the schedule is unchanged (an edit of the definition does
    not reset a pending retry), otherwise waiting for its next send from now."""
    if schedule is None:
        return None
    if before is not None and before.schedule_status is not None and before.schedule == schedule:
        return before.schedule_status
    return ScheduleStatus(state="pending", next_at=next_run(schedule_from_json(schedule), at, zone))


def report_spec(
    definition: ReportDefinition,
    result: ReportResult,
    format: ExportFormat,
    title: str,
    at: datetime,
    zone: ZoneInfo,
) -> ExportSpec:
    """The file of a report's table: its title, the period and when it was made, and its columns."""
    name = title.strip() or f"Отчёт: {DATASET_TITLES[definition.dataset].lower()}"
    period = f"{definition.date_from:%d.%m.%Y} – {definition.date_to:%d.%m.%Y} ({zone.key})"
    lines = [f"Период: {period}", f"Сформирован: {at.astimezone(zone):%d.%m.%Y %H:%M}"]
    if definition.window_minutes is not None:
        lines.append(f"Время суток: {definition.time_from}–{definition.time_to}")
    if result.truncated:
        lines.append("Показаны не все строки: сузьте период или фильтры")
    return ExportSpec(
        format=format,
        filename=f"report-{at.astimezone(zone):%Y-%m-%d-%H%M}",
        header=ExportHeader(name, tuple(lines)),
        columns=tuple(
            [ExportColumn(DIMENSIONS[d].title, 22) for d in definition.dimensions]
            + [
                ExportColumn(MEASURES[m].title, 14, duration=MEASURES[m].unit == "seconds")
                for m in definition.measures
            ]
        ),
        expected_rows=len(result.rows),
    )


_VIEWS: Final = ("table", "pivot", "bar", "line", "pie", "heatmap")


def _view(view: Mapping[str, Any]) -> dict[str, Any]:
    kind = view.get("kind", "table")
    if kind not in _VIEWS:
        raise InvalidFields([FieldProblem("view.kind", "invalid_choice", ", ".join(_VIEWS))])
    return {"kind": kind}


async def report_batches(result: ReportResult) -> RowBatches:
    rows = [[*row.labels, *row.figures] for row in result.rows]
    for start in range(0, len(rows), 1000):
        yield rows[start : start + 1000]
