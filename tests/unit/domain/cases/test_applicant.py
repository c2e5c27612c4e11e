"""Applicant data is validated field by field, with dot paths and Russian messages the desktop shows."""

from __future__ import annotations

from datetime import date

import pytest

from c122.domain.cases import ApplicantData, EmergencyContact, read_applicant, validate_applicant
from c122.domain.errors import InvalidFields

TODAY = date(2024, 9, 12)

FULL = {
    "last_name": " Иванова-Петрова ",
    "first_name": "Анна",
    "patronymic": "Сергеевна",
    "birth_date": "05.03.1958",
    "phones": ["8 (916) 123-45-67", "+375291234567"],
    "oms": "1231 2312 3123 1231",
    "snils": "112-233-445 95",
    "health_info": "Сахарный диабет 2 типа",
    "home_address": "г. Тверь, ул. Советская, д. 1",
    "emergency_contacts": [{"name": "Иванов Пётр", "relation": "сын", "phone": "89031234567"}],
}


def paths(values: dict[str, object]) -> dict[str, str]:
    return {p.path: p.code for p in validate_applicant(values, today=TODAY)}


def test_given_complete_valid_data_when_read_then_values_are_normalised() -> None:
    applicant = read_applicant(FULL, today=TODAY)
    assert applicant == ApplicantData(
        last_name="Иванова-Петрова",
        first_name="Анна",
        patronymic="Сергеевна",
        birth_date=date(1958, 3, 5),
        phones=("+79161234567", "+375291234567"),
        oms="1231231231231231",
        snils="11223344595",
        health_info="Сахарный диабет 2 типа",
        home_address="г. Тверь, ул. Советская, д. 1",
        emergency_contacts=(EmergencyContact("Иванов Пётр", "сын", "+79031234567"),),
    )
    assert applicant.full_name == "Иванова-Петрова Анна Сергеевна"


def test_stored_values_read_back_to_the_same_applicant() -> None:
    applicant = read_applicant(FULL, today=TODAY)
    assert read_applicant(applicant.to_values(), today=TODAY) == applicant


def test_an_applicant_known_only_by_the_calling_number_is_valid() -> None:
    assert read_applicant({"phones": ["+79161234567"]}, today=TODAY).phones == ("+79161234567",)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("snils", "112-233-445 96", "invalid_snils"),
        ("oms", "123123123123123", "invalid_oms"),
        ("birth_date", "2024-09-13", "future_date"),
        ("birth_date", "31.02.1990", "invalid_date"),
        ("birth_date", "1894-09-11", "too_old"),
        ("last_name", "Иванов2", "invalid_name"),
        ("first_name", "А" * 101, "too_long"),
        ("health_info", "х" * 1_000_000, "too_long"),
        ("home_address", 42, "not_text"),
        ("phones", "89161234567", "not_a_list"),
        ("emergency_contacts", ["Пётр"], "not_an_object"),
        ("nickname", "Аня", "unknown_field"),
    ],
)
def test_each_bad_field_is_reported_at_its_path_in_russian(field: str, value: object, code: str) -> None:
    problems = validate_applicant({**FULL, field: value}, today=TODAY)
    assert [(p.path, p.code) for p in problems] == [
        (field if code != "not_an_object" else f"{field}.0", code)
    ]
    assert any("а" <= ch <= "я" for ch in problems[0].message)


def test_born_today_and_exactly_the_oldest_age_are_accepted() -> None:
    assert paths({"birth_date": "2024-09-12"}) == {}
    assert paths({"birth_date": "1894-09-12"}) == {}


def test_the_age_limit_on_29_february_falls_back_to_28_february() -> None:
    leap_day = date(2024, 2, 29)
    assert validate_applicant({"birth_date": "1894-02-28"}, today=leap_day) == []
    assert [p.code for p in validate_applicant({"birth_date": "1894-02-27"}, today=leap_day)] == ["too_old"]


def test_given_the_same_number_twice_in_two_forms_then_the_second_is_a_duplicate() -> None:
    assert paths({"phones": ["89161234567", "+7 916 123-45-67", "+79031234567"]}) == {"phones.1": "duplicate"}


def test_a_garbage_phone_is_reported_at_its_index() -> None:
    problems = validate_applicant({"phones": ["+79161234567", "позвоните маме"]}, today=TODAY)
    assert [(p.path, p.code) for p in problems] == [("phones.1", "invalid_phone")]
    assert "цифры" in problems[0].message


def test_too_many_phones_are_refused() -> None:
    assert paths({"phones": [f"+7916123450{i}" for i in range(10)] + ["+79161234599"]}) == {
        "phones": "too_many"
    }


def test_an_emergency_contact_needs_a_name_and_a_valid_phone() -> None:
    contacts = [
        {"name": "Пётр", "relation": "сын", "phone": "89031234567"},
        {"name": " ", "relation": "дочь", "phone": "12-AB"},
        {"name": "Ольга", "relation": "соседка"},
        {"name": "Кто-то", "phone": "89031234568", "email": "x@example.org"},
    ]
    assert paths({"emergency_contacts": contacts}) == {
        "emergency_contacts.1.name": "required",
        "emergency_contacts.1.phone": "invalid_phone",
        "emergency_contacts.2.phone": "invalid_phone",
        "emergency_contacts.3.email": "unknown_field",
    }


def test_given_several_bad_fields_when_read_then_every_problem_is_raised_together() -> None:
    bad = {**FULL, "snils": "11223344596", "oms": "1", "birth_date": "2030-01-01", "phones": ["x"]}
    with pytest.raises(InvalidFields) as error:
        read_applicant(bad, today=TODAY)
    assert [p.path for p in error.value.problems] == ["birth_date", "phones.0", "oms", "snils"]
    assert error.value.code == "validation_error"
