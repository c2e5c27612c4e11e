"""Working hours and holidays, evaluated at a given moment in the hotline's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from c122.domain.ivr import Holiday, Interval, Schedule, ScheduleVerdict, evaluate, parse_clock

MOSCOW = ZoneInfo("Europe/Moscow")
WEEKDAYS_8_TO_20 = Schedule(
    weekly={day: (Interval(8 * 60, 20 * 60),) for day in range(5)},
    holidays=(Holiday(date(2027, 1, 1)), Holiday(date(2026, 12, 31), (Interval(8 * 60, 16 * 60),))),
)


def msk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


@pytest.mark.parametrize(
    ("moment", "verdict"),
    [
        (msk(2026, 11, 25, 8, 0), ScheduleVerdict.OPEN),  # opening minute is inside
        (msk(2026, 11, 25, 7, 59), ScheduleVerdict.CLOSED),
        (msk(2026, 11, 25, 19, 59), ScheduleVerdict.OPEN),
        (msk(2026, 11, 25, 20, 0), ScheduleVerdict.CLOSED),  # closing minute is outside
        (msk(2026, 11, 28, 12, 0), ScheduleVerdict.CLOSED),  # Saturday has no hours
        (msk(2027, 1, 1, 12, 0), ScheduleVerdict.HOLIDAY),  # a Friday, but a holiday
        (msk(2026, 12, 31, 15, 59), ScheduleVerdict.OPEN),  # shortened holiday hours
        (msk(2026, 12, 31, 16, 0), ScheduleVerdict.HOLIDAY),
    ],
)
def test_schedule_verdict_at_local_moments(moment: datetime, verdict: ScheduleVerdict) -> None:
    assert evaluate(WEEKDAYS_8_TO_20, moment, MOSCOW) is verdict


def test_given_a_utc_moment_when_evaluated_then_the_hotline_zone_decides_the_local_hour() -> None:
    utc_0600 = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 09:00 in Moscow, 11:00 in Yekaterinburg
    assert evaluate(WEEKDAYS_8_TO_20, utc_0600, MOSCOW) is ScheduleVerdict.OPEN
    utc_1630 = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)  # 19:30 in Moscow, 21:30 in Yekaterinburg
    assert evaluate(WEEKDAYS_8_TO_20, utc_1630, MOSCOW) is ScheduleVerdict.OPEN
    assert evaluate(WEEKDAYS_8_TO_20, utc_1630, ZoneInfo("Asia/Yekaterinburg")) is ScheduleVerdict.CLOSED


def test_given_a_holiday_in_local_time_when_utc_is_still_the_day_before_then_it_is_a_holiday() -> None:
    utc_new_year_eve = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)  # 01:30 on 1 January in Moscow
    assert evaluate(WEEKDAYS_8_TO_20, utc_new_year_eve, MOSCOW) is ScheduleVerdict.HOLIDAY


def test_round_the_clock_hours_end_at_midnight() -> None:
    always = Schedule(weekly={day: (Interval(0, parse_clock("24:00")),) for day in range(7)})
    assert evaluate(always, msk(2026, 11, 29, 23, 59), MOSCOW) is ScheduleVerdict.OPEN
    assert evaluate(always, msk(2026, 11, 30, 0, 0), MOSCOW) is ScheduleVerdict.OPEN


def test_a_moment_without_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        evaluate(WEEKDAYS_8_TO_20, datetime(2026, 11, 25, 12, 0), MOSCOW)


@pytest.mark.parametrize("text", ["8:00", "24:01", "12:60", "ab:cd", "1200", "25:00"])
def test_bad_clock_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=text):
        parse_clock(text)


def test_clock_text_reads_as_minutes_since_midnight() -> None:
    assert [parse_clock(t) for t in ("00:00", "08:30", "24:00")] == [0, 510, 1440]
