"""Answers are checked against their questions, steer the next question, and fill bound fields at once
or not at all."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from c122.domain.cases import (
    AnswerKind,
    AnswerSheet,
    ApplicantData,
    CaseDetails,
    InvalidAnswer,
    Question,
    Script,
    apply_answers,
    first_question,
    next_question,
    read_answer,
    read_answers,
)
from c122.domain.errors import InvalidFields

TODAY = date(2024, 9, 12)
KNOWN = ApplicantData(phones=("+79161234567",), health_info="Аллергия на пенициллин")


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (AnswerKind.TEXT, "  Иванов ", "Иванов"),
        (AnswerKind.DATE, "05.03.1958", date(1958, 3, 5)),
        (AnswerKind.DATE, "1958-03-05", date(1958, 3, 5)),
        (AnswerKind.NUMBER, "3,5", Decimal("3.5")),
        (AnswerKind.NUMBER, 7, Decimal(7)),
        (AnswerKind.YES_NO, "Да", True),
        (AnswerKind.YES_NO, False, False),
        (AnswerKind.YES_NO, "no", False),
    ],
)
def test_answers_are_typed_by_their_question_kind(kind: AnswerKind, raw: object, expected: object) -> None:
    assert read_answer(Question("q", "?", kind), raw) == expected


@pytest.mark.parametrize(
    ("question", "raw", "reason"),
    [
        (Question("q", "?", AnswerKind.TEXT), "  ", "не указан"),
        (Question("q", "?", AnswerKind.TEXT), "ы" * 2001, "2000"),
        (Question("q", "?", AnswerKind.CHOICE, choices=("а", "б")), "в", "вариантов"),
        (Question("q", "?", AnswerKind.DATE), "вчера", "ДД.ММ.ГГГГ"),
        (Question("q", "?", AnswerKind.NUMBER), "пять", "число"),
        (Question("q", "?", AnswerKind.NUMBER), "NaN", "число"),
        (Question("q", "?", AnswerKind.NUMBER), "9" * 100_000, "длинное"),
        (Question("q", "?", AnswerKind.NUMBER), True, "число"),
        (Question("q", "?", AnswerKind.YES_NO), "может быть", "да"),
    ],
)
def test_an_answer_that_does_not_fit_its_question_is_refused(
    question: Question, raw: object, reason: str
) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        read_answer(question, raw)


def test_a_sheet_records_the_script_version_and_reports_every_bad_answer(vaccination: Script) -> None:
    sheet = read_answers(vaccination, {"surname": "Иванов", "chronic": "нет"})
    assert sheet == AnswerSheet(4, 3, {"surname": "Иванов", "chronic": False})
    with pytest.raises(InvalidFields) as error:
        read_answers(vaccination, {"surname": "Иванов", "born": "завтра", "mood": "хорошее"})
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("answers.born", "invalid_answer"),
        ("answers.mood", "unknown_question"),
    ]


def test_next_follows_branches_by_answer_and_otherwise_the_order(vaccination: Script) -> None:
    def after(question_id: str, answer: object) -> str | None:
        following = next_question(vaccination, question_id, answer)  # type: ignore[arg-type]
        return following.id if following else None

    assert first_question(vaccination) == vaccination.questions[0]
    assert after("surname", "Иванов") == "born"
    assert after("for_whom", "для ребёнка") == "child_age"
    assert after("for_whom", "для себя") == "chronic"
    assert after("chronic", False) == "phone"
    assert after("chronic", True) == "which"
    assert after("chronic", None) == "which"
    assert after("where", "у дома") is None


def test_bound_answers_fill_the_applicant_and_the_case(vaccination: Script) -> None:
    sheet = read_answers(
        vaccination,
        {
            "surname": "Петрова",
            "born": "12.09.1950",
            "snils": "112-233-445 95",
            "which": "Астма",
            "phone": "8 903 123-45-67",
            "where": "Поликлиника №3",
            "child_age": 5,
        },
    )
    result = apply_answers(vaccination, sheet, KNOWN, CaseDetails(description="Запись"), today=TODAY)
    assert result.applicant == ApplicantData(
        last_name="Петрова",
        birth_date=date(1950, 9, 12),
        snils="11223344595",
        phones=("+79161234567", "+79031234567"),
        health_info="Астма",
    )
    assert result.details == CaseDetails(description="Запись", address="Поликлиника №3")


def test_a_phone_answer_that_is_already_known_adds_nothing(vaccination: Script) -> None:
    sheet = read_answers(vaccination, {"phone": "+7 (916) 123-45-67"})
    assert apply_answers(vaccination, sheet, KNOWN, CaseDetails(), today=TODAY).applicant == KNOWN


def test_given_a_wrong_snils_and_a_future_birth_date_as_answers_then_nothing_is_applied(
    vaccination: Script,
) -> None:
    sheet = read_answers(vaccination, {"surname": "Петрова", "born": "2030-01-01", "snils": "11223344596"})
    with pytest.raises(InvalidFields) as error:
        apply_answers(vaccination, sheet, KNOWN, CaseDetails(), today=TODAY)
    assert [(p.path, p.code) for p in error.value.problems] == [
        ("answers.born", "future_date"),
        ("answers.snils", "invalid_snils"),
    ]


def test_given_an_answer_bound_to_a_field_that_no_longer_exists_then_it_is_reported_and_nothing_applied(
    vaccination: Script,
) -> None:
    # An answer sheet given against a stored version whose binding names a field the card has since lost.
    old = replace(
        vaccination,
        questions=(
            *vaccination.questions,
            Question("fax", "Номер факса?", AnswerKind.TEXT, binding="applicant.fax"),
        ),
    )
    sheet = read_answers(old, {"surname": "Петрова", "fax": "+74951234567"})
    with pytest.raises(InvalidFields) as error:
        apply_answers(old, sheet, KNOWN, CaseDetails(), today=TODAY)
    assert [(p.path, p.code) for p in error.value.problems] == [("answers.fax", "unknown_field")]
    assert "applicant.fax" in error.value.problems[0].message


def test_a_problem_in_stored_data_keeps_the_field_path(vaccination: Script) -> None:
    stored = ApplicantData(oms="12")
    sheet = read_answers(vaccination, {"surname": "Петрова"})
    with pytest.raises(InvalidFields) as error:
        apply_answers(vaccination, sheet, stored, CaseDetails(), today=TODAY)
    assert [p.path for p in error.value.problems] == ["applicant.oms"]
