"""Personal identifiers kept on an applicant: SNILS (with its official check number) and the OMS policy."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-]")

SNILS_LENGTH = 11
OMS_LENGTH = 16
# Numbers up to 001-001-998 were issued before the check number existed; they carry no valid one.
_SNILS_UNCHECKED_UP_TO = 1_001_998


class InvalidIdentifier(ValueError):
    """The reason is a Russian sentence fragment the desktop shows next to the field."""


def _digits(raw: str, length: int, label: str) -> str:
    text = _SEPARATORS.sub("", raw)
    if not text:
        raise InvalidIdentifier(f"{label} не указан")
    if not (text.isascii() and text.isdigit()):
        raise InvalidIdentifier(f"{label} может содержать только цифры")
    if len(text) != length:
        raise InvalidIdentifier(f"{label} должен содержать {length} цифр, указано {len(text)}")
    return text


def snils_check_number(first_nine: str) -> int:
    """The check number of a SNILS from its first nine digits, weighted 9..1 (Pension Fund rule)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(9, 0, -1), strict=True))
    if total > 101:
        total %= 101
    return 0 if total in (100, 101) else total


def normalize_snils(raw: str) -> str:
    """The 11 digits of a SNILS written with or without `-` and spaces; raises InvalidIdentifier."""
    digits = _digits(raw, SNILS_LENGTH, "СНИЛС")
    if int(digits[:9]) > _SNILS_UNCHECKED_UP_TO and snils_check_number(digits[:9]) != int(digits[9:]):
        raise InvalidIdentifier("СНИЛС введён с ошибкой: не сходится контрольное число")
    return digits


def format_snils(digits: str) -> str:
    """The printed form `112-233-445 95` of 11 stored digits."""
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def normalize_oms(raw: str) -> str:
    """Returns the 16 digits of a unified OMS policy number, or raises InvalidIdentifier.

    Length and digits only: see docs/contact-center/cases.md for why no check digit is verified.
    """
    return _digits(raw, OMS_LENGTH, "Полис ОМС")
