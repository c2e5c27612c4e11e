"""Which applicant and case fields a questionnaire answer may fill, and with which answer kinds."""

from __future__ import annotations

from typing import Final

from c122.domain.cases.kinds import AnswerKind

_TEXT: Final = frozenset({AnswerKind.TEXT, AnswerKind.CHOICE})
_DATE: Final = frozenset({AnswerKind.DATE})
_PLAIN_TEXT: Final = frozenset({AnswerKind.TEXT})

BINDABLE_FIELDS: Final[dict[str, frozenset[AnswerKind]]] = {
    "applicant.last_name": _TEXT,
    "applicant.first_name": _TEXT,
    "applicant.patronymic": _TEXT,
    "applicant.birth_date": _DATE,
    # A phone answer adds the number to the applicant's phones rather than replacing them.
    "applicant.phones": _PLAIN_TEXT,
    # Identifiers keep leading zeros, so they are typed as text, never as numbers.
    "applicant.oms": _PLAIN_TEXT,
    "applicant.snils": _PLAIN_TEXT,
    "applicant.health_info": _TEXT,
    "applicant.home_address": _TEXT,
    "case.description": _TEXT,
    "case.operator_comment": _TEXT,
    "case.address": _TEXT,
    "case.location_text": _TEXT,
}
"""Binding → the answer kinds it accepts."""
