"""Phone numbers are normalised to E.164 with the Russian conventions (architecture §4)."""

from __future__ import annotations

import pytest

from c122.domain.phones import InvalidPhone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("89161234567", "+79161234567"),
        ("79161234567", "+79161234567"),
        ("+7 (916) 123-45-67", "+79161234567"),
        ("9161234567", "+79161234567"),
        ("8 800 122-01-22", "+78001220122"),
        ("+375291234567", "+375291234567"),
    ],
)
def test_accepted_forms_become_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12-AB", "+7916123456", "+0123456789", "122", "+7916１２３4567", "++79161234567"]
)
def test_garbage_is_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidPhone) as error:
        normalize_phone(raw)
    assert str(error.value)
