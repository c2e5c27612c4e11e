"""The call journal as a table to export: its columns, one row per call, and the header that names the
filters, who exported and when (OPS-29: «сохранение отчета в формате .xls, .csv или .pdf»)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Final

from c122.domain.calls import CallFilter
from c122.domain.cases import SOURCE_LABELS as CASE_SOURCE_LABELS
from c122.services.calls.ports import ExportBatch, ExportCall, ExportNames
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


class JournalRows:
    """Export rows of the journal's calls, one per call, the names looked up in what was read once
    (`ExportNames`): the same cells as the journal's screen shows for the call."""

    def __init__(self, names: ExportNames, zone: tzinfo) -> None:
        self._names = names
        self._users = {str(user_id): name for user_id, name in names.users.items()}
        self._zone = zone

    def of(self, batch: ExportBatch) -> list[Row]:
        return [self._row(call, batch) for call in batch.calls]

    def _row(self, call: ExportCall, batch: ExportBatch) -> Row:
        names = self._names
        cases = batch.cases.get(call.id, ())
        parties = batch.parties.get(call.id)  # most calls have none: their operator alone
        operator = names.users.get(call.operator_id) if call.operator_id is not None else None
        return (
            call.started_at.astimezone(self._zone).replace(tzinfo=None),
            DIRECTION_LABELS.get(call.direction, call.direction),
            STATUS_LABELS.get(call.status, call.status),
            call.called if call.direction == "outbound" else call.caller,
            "; ".join(dict.fromkeys(c.applicant for c in cases if c.applicant)) if cases else "",
            (names.lines.get(call.line_number) if call.line_number is not None else None)
            or call.line_number
            or "",
            (names.case_types.get(call.case_type_id) if call.case_type_id is not None else None)
            or call.ivr_choice
            or "",
            (names.groups.get(call.group_id) if call.group_id is not None else None) or "",
            self._participants(call, parties) if parties else (operator or ""),
            round(call.wait_s, 1),
            round(call.talk_s, 1),
            "; ".join(f"{c.name} ({c.type_name}, {c.status})" for c in cases) if cases else "",
            ", ".join(dict.fromkeys(SOURCE_LABELS.get(c.source, c.source) for c in cases)) if cases else "",
        )

    def _participants(self, call: ExportCall, parties: Sequence[str]) -> str:
        """The operator who answered, then whoever else talked on the call as an operator or consultant."""
        talked = [str(call.operator_id)] if call.operator_id is not None else []
        talked.extend(parties)
        return ", ".join(self._users[p] for p in dict.fromkeys(talked) if p in self._users)


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
