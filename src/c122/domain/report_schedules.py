"""Scheduled reports (ADM-03): when a saved report is e-mailed, over which period, to whom and in which
formats, and how a refused send is tried again. Pure: the service layer runs it (services/reports).

- daily: every day at `time`, the previous hotline day;
- weekly: on `weekday` (0 Monday … 6 Sunday) at `time`, the seven days before that day;
- monthly: on `day_of_month` (1–28, so that every month has it) at `time`, the previous calendar month.
Times are the hotline's (its time zone): a send at 08:00 stays at 08:00 across a DST change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

from c122.domain.errors import FieldProblem, InvalidFields

Frequency = Literal["daily", "weekly", "monthly"]
FREQUENCIES: Final[tuple[Frequency, ...]] = get_args(Frequency)
AttachmentFormat = Literal["csv", "xlsx", "pdf"]
ATTACHMENT_FORMATS: Final[tuple[AttachmentFormat, ...]] = get_args(AttachmentFormat)
MAX_RECIPIENTS: Final = 50
MAX_ATTEMPTS: Final = 5
"""Sends of one run: the first and four retries; then the run is given up (`failed`) until the next."""
RETRY_FIRST_S: Final = 60
RETRY_MAX_S: Final = 3600

_HH_MM: Final = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# One address: a local part and a domain with a dot; enough to catch typing errors, not RFC 5322.
_ADDRESS: Final = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

SendState = Literal["pending", "sent", "retrying", "failed", "not_configured"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportSchedule:
    frequency: Frequency
    time: str
    """HH:MM, hotline time."""
    weekday: int = 0
    day_of_month: int = 1
    recipients: tuple[str, ...]
    formats: tuple[AttachmentFormat, ...]

    @property
    def at(self) -> time_of_day:
        hours, minutes = self.time.split(":")
        return time_of_day(int(hours), int(minutes))


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleStatus:
    """What the last send of a schedule did, as the report shows it."""

    state: SendState
    next_at: datetime | None
    """When it is sent next (a retry's time while `retrying`); None when it cannot send."""
    last_attempt_at: datetime | None = None
    last_sent_at: datetime | None = None
    attempts: int = 0
    """Failed sends of the current run."""
    error: str | None = None


def schedule_from_json(data: Mapping[str, object]) -> ReportSchedule:
    """A schedule as the API and the store give it; every problem at once, each naming its field
    (`schedule.recipients[1]`)."""
    problems: list[FieldProblem] = []
    frequency = data.get("frequency")
    if frequency not in FREQUENCIES:
        problems.append(FieldProblem("schedule.frequency", "invalid_choice", "daily, weekly или monthly"))
    at = data.get("time")
    if not isinstance(at, str) or not _HH_MM.match(at):
        problems.append(FieldProblem("schedule.time", "invalid_time", "время отправки ЧЧ:ММ"))
    weekday = data.get("weekday", 0)
    if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
        problems.append(FieldProblem("schedule.weekday", "invalid_weekday", "день недели: 0 (пн) … 6 (вс)"))
    day = data.get("day_of_month", 1)
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 28:
        problems.append(
            FieldProblem("schedule.day_of_month", "invalid_day", "число месяца: от 1 до 28 (есть в каждом)")
        )
    recipients = _strings(data.get("recipients"))
    if recipients is None or not 1 <= len(recipients) <= MAX_RECIPIENTS:
        problems.append(
            FieldProblem("schedule.recipients", "recipients_count", f"получателей: от 1 до {MAX_RECIPIENTS}")
        )
        recipients = ()
    for index, address in enumerate(recipients):
        if not _ADDRESS.match(address):
            problems.append(
                FieldProblem(
                    f"schedule.recipients[{index}]", "invalid_email", f"«{address}» — не адрес e-mail"
                )
            )
    formats = _strings(data.get("formats"))
    if formats is None or not formats or any(f not in ATTACHMENT_FORMATS for f in formats):
        problems.append(FieldProblem("schedule.formats", "invalid_formats", "вложения: csv, xlsx, pdf"))
        formats = ()
    if problems:
        raise InvalidFields(problems)
    assert isinstance(weekday, int)  # checked above
    assert isinstance(day, int)
    return ReportSchedule(
        frequency=frequency,  # type: ignore[arg-type]  # checked above
        time=str(at),
        weekday=weekday,
        day_of_month=day,
        recipients=tuple(dict.fromkeys(a.strip() for a in recipients)),
        formats=tuple(f for f in ATTACHMENT_FORMATS if f in formats),
    )


def _strings(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return None
    if not all(isinstance(item, str) for item in value):
        return None
    return tuple(str(item).strip() for item in value)


def schedule_to_json(schedule: ReportSchedule) -> dict[str, object]:
    return {
        "frequency": schedule.frequency,
        "time": schedule.time,
        "weekday": schedule.weekday,
        "day_of_month": schedule.day_of_month,
        "recipients": list(schedule.recipients),
        "formats": list(schedule.formats),
    }


def next_run(schedule: ReportSchedule, after: datetime, zone: ZoneInfo) -> datetime:
    """The first send strictly after `after` (UTC), read in the hotline's zone."""
    local_day = after.astimezone(zone).date()
    for offset in range(0, 62):
        day = local_day + timedelta(days=offset)
        if not _sends_on(schedule, day):
            continue
        at = datetime.combine(day, schedule.at, tzinfo=zone).astimezone(UTC)
        if at > after:
            return at
    raise AssertionError("every schedule sends within two months")  # pragma: no cover


def _sends_on(schedule: ReportSchedule, day: date) -> bool:
    if schedule.frequency == "daily":
        return True
    if schedule.frequency == "weekly":
        return day.weekday() == schedule.weekday
    return day.day == schedule.day_of_month


def report_period(schedule: ReportSchedule, run_at: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The hotline days (both inclusive) a send at `run_at` reports on: the whole period before it."""
    today = run_at.astimezone(zone).date()
    if schedule.frequency == "daily":
        yesterday = today - timedelta(days=1)
        return yesterday, yesterday
    if schedule.frequency == "weekly":
        return today - timedelta(days=7), today - timedelta(days=1)
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def retry_delay(attempts: int) -> timedelta:
    """After the `attempts`-th refused send: 1, 2, 4, 8 minutes…, at most an hour."""
    return timedelta(seconds=min(RETRY_FIRST_S * 2 ** max(attempts - 1, 0), RETRY_MAX_S))


def after_failure(
    schedule: ReportSchedule, status: ScheduleStatus, at: datetime, error: str, zone: ZoneInfo
) -> ScheduleStatus:
    """A refused send: tried again after a growing pause, given up after MAX_ATTEMPTS until the next run."""
    attempts = status.attempts + 1
    if attempts < MAX_ATTEMPTS:
        return ScheduleStatus(
            state="retrying",
            next_at=at + retry_delay(attempts),
            last_attempt_at=at,
            last_sent_at=status.last_sent_at,
            attempts=attempts,
            error=error,
        )
    return ScheduleStatus(
        state="failed",
        next_at=next_run(schedule, at, zone),
        last_attempt_at=at,
        last_sent_at=status.last_sent_at,
        attempts=attempts,
        error=error,
    )


def after_success(schedule: ReportSchedule, at: datetime, zone: ZoneInfo) -> ScheduleStatus:
    return ScheduleStatus(
        state="sent", next_at=next_run(schedule, at, zone), last_attempt_at=at, last_sent_at=at
    )


def status_to_json(status: ScheduleStatus) -> dict[str, object]:
    return {
        "state": status.state,
        "last_attempt_at": _iso(status.last_attempt_at),
        "last_sent_at": _iso(status.last_sent_at),
        "attempts": status.attempts,
        "error": status.error,
    }


def status_from_json(data: Mapping[str, object] | None, next_at: datetime | None) -> ScheduleStatus:
    data = data or {}
    state = data.get("state", "pending")
    return ScheduleStatus(
        state=state if state in get_args(SendState) else "pending",  # type: ignore[arg-type]
        next_at=next_at,
        last_attempt_at=_when(data.get("last_attempt_at")),
        last_sent_at=_when(data.get("last_sent_at")),
        attempts=_count(data.get("attempts")),
        error=None if data.get("error") is None else str(data.get("error")),
    )


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
