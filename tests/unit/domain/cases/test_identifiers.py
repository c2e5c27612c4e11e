"""SNILS carries the Pension Fund check number; the OMS policy is 16 digits."""

from __future__ import annotations

import pytest

from c122.domain.cases import (
    InvalidIdentifier,
    format_snils,
    normalize_oms,
    normalize_snils,
    snils_check_number,
)


def test_the_pension_fund_example_112_233_445_95_is_valid() -> None:
    # The worked example of the Pension Fund's rules: 1×9+1×8+2×7+2×6+3×5+3×4+4×3+4×2+5×1 = 95.
    assert snils_check_number("112233445") == 95
    assert normalize_snils("112-233-445 95") == "11223344595"


@pytest.mark.parametrize(
    ("first_nine", "weighted_sum", "check"),
    [
        ("142006408", 99, 99),  # below 100: the sum itself
        ("206130059", 100, 0),  # 100 and 101 give 00
        ("100356259", 101, 0),
        ("127101074", 102, 1),  # above 101: the remainder of division by 101
        ("544544369", 201, 0),  # a remainder of 100 gives 00 as well
        ("494988938", 303, 0),
    ],
)
def test_special_cases_of_the_check_number(first_nine: str, weighted_sum: int, check: int) -> None:
    assert sum(int(d) * w for d, w in zip(first_nine, range(9, 0, -1), strict=True)) == weighted_sum
    assert snils_check_number(first_nine) == check
    assert normalize_snils(f"{first_nine}{check:02d}") == f"{first_nine}{check:02d}"


@pytest.mark.parametrize("raw", ["112-233-445 96", "112-233-445 59", "121-233-445 95", "20613005901"])
def test_a_wrong_check_number_is_refused_in_russian(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="контрольное число"):
        normalize_snils(raw)


def test_numbers_up_to_001_001_998_are_not_checked_and_later_ones_are() -> None:
    assert normalize_snils("001-001-998 47") == "00100199847"
    assert normalize_snils("000-000-001 00") == "00000000100"
    with pytest.raises(InvalidIdentifier):
        normalize_snils("001-001-999 47")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "не указан"),
        ("112-233-445 9", "11 цифр"),
        ("112-233-445 955", "11 цифр"),
        ("112-2ЗЗ-445 95", "цифры"),
    ],
)
def test_snils_of_wrong_shape_is_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        normalize_snils(raw)


def test_snils_prints_in_the_official_layout() -> None:
    assert format_snils("11223344595") == "112-233-445 95"


def test_an_oms_policy_is_sixteen_digits_with_spaces_and_dashes_ignored() -> None:
    assert normalize_oms("1231 2312 3123 1231") == "1231231231231231"
    assert normalize_oms("7700-0000-0000-0017") == "7700000000000017"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("123123123123123", "16 цифр, указано 15"),
        ("12312312312312312", "16 цифр"),
        ("12312312312312AB", "цифры"),
    ],
)
def test_an_oms_policy_of_another_length_or_with_letters_is_refused(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier, match=reason):
        normalize_oms(raw)
