"""The call journal as a table to export: its columns, one row per call, and the header that names the
filters, who exported and when (OPS-29: «сохранение отчета в формате .xls, .csv или .pdf»)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from itertools import repeat
from operator import methodcaller
from typing import Final

from c122.domain.calls import CallFilter
from c122.domain.cases import SOURCE_LABELS as CASE_SOURCE_LABELS
from c122.services.calls.ports import ExportBatch, ExportCall, ExportCase, ExportNames
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
    (`ExportNames`): the same cells as the journal's screen shows for the call. A batch is turned into
    rows column by column (the plain lookups run over a whole column at once), and only the cells that
    depend on a call's cases or other operators are worked out call by call."""

    def __init__(self, names: ExportNames, zone: tzinfo) -> None:
        self._names = names
        self._users = {str(user_id): name for user_id, name in names.users.items()}
        self._zone = zone

    def of(self, batch: ExportBatch) -> list[Row]:
        if not batch.calls:
            return []
        names = self._names
        lines, groups, users, types = names.lines, names.groups, names.users, names.case_types
        (
            ids,
            started,
            direction,
            status,
            caller,
            called,
            line,
            ivr,
            group,
            operator,
            case_type,
            wait,
            talk,
        ) = zip(*batch.calls, strict=True)
        parties = batch.parties  # most calls have none: their operator alone
        no_cases = ("", "", "")
        cases = {call_id: _case_cells(found) for call_id, found in batch.cases.items() if found}
        applicant, case_names, sources = zip(*map(cases.get, ids, repeat(no_cases)), strict=True)
        return list(
            zip(
                map(_NAIVE, map(datetime.astimezone, started, repeat(self._zone))),
                map(DIRECTION_LABELS.get, direction, direction),
                map(STATUS_LABELS.get, status, status),
                [b if d == "outbound" else a for d, a, b in zip(direction, caller, called, strict=True)],
                applicant,
                [(lines.get(n) if n is not None else None) or n or "" for n in line],
                [
                    (types.get(t) if t is not None else None) or v or ""
                    for t, v in zip(case_type, ivr, strict=True)
                ],
                [(groups.get(g) if g is not None else None) or "" for g in group],
                [
                    self._participants(call, found)
                    if (found := parties.get(call.id))
                    else ((users.get(o) if o is not None else None) or "")
                    for call, o in zip(batch.calls, operator, strict=True)
                ],
                map(round, wait, repeat(1)),
                map(round, talk, repeat(1)),
                case_names,
                sources,
                strict=True,
            )
        )

    def _participants(self, call: ExportCall, parties: Sequence[str]) -> str:
        """The operator who answered, then whoever else talked on the call as an operator or consultant."""
        talked = [str(call.operator_id)] if call.operator_id is not None else []
        talked.extend(parties)
        return ", ".join(self._users[p] for p in dict.fromkeys(talked) if p in self._users)


_NAIVE: Final = methodcaller("replace", tzinfo=None)
"""A moment in the local zone, shown without the zone."""


def _case_cells(cases: Sequence[ExportCase]) -> tuple[str, str, str]:
    """A call's applicants, its cases and their sources, as three cells."""
    return (
        "; ".join(dict.fromkeys(c.applicant for c in cases if c.applicant)),
        "; ".join(f"{c.name} ({c.type_name}, {c.status})" for c in cases),
        ", ".join(dict.fromkeys(SOURCE_LABELS.get(c.source, c.source) for c in cases)),
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
