"""The applicant (заявитель): who contacted the hotline, kept for their next contact (OPS-14)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from c122.domain.cases import limits
from c122.domain.cases.identifiers import InvalidIdentifier, normalize_oms, normalize_snils
from c122.domain.cases.reading import FieldReader, parse_date
from c122.domain.errors import FieldProblem, InvalidFields
from c122.domain.phones import InvalidPhone, normalize_phone

_NAME_MARKS = frozenset(" -'’.")


@dataclass(frozen=True)
class EmergencyContact:
    name: str
    relation: str
    phone: str
    """E.164."""


@dataclass(frozen=True)
class ApplicantData:
    """Validated applicant fields; persistence adds the id and the version."""

    last_name: str = ""
    first_name: str = ""
    patronymic: str = ""
    birth_date: date | None = None
    phones: tuple[str, ...] = ()
    """E.164, the first one is the main number shown in the card header."""
    oms: str = ""
    """16 digits or empty."""
    snils: str = ""
    """11 digits or empty."""
    health_info: str = ""
    home_address: str = ""
    emergency_contacts: tuple[EmergencyContact, ...] = ()

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.last_name, self.first_name, self.patronymic) if part)

    def to_values(self) -> dict[str, object]:
        """The JSON-like form `read_applicant` accepts, so stored data and edits merge field by field."""
        return {
            "last_name": self.last_name,
            "first_name": self.first_name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "phones": list(self.phones),
            "oms": self.oms,
            "snils": self.snils,
            "health_info": self.health_info,
            "home_address": self.home_address,
            "emergency_contacts": [
                {"name": c.name, "relation": c.relation, "phone": c.phone} for c in self.emergency_contacts
            ],
        }


APPLICANT_FIELDS = frozenset(ApplicantData().to_values())
_CONTACT_FIELDS = frozenset({"name", "relation", "phone"})


def read_applicant(values: Mapping[str, object], *, today: date) -> ApplicantData:
    """Validates every field at once; raises InvalidFields listing them all, so nothing is stored half-way."""
    reader = FieldReader(values)
    data = _read(reader, today)
    if reader.problems:
        raise InvalidFields(reader.problems)
    return data


def validate_applicant(values: Mapping[str, object], *, today: date) -> list[FieldProblem]:
    """The per-field problems of submitted applicant values; empty when they can be stored."""
    reader = FieldReader(values)
    _read(reader, today)
    return reader.problems


def _read(reader: FieldReader, today: date) -> ApplicantData:
    reader.reject_unknown(APPLICANT_FIELDS)
    return ApplicantData(
        last_name=_name_part(reader, "last_name"),
        first_name=_name_part(reader, "first_name"),
        patronymic=_name_part(reader, "patronymic"),
        birth_date=_birth_date(reader, today),
        phones=_phones(reader),
        oms=_identifier(reader, "oms", normalize_oms),
        snils=_identifier(reader, "snils", normalize_snils),
        health_info=reader.text("health_info", max_length=limits.HEALTH_INFO),
        home_address=reader.text("home_address", max_length=limits.ADDRESS),
        emergency_contacts=_emergency_contacts(reader),
    )


def _name_part(reader: FieldReader, key: str) -> str:
    text = reader.text(key, max_length=limits.NAME_PART)
    if any(not (ch.isalpha() or ch in _NAME_MARKS) for ch in text):
        reader.add(key, "invalid_name", "допустимы только буквы, пробел, дефис и апостроф")
        return ""
    return text


def _birth_date(reader: FieldReader, today: date) -> date | None:
    raw = reader.values.get("birth_date")
    if raw is None or raw == "":
        return None
    born = parse_date(raw)
    if born is None:
        reader.add("birth_date", "invalid_date", "укажите дату в формате ДД.ММ.ГГГГ")
    elif born > today:
        reader.add("birth_date", "future_date", "дата рождения не может быть в будущем")
    elif born < _years_before(today, limits.MAX_AGE_YEARS):
        reader.add(
            "birth_date",
            "too_old",
            f"дата рождения не может быть раньше чем {limits.MAX_AGE_YEARS} лет назад",
        )
    else:
        return born
    return None


def _years_before(day: date, years: int) -> date:
    # 29 February has no counterpart in most years; 28 February is the same age boundary.
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _phone(reader: FieldReader, key: str | int, raw: object) -> str | None:
    if not isinstance(raw, str):
        reader.add(key, "not_text", "ожидается номер телефона строкой")
        return None
    try:
        return normalize_phone(raw)
    except InvalidPhone as error:
        reader.add(key, "invalid_phone", str(error))
        return None


def _phones(reader: FieldReader) -> tuple[str, ...]:
    raw_items = reader.items("phones", max_items=limits.PHONES)
    phones = FieldReader({}, prefix="phones.", problems=reader.problems)
    seen: list[str] = []
    for index, raw in enumerate(raw_items):
        number = _phone(phones, index, raw)
        if number is None:
            continue
        if number in seen:
            phones.add(index, "duplicate", f"номер {number} уже указан")
            continue
        seen.append(number)
    return tuple(seen)


def _identifier(reader: FieldReader, key: str, normalize: Callable[[str], str]) -> str:
    raw = reader.values.get(key)
    if raw is None or raw == "":
        return ""
    if not isinstance(raw, str):
        reader.add(key, "not_text", "ожидается строка из цифр")
        return ""
    try:
        return normalize(raw)
    except InvalidIdentifier as error:
        reader.add(key, f"invalid_{key}", str(error))
        return ""


def _emergency_contacts(reader: FieldReader) -> tuple[EmergencyContact, ...]:
    contacts: list[EmergencyContact] = []
    for index, raw in enumerate(reader.items("emergency_contacts", max_items=limits.EMERGENCY_CONTACTS)):
        contact = reader.child(f"emergency_contacts.{index}", raw)
        if contact is None:
            continue
        contact.reject_unknown(_CONTACT_FIELDS)
        before = len(reader.problems)
        name = contact.text("name", max_length=limits.CONTACT_NAME, required=True)
        relation = contact.text("relation", max_length=limits.CONTACT_RELATION)
        phone = _phone(contact, "phone", contact.values.get("phone", ""))
        if phone is not None and len(reader.problems) == before:
            contacts.append(EmergencyContact(name=name, relation=relation, phone=phone))
    return tuple(contacts)
