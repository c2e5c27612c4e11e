"""Case names `<Mon><DD>_<Type>_<NNN>`: the hotline zone decides the day; numbers restart per day, type."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from c122.domain.cases import (
    MONTHS_RU,
    CaseName,
    SequenceKey,
    case_day,
    format_case_name,
    parse_case_name,
    sequence_key,
)

MOSCOW = ZoneInfo("Europe/Moscow")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")


def test_the_manual_example_is_reproduced() -> None:
    assert (
        format_case_name(date(2024, 9, 12), "Справочная информация", 2) == "Сен12_Справочная информация_002"
    )


def test_every_month_has_its_russian_abbreviation() -> None:
    names = [format_case_name(date(2025, month, 1), "Другое", 1)[:3] for month in range(1, 13)]
    assert names == ["Янв", "Фев", "Мар", "Апр", "Май", "Июн", "Июл", "Авг", "Сен", "Окт", "Ноя", "Дек"]
    assert tuple(names) == MONTHS_RU


def test_single_digit_days_and_numbers_are_zero_padded_and_numbers_past_999_widen() -> None:
    assert format_case_name(date(2024, 3, 5), "Вызов врача на дом", 7) == "Мар05_Вызов врача на дом_007"
    assert format_case_name(date(2024, 3, 5), "Другое", 999) == "Мар05_Другое_999"
    assert format_case_name(date(2024, 3, 5), "Другое", 1000) == "Мар05_Другое_1000"


def test_type_names_are_trimmed_and_empty_ones_or_zero_numbers_refused() -> None:
    assert (
        format_case_name(date(2024, 3, 5), "  Запись  на\tвакцинацию ", 1) == "Мар05_Запись на вакцинацию_001"
    )
    with pytest.raises(ValueError, match="name"):
        format_case_name(date(2024, 3, 5), "  ", 1)
    with pytest.raises(ValueError, match="start at 1"):
        format_case_name(date(2024, 3, 5), "Другое", 0)


@pytest.mark.parametrize(
    ("utc", "zone", "expected"),
    [
        # Moscow is UTC+3: 20:59 UTC is still the 11th there, 21:00 UTC is already the 12th.
        (datetime(2024, 9, 11, 20, 59, 59, tzinfo=UTC), MOSCOW, date(2024, 9, 11)),
        (datetime(2024, 9, 11, 21, 0, tzinfo=UTC), MOSCOW, date(2024, 9, 12)),
        # Month and year boundaries.
        (datetime(2024, 1, 31, 21, 0, tzinfo=UTC), MOSCOW, date(2024, 2, 1)),
        (datetime(2024, 12, 31, 21, 0, tzinfo=UTC), MOSCOW, date(2025, 1, 1)),
        # The same instant is a day later in Vladivostok (UTC+10).
        (datetime(2024, 9, 11, 14, 0, tzinfo=UTC), MOSCOW, date(2024, 9, 11)),
        (datetime(2024, 9, 11, 14, 0, tzinfo=UTC), VLADIVOSTOK, date(2024, 9, 12)),
        # A time written in another offset is converted, not read literally.
        (datetime(2024, 9, 12, 1, 0, tzinfo=timezone(timedelta(hours=5))), MOSCOW, date(2024, 9, 11)),
    ],
)
def test_the_configured_zone_decides_the_day(utc: datetime, zone: ZoneInfo, expected: date) -> None:
    assert case_day(utc, zone) == expected


def test_a_time_without_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        case_day(datetime(2024, 9, 12, 10, 0), MOSCOW)


def test_sequence_keys_differ_across_the_day_boundary_and_between_types() -> None:
    before = sequence_key(datetime(2024, 8, 31, 20, 59, tzinfo=UTC), MOSCOW, 3)
    after = sequence_key(datetime(2024, 8, 31, 21, 0, tzinfo=UTC), MOSCOW, 3)
    other_type = sequence_key(datetime(2024, 8, 31, 21, 0, tzinfo=UTC), MOSCOW, 4)
    assert before == SequenceKey(date(2024, 8, 31), 3)
    assert after == SequenceKey(date(2024, 9, 1), 3)
    assert len({before, after, other_type}) == 3
    assert format_case_name(after.day, "Другое", 1) == "Сен01_Другое_001"


def test_names_parse_back_even_when_the_type_contains_underscores() -> None:
    assert parse_case_name("Сен12_Справочная информация_002") == CaseName(9, 12, "Справочная информация", 2)
    assert parse_case_name(" Янв20_Другое_005_261 ") == CaseName(1, 20, "Другое_005", 261)
    assert parse_case_name("Мар05_Другое_1000") == CaseName(3, 5, "Другое", 1000)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Сен12",
        "Sep12_Другое_001",
        "Сен32_Другое_001",
        "Сен12_Другое_01",
        "Сен12__001",
        "Сен12_Другое_000",
    ],
)
def test_text_that_is_not_a_case_name_does_not_parse(text: str) -> None:
    assert parse_case_name(text) is None
