"""Two operators editing one card never silently overwrite each other."""

from __future__ import annotations

import pytest

from c122.domain.cases import EditVerdict, FieldClash, check_edit
from c122.domain.errors import InvalidFields

SEEN = {"description": "Вопрос о прививке", "address": "", "applicant.snils": ""}


def test_given_the_current_version_then_the_edit_is_clean() -> None:
    check = check_edit(
        stored_version=4, stored=SEEN, base_version=4, base={}, changes={"address": "Тверь, ул. Советская, 1"}
    )
    assert (check.verdict, check.clashes, check.conflict) == (EditVerdict.CLEAN, (), False)
    assert check.merged == {**SEEN, "address": "Тверь, ул. Советская, 1"}


def test_given_someone_else_changed_other_fields_then_the_edits_merge() -> None:
    stored = {**SEEN, "applicant.snils": "11223344595"}
    check = check_edit(
        stored_version=5,
        stored=stored,
        base_version=4,
        base={"address": ""},
        changes={"address": "Тверь"},
    )
    assert check.verdict is EditVerdict.MERGED
    assert check.merged == {**stored, "address": "Тверь"}


def test_given_both_changed_the_same_field_differently_then_it_is_a_conflict_naming_the_field() -> None:
    stored = {**SEEN, "description": "Вопрос о прививке; перезвонить", "address": "Тверь"}
    check = check_edit(
        stored_version=6,
        stored=stored,
        base_version=4,
        base={"description": "Вопрос о прививке", "address": ""},
        changes={"description": "Записан на 14:00", "address": "Тверь"},
    )
    assert check.conflict
    assert check.clashes == (
        FieldClash("description", "Вопрос о прививке", "Вопрос о прививке; перезвонить", "Записан на 14:00"),
    )
    # Nothing of the clashing field is taken; the agreeing one is.
    assert check.merged == stored


def test_given_a_stale_edit_without_the_values_it_started_from_then_changed_fields_clash() -> None:
    stored = {**SEEN, "address": "Тверь"}
    check = check_edit(
        stored_version=5, stored=stored, base_version=4, base={}, changes={"address": "Торжок"}
    )
    assert check.clashes == (FieldClash("address", None, "Тверь", "Торжок"),)


@pytest.mark.parametrize(
    ("base_version", "changes", "path"),
    [(7, {"address": "x"}, "version"), (0, {"address": "x"}, "version"), (4, {"colour": "жёлтый"}, "colour")],
)
def test_an_unknown_version_or_field_is_refused(
    base_version: int, changes: dict[str, object], path: str
) -> None:
    with pytest.raises(InvalidFields) as error:
        check_edit(stored_version=5, stored=SEEN, base_version=base_version, base={}, changes=changes)
    assert [p.path for p in error.value.problems] == [path]
