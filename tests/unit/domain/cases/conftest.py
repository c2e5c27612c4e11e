"""Shared builders for case rule tests: a questionnaire script with every answer kind, binding and branch."""

from __future__ import annotations

import pytest

from c122.domain.cases import AnswerKind, Branch, Question, Script

VACCINATION = Script(
    id=4,
    case_type_id=2,
    title="Запись на вакцинацию",
    version=3,
    questions=(
        Question("surname", "Ваша фамилия?", AnswerKind.TEXT, binding="applicant.last_name"),
        Question("born", "Дата рождения?", AnswerKind.DATE, binding="applicant.birth_date"),
        Question("snils", "Номер СНИЛС?", AnswerKind.TEXT, binding="applicant.snils"),
        Question(
            "for_whom",
            "Для кого запись?",
            AnswerKind.CHOICE,
            choices=("для себя", "для ребёнка"),
            branches=(Branch("для ребёнка", "child_age"),),
        ),
        Question(
            "chronic", "Есть хронические заболевания?", AnswerKind.YES_NO, branches=(Branch("no", "phone"),)
        ),
        Question("which", "Какие?", AnswerKind.TEXT, binding="applicant.health_info"),
        Question("child_age", "Возраст ребёнка, лет?", AnswerKind.NUMBER),
        Question("phone", "Номер для связи?", AnswerKind.TEXT, binding="applicant.phones"),
        Question("where", "Куда вам удобнее?", AnswerKind.TEXT, binding="case.address"),
    ),
)


@pytest.fixture
def vaccination() -> Script:
    return VACCINATION
