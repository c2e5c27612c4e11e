"""The production calendar's files: the xmlcalendar.ru XML and the simple CSV, and bad files refused
with the reason."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import c122.services.routing
from c122.domain.routing import CalendarFileInvalid, DayKind, DayMark, day_kinds, parse_calendar

SHIPPED = Path(c122.services.routing.__file__).parent / "calendars"


def test_the_shipped_years_hold_the_decrees_days() -> None:
    marks = parse_calendar((SHIPPED / "ru-2026.xml").read_bytes())
    assert marks[date(2026, 1, 9)] is DayMark.HOLIDAY  # moved from Saturday 3 January
    assert marks[date(2026, 12, 31)] is DayMark.HOLIDAY  # moved from Sunday 4 January
    assert marks[date(2026, 4, 30)] is DayMark.SHORTENED
    assert day_kinds(date(2026, 3, 9), marks) == {DayKind.NON_WORKING, DayKind.HOLIDAY}
    assert {d.year for d in parse_calendar((SHIPPED / "ru-2027.xml").read_bytes())} == {2027}


def test_csv_with_either_date_form_and_a_header() -> None:
    text = "Дата;Тип\n2030-01-01;1\n07.03.2030;shortened\n02.11.2030;3\n"
    assert parse_calendar(text.encode()) == {
        date(2030, 1, 1): DayMark.HOLIDAY,
        date(2030, 3, 7): DayMark.SHORTENED,
        date(2030, 11, 2): DayMark.WORKING_WEEKEND,
    }


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe", "UTF-8"),
        (b"<year/>", "root"),
        (b"<calendar year='x'/>", "not a year"),
        (b"<calendar year='2030'><days><day d='1.1' t='1'/></days></calendar>", "MM.DD"),
        (b"<calendar year='2030'><days/></calendar>", "no days"),
        (b"2030-01-01\n", "date,type"),
        (b"01/01/2030,1\n", "no date"),
    ],
)
def test_bad_files_say_why(data: bytes, reason: str) -> None:
    with pytest.raises(CalendarFileInvalid, match=reason):
        parse_calendar(data)
