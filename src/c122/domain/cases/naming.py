"""Case names `<Mon><DD>_<Type>_<NNN>` (OPS-09): the per-day, per-type sequence key and the formatting.

The number comes from a counter the persistence layer keeps per `SequenceKey`; the allocation protocol is
in docs/contact-center/cases.md. The name is fixed when the case is created and never recomputed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

MONTHS_RU = ("Янв", "Фев", "Мар", "Апр", "Май", "Июн", "Июл", "Авг", "Сен", "Окт", "Ноя", "Дек")

_NAME = re.compile(r"^(?P<month>\w{3})(?P<day>\d{2})_(?P<type>.+)_(?P<number>\d{3,})$")


@dataclass(frozen=True, order=True)
class SequenceKey:
    """Numbers restart at 1 for every hotline day and case type; the type id, not its name, keys it."""

    day: date
    type_id: int


@dataclass(frozen=True)
class CaseName:
    month: int
    day: int
    type_name: str
    number: int


def case_day(moment: datetime, zone: tzinfo) -> date:
    """The hotline's calendar day of a moment: the configured zone decides, never the server's."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("case times must carry a time zone")
    return moment.astimezone(zone).date()


def sequence_key(moment: datetime, zone: tzinfo, type_id: int) -> SequenceKey:
    return SequenceKey(day=case_day(moment, zone), type_id=type_id)


def format_case_name(day: date, type_name: str, number: int) -> str:
    """`Сен12_Справочная информация_002`: two-digit day, a number of at least three digits (`_1000` on)."""
    name = " ".join(type_name.split())
    if not name:
        raise ValueError("a case type needs a name")
    if number < 1:
        raise ValueError("case numbers start at 1")
    return f"{MONTHS_RU[day.month - 1]}{day.day:02d}_{name}_{number:03d}"


def parse_case_name(text: str) -> CaseName | None:
    """The parts of a case name, or None if the text is not one (the search box uses it to find a case)."""
    match = _NAME.match(text.strip())
    if match is None or match["month"] not in MONTHS_RU:
        return None
    month = MONTHS_RU.index(match["month"]) + 1
    day = int(match["day"])
    number = int(match["number"])
    if not 1 <= day <= 31 or number < 1:
        return None
    return CaseName(month=month, day=day, type_name=match["type"], number=number)
