"""Questionnaire scripts (OPS-15): ordered questions per case type, answer kinds, bindings and branching.

A script is immutable once saved: an edit stores the next version, and answers record the version they
were given against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from c122.domain.cases import limits
from c122.domain.cases.bindings import BINDABLE_FIELDS
from c122.domain.cases.kinds import AnswerKind
from c122.domain.errors import FieldProblem

QUESTION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


YES = "yes"
NO = "no"
BRANCHING_KINDS = frozenset({AnswerKind.CHOICE, AnswerKind.YES_NO})


@dataclass(frozen=True)
class Branch:
    """After answer `when` (a choice, or `yes` / `no`) go to question `goto` instead of the next one."""

    when: str
    goto: str


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: AnswerKind
    choices: tuple[str, ...] = ()
    binding: str | None = None
    """`applicant.<field>` or `case.<field>` the answer fills; see BINDABLE_FIELDS."""
    branches: tuple[Branch, ...] = ()


@dataclass(frozen=True)
class Script:
    id: int | None
    case_type_id: int
    title: str
    version: int
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        """Raises KeyError for an id the script does not have."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def revised(self, *, title: str, questions: tuple[Question, ...]) -> Script:
        """The next version; the stored earlier versions stay readable for answers given against them."""
        return replace(self, title=title, questions=questions, version=self.version + 1)


def validate_script(script: Script) -> list[FieldProblem]:
    """Per-field problems of a script being saved; empty when it can be stored."""
    problems: list[FieldProblem] = []
    title = script.title.strip()
    if not title:
        problems.append(FieldProblem("title", "required", "укажите название скрипта"))
    elif len(title) > limits.SCRIPT_TITLE:
        problems.append(FieldProblem("title", "too_long", f"не длиннее {limits.SCRIPT_TITLE} символов"))
    if not script.questions:
        problems.append(FieldProblem("questions", "required", "в скрипте нет ни одного вопроса"))
    elif len(script.questions) > limits.SCRIPT_QUESTIONS:
        problems.append(
            FieldProblem("questions", "too_many", f"не более {limits.SCRIPT_QUESTIONS} вопросов в скрипте")
        )
    positions: dict[str, int] = {}
    for index, question in enumerate(script.questions):
        path = f"questions.{index}"
        if not QUESTION_ID.match(question.id):
            problems.append(FieldProblem(f"{path}.id", "invalid_id", "код вопроса: латиница, цифры, _ и -"))
        elif question.id in positions:
            problems.append(FieldProblem(f"{path}.id", "duplicate", f"код «{question.id}» уже занят"))
        else:
            positions[question.id] = index
    for index, question in enumerate(script.questions):
        problems.extend(_question_problems(question, f"questions.{index}", index, positions))
    return problems


def _question_problems(
    question: Question, path: str, index: int, positions: dict[str, int]
) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    text = question.text.strip()
    if not text:
        problems.append(FieldProblem(f"{path}.text", "required", "укажите текст вопроса"))
    elif len(text) > limits.QUESTION_TEXT:
        problems.append(
            FieldProblem(f"{path}.text", "too_long", f"не длиннее {limits.QUESTION_TEXT} символов")
        )
    problems.extend(_choice_problems(question, path))
    if question.binding is not None:
        kinds = BINDABLE_FIELDS.get(question.binding)
        if kinds is None:
            problems.append(
                FieldProblem(f"{path}.binding", "unknown_field", f"нет поля «{question.binding}»")
            )
        elif question.kind not in kinds:
            problems.append(
                FieldProblem(f"{path}.binding", "kind_mismatch", "тип ответа не подходит для этого поля")
            )
    problems.extend(_branch_problems(question, path, index, positions))
    return problems


def _choice_problems(question: Question, path: str) -> list[FieldProblem]:
    if question.kind is not AnswerKind.CHOICE:
        if question.choices:
            return [
                FieldProblem(f"{path}.choices", "not_a_choice", "варианты ответа только у вопроса с выбором")
            ]
        return []
    if not question.choices:
        return [FieldProblem(f"{path}.choices", "required", "у вопроса с выбором нет вариантов ответа")]
    if len(question.choices) > limits.CHOICES:
        return [FieldProblem(f"{path}.choices", "too_many", f"не более {limits.CHOICES} вариантов")]
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for number, choice in enumerate(question.choices):
        if not choice.strip():
            problems.append(FieldProblem(f"{path}.choices.{number}", "required", "пустой вариант ответа"))
        elif len(choice) > limits.CHOICE_TEXT:
            problems.append(
                FieldProblem(
                    f"{path}.choices.{number}", "too_long", f"не длиннее {limits.CHOICE_TEXT} символов"
                )
            )
        elif choice in seen:
            problems.append(FieldProblem(f"{path}.choices.{number}", "duplicate", "такой вариант уже есть"))
        seen.add(choice)
    return problems


def branch_answers(question: Question) -> frozenset[str]:
    """The answers a branch of this question may name."""
    if question.kind is AnswerKind.YES_NO:
        return frozenset({YES, NO})
    return frozenset(question.choices) if question.kind is AnswerKind.CHOICE else frozenset()


def _branch_problems(
    question: Question, path: str, index: int, positions: dict[str, int]
) -> list[FieldProblem]:
    if question.branches and question.kind not in BRANCHING_KINDS:
        return [
            FieldProblem(
                f"{path}.branches", "no_branching", "переходы возможны только после выбора или да/нет"
            )
        ]
    problems: list[FieldProblem] = []
    answers = branch_answers(question)
    seen: set[str] = set()
    for number, branch in enumerate(question.branches):
        branch_path = f"{path}.branches.{number}"
        if branch.when not in answers:
            problems.append(
                FieldProblem(f"{branch_path}.when", "unknown_answer", "нет такого варианта ответа")
            )
        elif branch.when in seen:
            problems.append(
                FieldProblem(f"{branch_path}.when", "duplicate", "переход для этого ответа уже задан")
            )
        seen.add(branch.when)
        target = positions.get(branch.goto)
        if target is None:
            problems.append(
                FieldProblem(f"{branch_path}.goto", "unknown_question", f"нет вопроса «{branch.goto}»")
            )
        elif target <= index:
            # Forward-only branches keep every path through the script finite; going back is the operator's.
            problems.append(
                FieldProblem(
                    f"{branch_path}.goto", "not_forward", "переход возможен только к следующим вопросам"
                )
            )
    return problems
