"""Shifts in the hotline's time zone: a day shift, a night shift over midnight, the current shift on
Moscow time (no daylight saving since 2014) and on Berlin time across both clock changes of 2026
(29 March 02:00 CET -> 03:00 CEST, 25 October 03:00 CEST -> 02:00 CET)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from c122.domain.shifts import (
    InvalidShiftTime,
    Shift,
    current_shift,
    overlapping,
    parse_time_of_day,
    window_on,
    windows_between,
)

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3 all year
BERLIN = ZoneInfo("Europe/Berlin")
DAY = Shift(id=1, name="Дневная", starts_at="08:00", ends_at="20:00")
NIGHT = Shift(id=2, name="Ночная", starts_at="20:00", ends_at="08:00")
SHIFTS = [DAY, NIGHT]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_shift_whose_end_is_not_after_its_start_crosses_midnight() -> None:
    assert NIGHT.crosses_midnight
    assert not DAY.crosses_midnight


@pytest.mark.parametrize("text", ["8:00", "24:00", "12:60", "", "08:00:00", "ab:cd"])
def test_times_of_day_are_hh_mm_on_a_24_hour_clock(text: str) -> None:
    with pytest.raises(InvalidShiftTime):
        parse_time_of_day(text)


def test_the_day_shift_in_moscow_is_05_to_17_utc() -> None:
    window = current_shift(SHIFTS, utc(2026, 9, 12, 9, 0), MOSCOW)  # 12:00 Moscow
    assert window is not None
    assert window.shift == DAY
    assert (window.day, window.starts, window.ends) == (
        date(2026, 9, 12),
        utc(2026, 9, 12, 5),
        utc(2026, 9, 12, 17),
    )


def test_after_midnight_the_current_shift_is_the_night_shift_that_began_the_evening_before() -> None:
    window = current_shift(SHIFTS, utc(2026, 9, 12, 22, 30), MOSCOW)  # 01:30 on the 13th, Moscow
    assert window is not None
    assert window.shift == NIGHT
    assert window.day == date(2026, 9, 12)
    assert (window.starts, window.ends) == (utc(2026, 9, 12, 17), utc(2026, 9, 13, 5))


def test_the_bounds_belong_to_the_shift_that_starts_there() -> None:
    at_eight = current_shift(SHIFTS, utc(2026, 9, 13, 5, 0), MOSCOW)
    just_before = current_shift(SHIFTS, utc(2026, 9, 13, 4, 59, 59), MOSCOW)
    assert at_eight is not None
    assert at_eight.shift == DAY
    assert just_before is not None
    assert just_before.shift == NIGHT


def test_between_shifts_there_is_no_current_shift() -> None:
    assert current_shift([DAY], utc(2026, 9, 12, 18, 0), MOSCOW) is None
    assert current_shift([], utc(2026, 9, 12, 18, 0), MOSCOW) is None


def test_the_night_shift_into_summer_time_lasts_eleven_hours() -> None:
    # 28 March 20:00 CET (19:00 UTC) to 29 March 08:00 CEST (06:00 UTC): the clock skipped 02:00–03:00.
    window = window_on(NIGHT, date(2026, 3, 28), BERLIN)
    assert (window.starts, window.ends) == (utc(2026, 3, 28, 19), utc(2026, 3, 29, 6))
    assert window.ends - window.starts == timedelta(hours=11)
    at_three_local = current_shift(SHIFTS, utc(2026, 3, 29, 1, 0), BERLIN)  # 03:00 CEST
    assert at_three_local is not None
    assert at_three_local.day == date(2026, 3, 28)


def test_the_night_shift_into_winter_time_lasts_thirteen_hours() -> None:
    # 24 October 20:00 CEST (18:00 UTC) to 25 October 08:00 CET (07:00 UTC): 02:00–03:00 came twice.
    window = window_on(NIGHT, date(2026, 10, 24), BERLIN)
    assert (window.starts, window.ends) == (utc(2026, 10, 24, 18), utc(2026, 10, 25, 7))
    assert window.ends - window.starts == timedelta(hours=13)
    for moment in (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)):  # 02:30 local, twice
        found = current_shift(SHIFTS, moment, BERLIN)
        assert found is not None
        assert found.shift == NIGHT
        assert found.day == date(2026, 10, 24)


def test_a_shift_starting_in_the_skipped_hour_starts_as_if_the_clock_had_not_moved() -> None:
    early = Shift(id=3, name="Ранняя", starts_at="02:30", ends_at="06:00")
    window = window_on(early, date(2026, 3, 29), BERLIN)
    assert window.starts == utc(2026, 3, 29, 1, 30)  # 02:30 at +01:00, i.e. 03:30 CEST
    assert window.ends == utc(2026, 3, 29, 4, 0)


def test_the_windows_of_a_span_include_the_night_shift_running_at_its_start() -> None:
    windows = windows_between(SHIFTS, utc(2026, 9, 12, 0, 0), utc(2026, 9, 13, 0, 0), MOSCOW)
    assert [(w.shift.id, w.day) for w in windows] == [
        (2, date(2026, 9, 11)),
        (1, date(2026, 9, 12)),
        (2, date(2026, 9, 12)),
    ]


def test_overlaps_are_found_across_midnight_and_touching_bounds_are_not_overlaps() -> None:
    late = Shift(id=3, name="Поздняя", starts_at="06:00", ends_at="09:00")
    assert overlapping(late, SHIFTS) == DAY  # 08:00–09:00 is in both
    assert overlapping(Shift(id=4, name="x", starts_at="07:00", ends_at="07:30"), SHIFTS) == NIGHT
    assert overlapping(DAY, [NIGHT]) is None
    assert overlapping(NIGHT, [DAY, NIGHT]) is None  # a shift never clashes with itself
    until_midnight = Shift(id=5, name="y", starts_at="20:00", ends_at="00:00")
    assert until_midnight.crosses_midnight
    assert overlapping(until_midnight, [Shift(id=6, name="z", starts_at="00:00", ends_at="08:00")]) is None
