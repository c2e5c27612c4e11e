"""Scheduled reports' rules: when each frequency sends next (in the hotline's zone, across a DST change),
the period a send reports on, the checks naming each bad field, and the retries' back-off."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from c122.domain.errors import InvalidFields
from c122.domain.report_schedules import (
    MAX_ATTEMPTS,
    ReportSchedule,
    ScheduleStatus,
    after_failure,
    after_success,
    next_run,
    report_period,
    retry_delay,
    schedule_from_json,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")


def schedule(**changes: object) -> ReportSchedule:
    data: dict[str, object] = {
        "frequency": "daily",
        "time": "08:00",
        "recipients": ["head@122.example.ru"],
        "formats": ["xlsx"],
    }
    data.update(changes)
    return schedule_from_json(data)


def test_daily_sends_at_the_local_time_today_or_tomorrow() -> None:
    daily = schedule()
    assert next_run(daily, datetime(2026, 9, 12, 4, 59, tzinfo=UTC), MSK) == datetime(
        2026, 9, 12, 5, 0, tzinfo=UTC
    )
    # Exactly at the send time: the next one is tomorrow's.
    assert next_run(daily, datetime(2026, 9, 12, 5, 0, tzinfo=UTC), MSK) == datetime(
        2026, 9, 13, 5, 0, tzinfo=UTC
    )


def test_weekly_and_monthly_pick_their_day() -> None:
    saturday = datetime(2026, 9, 12, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, a Saturday
    weekly = schedule(frequency="weekly", weekday=0)
    assert next_run(weekly, saturday, MSK) == datetime(2026, 9, 14, 5, 0, tzinfo=UTC)  # Monday 08:00
    monthly = schedule(frequency="monthly", day_of_month=1, time="07:30")
    assert next_run(monthly, saturday, MSK) == datetime(2026, 10, 1, 4, 30, tzinfo=UTC)


def test_the_local_time_holds_across_a_dst_change() -> None:
    daily = schedule(time="08:00")
    before = next_run(daily, datetime(2026, 10, 24, 5, 0, tzinfo=UTC), BERLIN)  # Saturday, still CEST
    after = next_run(daily, before, BERLIN)  # Sunday 25 October: CET from 03:00
    assert (before, after) == (
        datetime(2026, 10, 24, 6, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 7, 0, tzinfo=UTC),
    )
    assert after - before == timedelta(hours=25)


def test_each_frequency_reports_on_the_period_before_it() -> None:
    run = datetime(2026, 9, 1, 5, 0, tzinfo=UTC)  # 08:00 on 1 September in Moscow
    assert report_period(schedule(), run, MSK) == (date(2026, 8, 31), date(2026, 8, 31))
    assert report_period(schedule(frequency="weekly"), run, MSK) == (date(2026, 8, 25), date(2026, 8, 31))
    assert report_period(schedule(frequency="monthly"), run, MSK) == (date(2026, 8, 1), date(2026, 8, 31))
    # 00:30 local on the 1st is still 31 August in UTC: the hotline's day decides.
    night = datetime(2026, 8, 31, 21, 30, tzinfo=UTC)
    assert report_period(schedule(frequency="monthly"), night, MSK) == (date(2026, 8, 1), date(2026, 8, 31))


def test_bad_schedules_name_every_field() -> None:
    with pytest.raises(InvalidFields) as refused:
        schedule_from_json(
            {
                "frequency": "hourly",
                "time": "25:00",
                "weekday": 7,
                "day_of_month": 31,
                "recipients": ["head@122.example.ru", "not an address"],
                "formats": ["docx"],
            }
        )
    assert {p.path for p in refused.value.problems} == {
        "schedule.frequency",
        "schedule.time",
        "schedule.weekday",
        "schedule.day_of_month",
        "schedule.recipients[1]",
        "schedule.formats",
    }
    with pytest.raises(InvalidFields) as empty:
        schedule_from_json({"frequency": "daily", "time": "08:00", "recipients": [], "formats": ["csv"]})
    assert [p.path for p in empty.value.problems] == ["schedule.recipients"]


def test_duplicates_are_dropped_and_formats_kept_in_order() -> None:
    kept = schedule(recipients=["a@x.ru", " a@x.ru", "b@x.ru"], formats=["pdf", "csv", "pdf"])
    assert (kept.recipients, kept.formats) == (("a@x.ru", "b@x.ru"), ("csv", "pdf"))


def test_refused_sends_back_off_then_give_up_until_the_next_run() -> None:
    daily = schedule()
    at = datetime(2026, 9, 12, 5, 0, tzinfo=UTC)
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 10)] == [60, 120, 240, 480, 3600]
    status = ScheduleStatus(state="pending", next_at=at)
    for attempt in range(1, MAX_ATTEMPTS):
        status = after_failure(daily, status, at, "554 refused", MSK)
        assert (status.state, status.attempts, status.error) == ("retrying", attempt, "554 refused")
        assert status.next_at == at + retry_delay(attempt)
    given_up = after_failure(daily, status, at, "554 refused", MSK)
    assert (given_up.state, given_up.next_at) == ("failed", datetime(2026, 9, 13, 5, 0, tzinfo=UTC))
    sent = after_success(daily, at, MSK)
    assert (sent.state, sent.attempts, sent.error, sent.last_sent_at) == ("sent", 0, None, at)
