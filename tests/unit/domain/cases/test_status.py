"""Case statuses, their Russian labels, which changes are allowed, and the list filter groups."""

from __future__ import annotations

import pytest

from c122.domain.cases import (
    ATTENTION_LABEL,
    TRANSITIONS,
    CaseStatus,
    IllegalStatusChange,
    StatusFilter,
    can_change_status,
    check_status_change,
)

S = CaseStatus


def test_statuses_carry_the_labels_the_operator_sees() -> None:
    assert [status.label for status in CaseStatus] == [
        "Новое обращение",
        "В работе",
        "Отклонено",
        "Завершено",
        "Закрыто пользователем",
        "Зарегистрировано",
    ]
    assert ATTENTION_LABEL == "Внимание!"
    assert "attention" not in {status.value for status in CaseStatus}


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.NEW, S.IN_WORK),
        (S.NEW, S.REJECTED),
        (S.NEW, S.CLOSED_BY_USER),
        (S.IN_WORK, S.COMPLETED),
        (S.IN_WORK, S.REGISTERED),
        (S.REGISTERED, S.IN_WORK),
        (S.REGISTERED, S.COMPLETED),
        (S.COMPLETED, S.IN_WORK),
        (S.REJECTED, S.IN_WORK),
        (S.CLOSED_BY_USER, S.IN_WORK),
    ],
)
def test_allowed_changes(current: CaseStatus, wanted: CaseStatus) -> None:
    assert can_change_status(current, wanted)
    check_status_change(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (S.IN_WORK, S.NEW),
        (S.COMPLETED, S.NEW),
        (S.COMPLETED, S.REJECTED),
        (S.CLOSED_BY_USER, S.COMPLETED),
        (S.REJECTED, S.REGISTERED),
        (S.IN_WORK, S.IN_WORK),
        (S.NEW, S.NEW),
    ],
)
def test_refused_changes_name_both_statuses_in_russian(current: CaseStatus, wanted: CaseStatus) -> None:
    assert not can_change_status(current, wanted)
    with pytest.raises(IllegalStatusChange) as error:
        check_status_change(current, wanted)
    assert error.value.code == "illegal_status_change"
    assert current.label in error.value.message
    assert wanted.label in error.value.message


def test_no_status_leads_back_to_new_and_finished_cases_only_reopen_into_work() -> None:
    assert all(S.NEW not in targets for targets in TRANSITIONS.values())
    for finished in (S.COMPLETED, S.REJECTED, S.CLOSED_BY_USER):
        assert TRANSITIONS[finished] == {S.IN_WORK}
    assert set(TRANSITIONS) == set(CaseStatus)


def test_list_filter_groups_follow_the_operator_manual() -> None:
    assert StatusFilter.ACTIVE.statuses == {S.NEW, S.IN_WORK}
    assert StatusFilter.INACTIVE.statuses == {S.COMPLETED, S.REJECTED, S.CLOSED_BY_USER}
    assert StatusFilter.ANY.statuses == set(CaseStatus)
    assert S.REGISTERED not in StatusFilter.ACTIVE.statuses | StatusFilter.INACTIVE.statuses
