"""The editable case information panel (OPS-13): description, operator comment, case address and the
applicant's location at contact time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from c122.domain.cases import limits
from c122.domain.cases.reading import FieldReader
from c122.domain.errors import FieldProblem, InvalidFields


@dataclass(frozen=True)
class CaseDetails:
    description: str = ""
    operator_comment: str = ""
    address: str = ""
    location_text: str = ""
    """The applicant's location as text (as told, or reverse-geocoded by the mobile app)."""
    latitude: float | None = None
    longitude: float | None = None

    def to_values(self) -> dict[str, object]:
        return {
            "description": self.description,
            "operator_comment": self.operator_comment,
            "address": self.address,
            "location_text": self.location_text,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


CASE_FIELDS = frozenset(CaseDetails().to_values())


def read_case_details(values: Mapping[str, object]) -> CaseDetails:
    """Validates every field at once; raises InvalidFields listing them all."""
    reader = FieldReader(values)
    details = _read(reader)
    if reader.problems:
        raise InvalidFields(reader.problems)
    return details


def validate_case_details(values: Mapping[str, object]) -> list[FieldProblem]:
    reader = FieldReader(values)
    _read(reader)
    return reader.problems


def _read(reader: FieldReader) -> CaseDetails:
    reader.reject_unknown(CASE_FIELDS)
    before = len(reader.problems)
    latitude = _coordinate(reader, "latitude", 90.0)
    longitude = _coordinate(reader, "longitude", 180.0)
    if (latitude is None) != (longitude is None) and len(reader.problems) == before:
        missing = "latitude" if latitude is None else "longitude"
        reader.add(missing, "required", "координаты указываются парой: широта и долгота")
    return CaseDetails(
        description=reader.text("description", max_length=limits.DESCRIPTION),
        operator_comment=reader.text("operator_comment", max_length=limits.OPERATOR_COMMENT),
        address=reader.text("address", max_length=limits.ADDRESS),
        location_text=reader.text("location_text", max_length=limits.LOCATION_TEXT),
        latitude=latitude,
        longitude=longitude,
    )


def _coordinate(reader: FieldReader, key: str, bound: float) -> float | None:
    raw = reader.values.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        reader.add(key, "not_a_number", "ожидается число")
        return None
    value = float(raw)
    if not -bound <= value <= bound:
        reader.add(key, "out_of_range", f"значение от {-bound:g} до {bound:g}")
        return None
    return value
