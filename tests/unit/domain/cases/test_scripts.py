"""Scripts are checked when an administrator saves them; each save is a new version."""

from __future__ import annotations

from dataclasses import replace

from c122.domain.cases import (
    APPLICANT_FIELDS,
    BINDABLE_FIELDS,
    CASE_FIELDS,
    AnswerKind,
    Branch,
    Question,
    Script,
    validate_script,
)


def problems_of(script: Script) -> dict[str, str]:
    return {p.path: p.code for p in validate_script(script)}


def with_question(script: Script, index: int, **changes: object) -> Script:
    questions = list(script.questions)
    questions[index] = replace(questions[index], **changes)  # type: ignore[arg-type]
    return replace(script, questions=tuple(questions))


def test_a_well_formed_script_has_no_problems(vaccination: Script) -> None:
    assert validate_script(vaccination) == []


def test_a_branch_to_an_unknown_question_is_reported_at_its_target(vaccination: Script) -> None:
    script = with_question(vaccination, 3, branches=(Branch("для ребёнка", "kid_age"),))
    problems = validate_script(script)
    assert [(p.path, p.code) for p in problems] == [("questions.3.branches.0.goto", "unknown_question")]
    assert "kid_age" in problems[0].message


def test_a_branch_back_or_to_itself_is_refused_so_every_path_ends(vaccination: Script) -> None:
    assert problems_of(
        with_question(vaccination, 4, branches=(Branch("yes", "surname"), Branch("no", "chronic")))
    ) == {
        "questions.4.branches.0.goto": "not_forward",
        "questions.4.branches.1.goto": "not_forward",
    }


def test_a_choice_question_without_choices_is_refused(vaccination: Script) -> None:
    assert problems_of(with_question(vaccination, 3, choices=(), branches=())) == {
        "questions.3.choices": "required"
    }


def test_choices_must_be_distinct_and_not_empty_and_only_on_choice_questions(vaccination: Script) -> None:
    assert problems_of(
        with_question(vaccination, 3, choices=("для себя", " ", "для себя", "для ребёнка"))
    ) == {
        "questions.3.choices.1": "required",
        "questions.3.choices.2": "duplicate",
    }
    assert problems_of(with_question(vaccination, 0, choices=("да",))) == {
        "questions.0.choices": "not_a_choice"
    }


def test_a_binding_to_a_field_that_does_not_exist_is_refused(vaccination: Script) -> None:
    problems = validate_script(with_question(vaccination, 0, binding="applicant.passport"))
    assert [(p.path, p.code) for p in problems] == [("questions.0.binding", "unknown_field")]
    assert "applicant.passport" in problems[0].message


def test_a_binding_needs_a_fitting_answer_kind(vaccination: Script) -> None:
    assert problems_of(with_question(vaccination, 1, kind=AnswerKind.TEXT)) == {
        "questions.1.binding": "kind_mismatch"
    }
    assert problems_of(with_question(vaccination, 2, kind=AnswerKind.NUMBER)) == {
        "questions.2.binding": "kind_mismatch"
    }


def test_branches_name_an_existing_answer_once_and_only_after_choice_or_yes_no(vaccination: Script) -> None:
    assert problems_of(
        with_question(
            vaccination, 4, branches=(Branch("да", "phone"), Branch("no", "phone"), Branch("no", "where"))
        )
    ) == {
        "questions.4.branches.0.when": "unknown_answer",
        "questions.4.branches.2.when": "duplicate",
    }
    assert problems_of(with_question(vaccination, 0, branches=(Branch("Иванов", "phone"),))) == {
        "questions.0.branches": "no_branching"
    }


def test_question_ids_are_unique_codes_and_texts_are_required(vaccination: Script) -> None:
    assert problems_of(with_question(vaccination, 1, id="surname", text=" ")) == {
        "questions.1.id": "duplicate",
        "questions.1.text": "required",
    }
    assert problems_of(with_question(vaccination, 0, id="фамилия")) == {"questions.0.id": "invalid_id"}


def test_a_script_needs_a_title_and_questions(vaccination: Script) -> None:
    assert problems_of(replace(vaccination, title="", questions=())) == {
        "title": "required",
        "questions": "required",
    }
    too_many = tuple(Question(f"q{i}", "Вопрос?", AnswerKind.TEXT) for i in range(201))
    assert problems_of(replace(vaccination, questions=too_many)) == {"questions": "too_many"}


def test_an_edit_is_saved_as_the_next_version(vaccination: Script) -> None:
    edited = vaccination.revised(title="Вакцинация", questions=vaccination.questions[:2])
    assert (edited.id, edited.version, edited.title, len(edited.questions)) == (4, 4, "Вакцинация", 2)
    assert vaccination.version == 3


def test_every_bindable_field_exists_on_the_applicant_or_the_case(vaccination: Script) -> None:
    for binding in BINDABLE_FIELDS:
        target, field = binding.split(".")
        assert field in (APPLICANT_FIELDS if target == "applicant" else CASE_FIELDS)
