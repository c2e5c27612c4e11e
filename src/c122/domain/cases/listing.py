"""The card list filter (OPS-09): time (all / last 24 hours) and status group. Services use `matches` to
decide whether a live `case.*` event adds a card to a desktop's list, updates it or drops it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from c122.domain.cases.case import Case
from c122.domain.cases.status import StatusFilter

RECENT = timedelta(hours=24)


class TimeFilter(StrEnum):
    ALL = "all"
    LAST_24H = "last_24h"

    def since(self, now: datetime) -> datetime | None:
        """The earliest creation time shown, or None for no limit."""
        return now - RECENT if self is TimeFilter.LAST_24H else None


@dataclass(frozen=True)
class CaseFilter:
    time: TimeFilter = TimeFilter.ALL
    status: StatusFilter = StatusFilter.ANY
    type_id: int | None = None

    def matches(self, case: Case, now: datetime) -> bool:
        since = self.time.since(now)
        if since is not None and case.created_at < since:
            return False
        if self.type_id is not None and case.type_id != self.type_id:
            return False
        return case.status in self.status.statuses


def contacts_within(times: Iterable[datetime], now: datetime, window: timedelta = RECENT) -> int:
    """How many of an applicant's contacts fall in the window before now (the history preview, OPS-17)."""
    return sum(1 for moment in times if now - window <= moment <= now)
