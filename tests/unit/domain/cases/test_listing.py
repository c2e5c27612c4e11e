"""The card list filter decides which cards a desktop shows, also for live updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from c122.domain.cases import (
    Case,
    CaseFilter,
    CaseSource,
    CaseStatus,
    SequenceKey,
    StatusFilter,
    TimeFilter,
    change_status,
    contacts_within,
    new_case,
)

NOW = datetime(2024, 9, 12, 12, 0, tzinfo=UTC)


def created(hours_ago: float, status: CaseStatus = CaseStatus.NEW, type_id: int = 1) -> Case:
    at = NOW - timedelta(hours=hours_ago)
    case = new_case(
        key=SequenceKey(at.date(), type_id),
        number=1,
        type_name="Другое",
        source=CaseSource.WEB,
        created_at=at,
        by=3,
    )
    return case if status is CaseStatus.NEW else change_status(case, status, by=3, at=at)


@pytest.mark.parametrize(
    ("case_filter", "case", "shown"),
    [
        (CaseFilter(), created(24 * 400, CaseStatus.REGISTERED), True),
        (CaseFilter(time=TimeFilter.LAST_24H), created(24), True),
        (CaseFilter(time=TimeFilter.LAST_24H), created(24.01), False),
        (CaseFilter(status=StatusFilter.ACTIVE), created(1, CaseStatus.IN_WORK), True),
        (CaseFilter(status=StatusFilter.ACTIVE), created(1, CaseStatus.COMPLETED), False),
        (CaseFilter(status=StatusFilter.INACTIVE), created(1, CaseStatus.CLOSED_BY_USER), True),
        (CaseFilter(status=StatusFilter.INACTIVE), created(1, CaseStatus.REGISTERED), False),
        (CaseFilter(type_id=2), created(1), False),
        (
            CaseFilter(time=TimeFilter.LAST_24H, status=StatusFilter.ACTIVE, type_id=2),
            created(2, type_id=2),
            True,
        ),
    ],
)
def test_filter_matches(case_filter: CaseFilter, case: Case, shown: bool) -> None:
    assert case_filter.matches(case, NOW) is shown


def test_a_card_leaves_the_active_list_when_it_is_completed() -> None:
    active = CaseFilter(status=StatusFilter.ACTIVE)
    case = created(1, CaseStatus.IN_WORK)
    assert active.matches(case, NOW)
    assert not active.matches(change_status(case, CaseStatus.COMPLETED, by=3, at=NOW), NOW)


def test_contacts_in_the_last_24_hours_are_counted_for_the_history_preview() -> None:
    times = [NOW - timedelta(hours=h) for h in (0, 5, 23.9, 24, 24.1, 100)] + [NOW + timedelta(minutes=1)]
    assert contacts_within(times, NOW) == 4
    assert contacts_within([], NOW) == 0
