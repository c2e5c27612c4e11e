"""Questionnaire answers: checked against their questions, the next question by branching, and bound
answers applied to the applicant and the case all at once or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from c122.domain.cases import limits
from c122.domain.cases.applicant import ApplicantData, read_applicant, validate_applicant
from c122.domain.cases.bindings import BINDABLE_FIELDS
from c122.domain.cases.details import CaseDetails, read_case_details, validate_case_details
from c122.domain.cases.kinds import AnswerKind
from c122.domain.cases.reading import parse_date
from c122.domain.cases.script import NO, YES, Question, Script
from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.phones import InvalidPhone, normalize_phone

AnswerValue: TypeAlias = str | date | Decimal | bool

_YES_WORDS = frozenset({YES, "да"})
_NO_WORDS = frozenset({NO, "нет"})
_NUMBER_CHARS = 30


class InvalidAnswer(ValueError):
    """The reason is shown next to the question."""


@dataclass(frozen=True)
class AnswerSheet:
    """Answers stored with a case, with the script version they were given against."""

    script_id: int
    script_version: int
    answers: Mapping[str, AnswerValue]


def read_answer(question: Question, raw: object) -> AnswerValue:
    """The typed answer to one question, or InvalidAnswer with a Russian reason."""
    if question.kind is AnswerKind.YES_NO:
        return _yes_no(raw)
    if question.kind is AnswerKind.NUMBER:
        return _number(raw)
    if question.kind is AnswerKind.DATE:
        day = parse_date(raw)
        if day is None:
            raise InvalidAnswer("укажите дату в формате ДД.ММ.ГГГГ")
        return day
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidAnswer("ответ не указан")
    text = raw.strip()
    if question.kind is AnswerKind.CHOICE and text not in question.choices:
        raise InvalidAnswer("выберите один из вариантов ответа")
    if len(text) > limits.ANSWER_TEXT:
        raise InvalidAnswer(f"ответ не длиннее {limits.ANSWER_TEXT} символов")
    return text


def _yes_no(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    word = raw.strip().lower() if isinstance(raw, str) else None
    if word in _YES_WORDS:
        return True
    if word in _NO_WORDS:
        return False
    raise InvalidAnswer("ответьте «да» или «нет»")


def _number(raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidAnswer("ожидается число")
    text = str(raw).strip().replace(",", ".").replace(" ", "")
    if len(text) > _NUMBER_CHARS:
        raise InvalidAnswer("слишком длинное число")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidAnswer("ожидается число") from None
    if not value.is_finite():
        raise InvalidAnswer("ожидается число")
    return value


def read_answers(script: Script, raw: Mapping[str, object]) -> AnswerSheet:
    """All answers of a sheet, or InvalidFields with a problem at `answers.<question id>` for each bad one."""
    if script.id is None:
        raise ValueError("answers are given against a stored script")
    known = {question.id: question for question in script.questions}
    answers: dict[str, AnswerValue] = {}
    problems: list[FieldProblem] = []
    for question_id, value in raw.items():
        question = known.get(question_id)
        if question is None:
            problems.append(
                FieldProblem(f"answers.{question_id}", "unknown_question", "в скрипте нет такого вопроса")
            )
            continue
        try:
            answers[question_id] = read_answer(question, value)
        except InvalidAnswer as error:
            problems.append(FieldProblem(f"answers.{question_id}", "invalid_answer", str(error)))
    if problems:
        raise InvalidFields(problems)
    return AnswerSheet(script_id=script.id, script_version=script.version, answers=answers)


def first_question(script: Script) -> Question | None:
    return script.questions[0] if script.questions else None


def next_question(script: Script, question_id: str, answer: AnswerValue | None) -> Question | None:
    """Where "next" leads: the branch for this answer, else the following question; None after the last."""
    question = script.question(question_id)
    if answer is not None:
        key = (YES if answer else NO) if isinstance(answer, bool) else str(answer)
        for branch in question.branches:
            if branch.when == key:
                return script.question(branch.goto)
    position = script.questions.index(question)
    return script.questions[position + 1] if position + 1 < len(script.questions) else None


@dataclass(frozen=True)
class BoundResult:
    applicant: ApplicantData
    details: CaseDetails


def apply_answers(
    script: Script,
    sheet: AnswerSheet,
    applicant: ApplicantData,
    details: CaseDetails,
    *,
    today: date,
) -> BoundResult:
    """The applicant and case details after the bound answers, validated as a whole.

    A problem (a binding to a field that no longer exists, a wrong SNILS typed as an answer...) is
    reported at `answers.<question id>` and nothing is applied. Two answers bound to one field: the one
    later in the script wins; a phone answer adds a number.
    """
    applicant_values = applicant.to_values()
    case_values = details.to_values()
    owners: dict[str, str] = {}
    added_phones: list[str] = []
    problems: list[FieldProblem] = []
    for question in script.questions:
        if question.binding is None or question.id not in sheet.answers:
            continue
        problem = _binding_problem(question)
        if problem is not None:
            problems.append(problem)
            continue
        target, field = question.binding.split(".", 1)
        value = _as_field_value(sheet.answers[question.id])
        owners[question.binding] = question.id
        if target == "case":
            case_values[field] = value
        elif field == "phones":
            if not _known_phone(value, [*applicant.phones, *added_phones]):
                added_phones.append(value)
        else:
            applicant_values[field] = value
    applicant_values["phones"] = [*applicant.phones, *added_phones]
    problems.extend(_owned(validate_applicant(applicant_values, today=today), "applicant", owners))
    problems.extend(_owned(validate_case_details(case_values), "case", owners))
    if problems:
        raise InvalidFields(problems)
    return BoundResult(read_applicant(applicant_values, today=today), read_case_details(case_values))


def _binding_problem(question: Question) -> FieldProblem | None:
    # Scripts were checked when saved, but the set of fields may have shrunk since that version.
    kinds = BINDABLE_FIELDS.get(question.binding or "")
    path = f"answers.{question.id}"
    if kinds is None:
        return FieldProblem(path, "unknown_field", f"поля «{question.binding}» больше нет в карточке")
    if question.kind not in kinds:
        return FieldProblem(path, "kind_mismatch", "тип ответа не подходит для связанного поля")
    return None


def _known_phone(raw: str, phones: list[str]) -> bool:
    try:
        return normalize_phone(raw) in phones
    except InvalidPhone:
        return False  # left for validation to report at the answer


def _as_field_value(answer: AnswerValue) -> str:
    return answer.isoformat() if isinstance(answer, date) else str(answer)


def _owned(problems: list[FieldProblem], target: str, owners: Mapping[str, str]) -> list[FieldProblem]:
    """Moves each problem to the answer that filled the field; others keep the field's own path."""
    moved: list[FieldProblem] = []
    for problem in problems:
        field = problem.path.split(".", 1)[0]
        owner = owners.get(f"{target}.{field}")
        path = f"answers.{owner}" if owner else f"{target}.{problem.path}"
        moved.append(FieldProblem(path, problem.code, problem.message))
    return moved
