"""The call journal as a table to export: its columns, one row per call, and the header that names the
filters, who exported and when (OPS-29: «сохранение отчета в формате .xls, .csv или .pdf»)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Final

from c122.domain.calls import CallFilter, JournalRow
from c122.domain.cases import SOURCE_LABELS as CASE_SOURCE_LABELS
from c122.services.exports.ports import ExportColumn, ExportHeader, Row

DIRECTION_LABELS: Final = {"inbound": "входящий", "outbound": "исходящий", "internal": "внутренний"}
STATUS_LABELS: Final = {
    "answered": "принятый",
    "missed": "пропущенный",
    "failed": "несостоявшийся",
    "active": "идёт",
}
# The card's own wording (seed 4.3.3.4), so an export names a source as the card does.
SOURCE_LABELS: Final = {source.value: label for source, label in CASE_SOURCE_LABELS.items()}

COLUMNS: Final = (
    ExportColumn("Начало", 19),
    ExportColumn("Направление", 12),
    ExportColumn("Статус", 15),
    ExportColumn("Заявитель", 15),
    ExportColumn("Имя заявителя", 22),
    ExportColumn("Линия", 18),
    ExportColumn("Тип вызова", 18),
    ExportColumn("Группа", 18),
    ExportColumn("Оператор(ы)", 22),
    ExportColumn("Ожидание, с", 9),
    ExportColumn("Разговор, с", 9),
    ExportColumn("Обращение", 28),
    ExportColumn("Источник", 15),
)


def journal_row(row: JournalRow, zone: tzinfo) -> Row:
    record = row.record
    applicant = record.called if record.direction == "outbound" else record.caller
    cases = "; ".join(f"{c.name} ({c.type_name}, {c.status})" for c in row.cases)
    return (
        record.started_at.astimezone(zone).replace(tzinfo=None),
        DIRECTION_LABELS.get(record.direction, record.direction),
        STATUS_LABELS.get(record.status, record.status),
        applicant,
        "; ".join(dict.fromkeys(c.applicant for c in row.cases if c.applicant)),
        row.line_name or record.line_number or "",
        row.case_type_name or record.ivr_choice or "",
        row.group_name or "",
        ", ".join(row.participants) or (row.operator_name or ""),
        round(record.wait_s, 1),
        round(record.talk_s, 1),
        cases,
        ", ".join(dict.fromkeys(SOURCE_LABELS.get(c.source, c.source) for c in row.cases)),
    )


def journal_header(
    filters: CallFilter, names: dict[str, str], who: str, at: datetime, zone: tzinfo
) -> ExportHeader:
    """`names` gives the readable names of the ids in the filter (group, operator, case type)."""
    shown = [
        ("с", _moment(filters.since, zone)),
        ("по", _moment(filters.until, zone)),
        ("группа", names.get("group")),
        ("оператор", names.get("operator")),
        ("заявитель", filters.applicant_phone or filters.applicant_name),
        ("линия", filters.line_number),
        ("тип вызова", names.get("case_type")),
        ("источник", SOURCE_LABELS.get(filters.source or "")),
        ("направление", DIRECTION_LABELS.get(filters.direction or "")),
        ("статус", STATUS_LABELS.get(filters.status or "")),
    ]
    described = "; ".join(f"{label}: {value}" for label, value in shown if value)
    return ExportHeader(
        title="Журнал звонков",
        lines=(
            f"Фильтры: {described or 'нет (все доступные звонки)'}",
            f"Выгрузил: {who}, {at.astimezone(zone).strftime('%d.%m.%Y %H:%M')}",
        ),
    )


def _moment(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M") if moment is not None else None
