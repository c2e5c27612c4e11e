"""Working hours and holidays of a hotline, evaluated against a given moment in the hotline's time zone.

Weekly hours are intervals per weekday (0 = Monday) in local time, end exclusive; `24:00` closes at
midnight. A holiday replaces its weekday's hours: closed all day, or its own shortened intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from enum import StrEnum

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday keys of the JSON form, index = `datetime.weekday()`."""


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """Minutes since local midnight: open for start <= minute < end."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        return self.start <= minute < self.end


@dataclass(frozen=True, slots=True)
class Holiday:
    day: date
    hours: tuple[Interval, ...] = ()
    """Empty: closed all day; otherwise the shortened hours of that day."""


@dataclass(frozen=True, slots=True)
class Schedule:
    weekly: Mapping[int, tuple[Interval, ...]] = field(default_factory=dict)
    holidays: tuple[Holiday, ...] = ()


class ScheduleVerdict(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY = "holiday"


def parse_clock(text: str) -> int:
    """`HH:MM` (00:00..24:00) as minutes since midnight; ValueError otherwise."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(text)
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > MINUTES_PER_DAY:
        raise ValueError(text)
    return value


def format_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def evaluate(schedule: Schedule, moment: datetime, zone: tzinfo) -> ScheduleVerdict:
    """Open, closed or holiday at `moment` (timezone-aware) seen in the hotline's zone."""
    if moment.tzinfo is None:
        raise ValueError("moment must carry its time zone")
    local = moment.astimezone(zone)
    minute = _minute_of_day(local.time())
    for holiday in schedule.holidays:
        if holiday.day == local.date():
            inside = any(interval.contains(minute) for interval in holiday.hours)
            return ScheduleVerdict.OPEN if inside else ScheduleVerdict.HOLIDAY
    hours = schedule.weekly.get(local.weekday(), ())
    inside = any(interval.contains(minute) for interval in hours)
    return ScheduleVerdict.OPEN if inside else ScheduleVerdict.CLOSED


def _minute_of_day(moment: time) -> int:
    return moment.hour * 60 + moment.minute
