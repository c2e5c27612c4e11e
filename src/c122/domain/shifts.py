"""Shifts of the hotline: named spans of local time (08:00–20:00, 20:00–08:00 over midnight).

"The current shift" and "per shift" in the statistics mean these spans, read in the hotline's time
zone. A shift whose end is not after its start runs over midnight into the next day. On a day the
clocks change a shift lasts an hour more or less: its bounds are local times, not durations.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MINUTES_PER_DAY = 24 * 60


class InvalidShiftTime(ValueError):
    """A time of day that is not HH:MM on a 24-hour clock."""


def parse_time_of_day(text: str) -> time:
    match = _HH_MM.match(text)
    if match is None:
        raise InvalidShiftTime(f"«{text}» is not a time of day as HH:MM (00:00–23:59)")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Shift:
    """A shift as the organisation defines it; `starts_at` and `ends_at` are local HH:MM."""

    id: int
    name: str
    starts_at: str
    ends_at: str

    @property
    def start(self) -> time:
        return parse_time_of_day(self.starts_at)

    @property
    def end(self) -> time:
        return parse_time_of_day(self.ends_at)

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True)
class ShiftWindow:
    """One occurrence of a shift: the local day it starts on and its bounds as UTC instants."""

    shift: Shift
    day: date
    starts: datetime
    ends: datetime

    def contains(self, moment: datetime) -> bool:
        return self.starts <= moment < self.ends


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _local_instant(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time (PEP 495 with fold=0): a time repeated in autumn
    counts at its first occurrence, a time skipped in spring as if the clock had not yet moved."""
    return datetime.combine(day, moment, tzinfo=zone).astimezone(UTC)


def window_on(shift: Shift, day: date, zone: ZoneInfo) -> ShiftWindow:
    """The occurrence of `shift` that starts on the local `day`."""
    end_day = day + timedelta(days=1) if shift.crosses_midnight else day
    return ShiftWindow(
        shift=shift,
        day=day,
        starts=_local_instant(day, shift.start, zone),
        ends=_local_instant(end_day, shift.end, zone),
    )


def current_shift(shifts: Iterable[Shift], now: datetime, zone: ZoneInfo) -> ShiftWindow | None:
    """The shift occurrence running at `now` (aware), or None when no shift covers that moment."""
    today = now.astimezone(zone).date()
    candidates = [
        window_on(shift, day, zone)
        for shift in shifts
        for day in (today - timedelta(days=1), today)  # a night shift that began yesterday
    ]
    running = [window for window in candidates if window.contains(now)]
    return min(running, key=lambda w: (w.starts, w.shift.id)) if running else None


def windows_between(
    shifts: Sequence[Shift], since: datetime, until: datetime, zone: ZoneInfo
) -> list[ShiftWindow]:
    """Every shift occurrence overlapping [since, until), earliest first."""
    first = since.astimezone(zone).date() - timedelta(days=1)
    last = until.astimezone(zone).date()
    windows: list[ShiftWindow] = []
    day = first
    while day <= last:
        windows += [window_on(shift, day, zone) for shift in shifts]
        day += timedelta(days=1)
    overlapping = [w for w in windows if w.starts < until and w.ends > since]
    return sorted(overlapping, key=lambda w: (w.starts, w.shift.id))


def _spans(shift: Shift) -> list[tuple[int, int]]:
    """The minutes of a day a shift covers, as [start, end) spans; a night shift gives two."""
    start, end = _minutes(shift.start), _minutes(shift.end)
    if end > start:
        return [(start, end)]
    return [(start, MINUTES_PER_DAY), (0, end)] if end else [(start, MINUTES_PER_DAY)]


def overlapping(shift: Shift, others: Iterable[Shift]) -> Shift | None:
    """The first other shift that covers some of the same minutes of the day, if any."""
    mine = _spans(shift)
    for other in others:
        if other.id == shift.id:
            continue
        if any(a < d and c < b for a, b in mine for c, d in _spans(other)):
            return other
    return None
