"""Telephone numbers in E.164, with the Russian conventions: 8 and 7 followed by ten digits mean +7."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s()\-.]")


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """Returns the number as E.164 (`+79161234567`), or raises InvalidPhone with the reason."""
    text = _SEPARATORS.sub("", raw.strip())
    if not text:
        raise InvalidPhone("номер не указан")
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isdigit() or not digits.isascii():
        raise InvalidPhone("номер может содержать только цифры и ведущий +")
    if not plus and len(digits) == 11 and digits[0] in "78":
        return "+7" + digits[1:]
    if not plus and len(digits) == 10 and digits[0] == "9":
        return "+7" + digits
    if not plus:
        raise InvalidPhone("укажите номер в формате +79161234567 или 89161234567")
    if not 8 <= len(digits) <= 15 or digits[0] == "0":
        raise InvalidPhone("номер E.164: от 8 до 15 цифр после +")
    if digits[0] == "7" and len(digits) != 11:
        raise InvalidPhone("российский номер: +7 и 10 цифр")
    return "+" + digits
