"""A case keeps its name, records who changed its status and type and when, and bumps its version."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from c122.domain.cases import (
    Case,
    CaseDetails,
    CaseSource,
    CaseStatus,
    IllegalStatusChange,
    SequenceKey,
    StatusChange,
    TypeChange,
    change_status,
    change_type,
    link_call,
    new_case,
    read_case_details,
    set_attention,
    update_details,
    validate_case_details,
)
from c122.domain.errors import InvalidFields

T0 = datetime(2024, 9, 12, 7, 30, tzinfo=UTC)
OPERATOR = 7
OTHER = 8


def fresh() -> Case:
    return new_case(
        key=SequenceKey(date(2024, 9, 12), type_id=3),
        number=2,
        type_name="Справочная информация",
        source=CaseSource.PSTN,
        created_at=T0,
        by=None,
        applicant_id=11,
        call_id="call-1",
    )


def test_a_new_case_is_named_numbered_and_starts_as_new() -> None:
    case = fresh()
    assert case.name == "Сен12_Справочная информация_002"
    assert (case.status, case.attention, case.type_changed, case.version) == (CaseStatus.NEW, False, False, 1)
    assert case.status_history == (StatusChange(CaseStatus.NEW, False, None, T0),)
    assert case.call_ids == ("call-1",)
    assert case.source.label == "ТфОП-звонок"
    assert case.is_active


def test_given_a_status_change_then_history_records_who_and_when_and_work_is_assigned() -> None:
    at = T0 + timedelta(minutes=1)
    case = change_status(fresh(), CaseStatus.IN_WORK, by=OPERATOR, at=at)
    assert case.status is CaseStatus.IN_WORK
    assert case.operator_id == OPERATOR
    assert case.status_history[-1] == StatusChange(CaseStatus.IN_WORK, False, OPERATOR, at)
    assert (case.version, case.updated_at) == (2, at)
    done = change_status(case, CaseStatus.COMPLETED, by=OTHER, at=at + timedelta(minutes=5))
    assert done.operator_id == OPERATOR
    assert not done.is_active


def test_given_a_refused_change_then_the_case_is_left_as_it_was() -> None:
    case = change_status(fresh(), CaseStatus.COMPLETED, by=OPERATOR, at=T0)
    with pytest.raises(IllegalStatusChange):
        change_status(case, CaseStatus.REJECTED, by=OPERATOR, at=T0)
    assert case.status is CaseStatus.COMPLETED
    assert len(case.status_history) == 2


def test_the_attention_flag_is_independent_of_the_status_and_recorded() -> None:
    closed = change_status(fresh(), CaseStatus.CLOSED_BY_USER, by=None, at=T0)
    flagged = set_attention(closed, True, by=OTHER, at=T0 + timedelta(seconds=5))
    assert (flagged.status, flagged.attention) == (CaseStatus.CLOSED_BY_USER, True)
    assert flagged.status_history[-1] == StatusChange(
        CaseStatus.CLOSED_BY_USER, True, OTHER, flagged.updated_at
    )
    assert set_attention(flagged, True, by=OTHER, at=T0) is flagged
    cleared = set_attention(flagged, False, by=OPERATOR, at=T0 + timedelta(seconds=9))
    assert not cleared.attention
    assert cleared.version == flagged.version + 1


def test_given_a_type_change_then_the_name_stays_and_the_star_mark_is_set_for_good() -> None:
    case = fresh()
    changed = change_type(case, 5, by=OPERATOR, at=T0 + timedelta(minutes=2))
    assert (changed.type_id, changed.name, changed.type_changed) == (5, case.name, True)
    assert changed.key == case.key
    assert changed.type_history == (TypeChange(3, 5, OPERATOR, T0 + timedelta(minutes=2)),)
    back = change_type(changed, 3, by=OPERATOR, at=T0 + timedelta(minutes=3))
    assert back.type_changed
    assert change_type(back, 3, by=OPERATOR, at=T0) is back


def test_unchanged_details_and_a_linked_call_twice_do_not_bump_the_version() -> None:
    case = fresh()
    assert update_details(case, CaseDetails(), at=T0) is case
    assert link_call(case, "call-1", at=T0) is case
    edited = update_details(case, CaseDetails(description="Вопрос о прививке"), at=T0)
    assert edited.version == 2
    assert link_call(edited, "call-2", at=T0).call_ids == ("call-1", "call-2")


def test_case_details_are_validated_with_a_size_limit_on_the_description() -> None:
    problems = validate_case_details({"description": "ы" * 1_048_576, "operator_comment": "ок"})
    assert [(p.path, p.code) for p in problems] == [("description", "too_long")]
    assert "10000" in problems[0].message


def test_location_coordinates_come_in_a_valid_pair() -> None:
    assert (
        read_case_details({"latitude": 56.86, "longitude": 35.9, "location_text": "Тверь"}).latitude == 56.86
    )
    assert [(p.path, p.code) for p in validate_case_details({"latitude": 56.86})] == [
        ("longitude", "required")
    ]
    bad = {"latitude": 91, "longitude": "35.9", "colour": "yellow"}
    with pytest.raises(InvalidFields) as error:
        read_case_details(bad)
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("colour", "unknown_field"),
        ("latitude", "out_of_range"),
        ("longitude", "not_a_number"),
    ]
