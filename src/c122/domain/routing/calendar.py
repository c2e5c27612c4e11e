"""The Russian production calendar (производственный календарь) as data: which dates are holidays,
shortened pre-holiday days, or weekends made working days, and what kind of day any date is.

Two file formats are read: the widely used xmlcalendar.ru XML
(`<calendar year="2026"><days><day d="01.01" t="1"/>…`, t=1 a day off, t=2 shortened, t=3 a
working weekend) and a simple CSV, one `date,type` a line (date `2026-01-01` or `01.01.2026`; type
`1`/`holiday`, `2`/`shortened`, `3`/`working`). Only the exceptions are listed; any other Saturday
or Sunday is a weekend, any other day a working day.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date
from enum import StrEnum


class DayMark(StrEnum):
    """What the calendar says of a date it lists."""

    HOLIDAY = "holiday"  # t=1: a day off (a public holiday or a day off moved onto a weekday)
    SHORTENED = "shortened"  # t=2: a pre-holiday working day one hour shorter
    WORKING_WEEKEND = "working_weekend"  # t=3: a Saturday or Sunday worked in exchange


class DayKind(StrEnum):
    """What a rule may ask of the day; a date may be several (a shortened day is a working day)."""

    WORKING = "working"
    NON_WORKING = "non_working"  # any day off: holidays and ordinary weekends
    HOLIDAY = "holiday"  # a day off the calendar names (not an ordinary weekend)
    SHORTENED = "shortened"


class CalendarFileInvalid(ValueError):
    """The uploaded file is no production calendar; the message says what is wrong and where."""


_MARKS = {
    "1": DayMark.HOLIDAY,
    "holiday": DayMark.HOLIDAY,
    "2": DayMark.SHORTENED,
    "shortened": DayMark.SHORTENED,
    "3": DayMark.WORKING_WEEKEND,
    "working": DayMark.WORKING_WEEKEND,
    "working_weekend": DayMark.WORKING_WEEKEND,
}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RUSSIAN = re.compile(r"^(\d{2})\.(\d{2})\.(\d{4})$")
MAX_DAYS = 2000  # a calendar lists tens of days a year; more is no calendar


def day_kinds(day: date, marks: Mapping[date, DayMark]) -> frozenset[DayKind]:
    mark = marks.get(day)
    if mark is DayMark.HOLIDAY:
        return frozenset({DayKind.NON_WORKING, DayKind.HOLIDAY})
    if mark is DayMark.SHORTENED:
        return frozenset({DayKind.WORKING, DayKind.SHORTENED})
    if mark is DayMark.WORKING_WEEKEND or day.isoweekday() < 6:
        return frozenset({DayKind.WORKING})
    return frozenset({DayKind.NON_WORKING})


def parse_calendar(data: bytes) -> dict[date, DayMark]:
    """The dates a calendar file lists, in either format; CalendarFileInvalid with the reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarFileInvalid("the file is not UTF-8 text") from None
    if not text.strip():
        raise CalendarFileInvalid("the file is empty")
    marks = _parse_xml(text) if text.lstrip().startswith("<") else _parse_csv(text)
    if not marks:
        raise CalendarFileInvalid("the file lists no days")
    if len(marks) > MAX_DAYS:
        raise CalendarFileInvalid(f"the file lists {len(marks)} days; a calendar lists far fewer")
    return marks


def _parse_xml(text: str) -> dict[date, DayMark]:
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise CalendarFileInvalid("the XML declares a DOCTYPE or entities, which a calendar never needs")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise CalendarFileInvalid(f"the XML is malformed: {exc}") from None
    if root.tag != "calendar":
        raise CalendarFileInvalid(f"the XML's root is <{root.tag}>, not <calendar year=…>")
    year_text = root.get("year", "")
    if not year_text.isdigit() or not 1990 <= int(year_text) <= 2100:
        raise CalendarFileInvalid(f"<calendar year=…> is «{year_text}», not a year")
    year = int(year_text)
    marks: dict[date, DayMark] = {}
    for element in root.iterfind("days/day"):
        where = f'<day d="{element.get("d", "")}" t="{element.get("t", "")}">'
        match = re.fullmatch(r"(\d{2})\.(\d{2})", element.get("d", ""))
        if match is None:
            raise CalendarFileInvalid(f"{where}: d must be MM.DD")
        day = _date(year, int(match[1]), int(match[2]), where)
        marks[day] = _mark(element.get("t", ""), where)
    return marks


def _parse_csv(text: str) -> dict[date, DayMark]:
    marks: dict[date, DayMark] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=_delimiter(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (number == 1 and cells[0].lower() in {"date", "дата"}):
            continue
        where = f"line {number}"
        if len(cells) < 2:
            raise CalendarFileInvalid(f"{where}: expected «date,type», got «{','.join(cells)}»")
        marks[_csv_date(cells[0], where)] = _mark(cells[1].lower(), where)
    return marks


def _delimiter(text: str) -> str:
    first = text.strip().splitlines()[0]
    return ";" if ";" in first and "," not in first else ","


def _csv_date(cell: str, where: str) -> date:
    if _ISO.match(cell):
        year, month, day = (int(part) for part in cell.split("-"))
        return _date(year, month, day, where)
    russian = _RUSSIAN.match(cell)
    if russian:
        return _date(int(russian[3]), int(russian[2]), int(russian[1]), where)
    raise CalendarFileInvalid(f"{where}: «{cell}» is no date (2026-01-01 or 01.01.2026)")


def _date(year: int, month: int, day: int, where: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CalendarFileInvalid(f"{where}: {day:02}.{month:02}.{year} is no date") from None


def _mark(value: str, where: str) -> DayMark:
    mark = _MARKS.get(value)
    if mark is None:
        raise CalendarFileInvalid(
            f"{where}: type «{value}» is none of 1 (holiday), 2 (shortened), 3 (working)"
        )
    return mark
