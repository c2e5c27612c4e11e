"""Position and wait announcements in Russian: ordinals for the place, feminine numbers with the right form
of «минута» for the wait, and the documented rounding."""

from __future__ import annotations

import pytest

from c122.domain.ivr import position_announcement, vocabulary, wait_announcement, wait_minutes

ORDINAL_ENDINGS = ("ый", "ой", "ий")


@pytest.mark.parametrize(
    ("position", "text"),
    [
        (1, "вы первый в очереди"),
        (2, "вы второй в очереди"),
        (3, "вы третий в очереди"),
        (4, "вы четвёртый в очереди"),
        (7, "вы седьмой в очереди"),
        (8, "вы восьмой в очереди"),
        (10, "вы десятый в очереди"),
        (11, "вы одиннадцатый в очереди"),
        (12, "вы двенадцатый в очереди"),
        (14, "вы четырнадцатый в очереди"),
        (19, "вы девятнадцатый в очереди"),
        (20, "вы двадцатый в очереди"),
        (21, "вы двадцать первый в очереди"),
        (23, "вы двадцать третий в очереди"),
        (40, "вы сороковой в очереди"),
        (42, "вы сорок второй в очереди"),
        (50, "вы пятидесятый в очереди"),
        (68, "вы шестьдесят восьмой в очереди"),
        (90, "вы девяностый в очереди"),
        (99, "вы девяносто девятый в очереди"),
        (100, "вы сотый в очереди"),
        (101, "вы сто первый в очереди"),
        (111, "вы сто одиннадцатый в очереди"),
        (120, "вы сто двадцатый в очереди"),
        (200, "вы двухсотый в очереди"),
        (342, "вы триста сорок второй в очереди"),
        (999, "вы девятьсот девяносто девятый в очереди"),
        (1000, "вы в очереди"),
    ],
)
def test_position_is_said_with_a_masculine_ordinal(position: int, text: str) -> None:
    announcement = position_announcement(position)
    assert announcement.text == text
    assert announcement.words[0] == "вы"
    assert announcement.words[-1] == "в очереди"


def test_positions_1_to_120_are_distinct_and_only_the_last_number_word_is_ordinal() -> None:
    texts = set()
    for position in range(1, 121):
        words = position_announcement(position).words
        number = words[1:-1]
        assert number[-1].endswith(ORDINAL_ENDINGS), position
        assert not any(word.endswith(ORDINAL_ENDINGS) for word in number[:-1]), position
        texts.add(" ".join(number))
    assert len(texts) == 120


@pytest.mark.parametrize("position", [0, -3])
def test_a_position_below_one_is_refused(position: int) -> None:
    with pytest.raises(ValueError, match="position"):
        position_announcement(position)


@pytest.mark.parametrize(
    ("wait_s", "text"),
    [
        (0, "меньше минуты"),
        (59.9, "меньше минуты"),
        (60, "примерно одна минута"),
        (61, "примерно две минуты"),  # rounded up: never promise less than the estimate
        (120, "примерно две минуты"),
        (180, "примерно три минуты"),
        (240, "примерно четыре минуты"),
        (300, "примерно пять минут"),
        (11 * 60, "примерно одиннадцать минут"),
        (12 * 60, "примерно двенадцать минут"),
        (14 * 60, "примерно четырнадцать минут"),
        (21 * 60, "примерно двадцать одна минута"),
        (22 * 60, "примерно двадцать две минуты"),
        (25 * 60, "примерно двадцать пять минут"),
        (30 * 60, "примерно тридцать минут"),
        (41 * 60, "примерно сорок одна минута"),
        (44 * 60 + 1, "примерно сорок пять минут"),
        (53 * 60, "примерно пятьдесят три минуты"),
        (60 * 60, "примерно шестьдесят минут"),
        (60 * 60 + 1, "более часа"),
        (5 * 3600, "более часа"),
        (-5, "меньше минуты"),
    ],
)
def test_wait_is_rounded_up_to_whole_minutes_in_correct_russian(wait_s: float, text: str) -> None:
    assert wait_announcement(wait_s).text == text


def expected_minute_form(n: int) -> str:
    """Russian plural rule written as the grammar books state it, by the last one or two digits."""
    if n % 100 in range(11, 20):
        return "минут"
    return {1: "минута", 2: "минуты", 3: "минуты", 4: "минуты"}.get(n % 10, "минут")


def test_every_announced_minute_count_takes_the_right_noun_form() -> None:
    for minutes in range(1, 61):
        words = wait_announcement(minutes * 60).words
        assert words[0] == "примерно"
        assert words[-1] == expected_minute_form(minutes), minutes
        # «минута» is feminine: 1 and 2 are «одна», «две», never «один», «два».
        assert "один" not in words
        assert "два" not in words


def test_minutes_count_is_ceiling_of_the_wait() -> None:
    assert [wait_minutes(s) for s in (59, 60, 61, 119, 120, 121)] == [None, 1, 2, 2, 2, 3]


def test_the_vocabulary_covers_every_word_of_every_announcement() -> None:
    words = vocabulary()
    for position in range(1, 1001):
        assert set(position_announcement(position).words) <= words
    for seconds in range(0, 2 * 3600, 30):
        assert set(wait_announcement(seconds).words) <= words
    assert "двадцать" in words
    assert "одна" in words
    assert "один" not in words
