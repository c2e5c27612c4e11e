"""Russian number words for announcements: masculine ordinals (вы двадцать первый) and feminine
cardinals with the matching form of «минута» (двадцать одна минута, две минуты, пять минут)."""

from __future__ import annotations

_UNITS_ORDINAL = (
    "",
    "первый",
    "второй",
    "третий",
    "четвёртый",
    "пятый",
    "шестой",
    "седьмой",
    "восьмой",
    "девятый",
)
_TEENS_ORDINAL = (
    "десятый", "одиннадцатый", "двенадцатый", "тринадцатый", "четырнадцатый",
    "пятнадцатый", "шестнадцатый", "семнадцатый", "восемнадцатый", "девятнадцатый",
)  # fmt: skip
_TENS_ORDINAL = (
    "", "", "двадцатый", "тридцатый", "сороковой", "пятидесятый", "шестидесятый", "семидесятый",
    "восьмидесятый", "девяностый",
)  # fmt: skip
_HUNDREDS_ORDINAL = (
    "", "сотый", "двухсотый", "трёхсотый", "четырёхсотый", "пятисотый", "шестисотый", "семисотый",
    "восьмисотый", "девятисотый",
)  # fmt: skip
_UNITS_FEMININE = ("", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять")
_TEENS = (
    "десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать",
    "пятнадцать", "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать",
)  # fmt: skip
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)

MAX_NUMBER = 999


def _check(number: int) -> None:
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError(f"{number} is outside 1..{MAX_NUMBER}")


def ordinal_words(number: int) -> tuple[str, ...]:
    """Masculine nominative ordinal: only the last word is ordinal (сто двадцать первый)."""
    _check(number)
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    if rest == 0:
        return (_HUNDREDS_ORDINAL[hundreds],)
    head = (_HUNDREDS[hundreds],) if hundreds else ()
    if tens == 1:
        return (*head, _TEENS_ORDINAL[units])
    if units == 0:
        return (*head, _TENS_ORDINAL[tens])
    return (*head, *((_TENS[tens],) if tens else ()), _UNITS_ORDINAL[units])


def feminine_cardinal_words(number: int) -> tuple[str, ...]:
    """Feminine cardinal, to agree with «минута»: одна, две, двадцать одна."""
    _check(number)
    hundreds, rest = divmod(number, 100)
    tens, units = divmod(rest, 10)
    words = [_HUNDREDS[hundreds]] if hundreds else []
    if tens == 1:
        words.append(_TEENS[units])
    else:
        words.extend(w for w in (_TENS[tens], _UNITS_FEMININE[units]) if w)
    return tuple(words)


def plural_form(number: int, one: str, few: str, many: str) -> str:
    """The noun form after a number: 1, 21 → one; 2–4, 22–24 → few; 0, 5–20, 25–30, 11–14 → many."""
    last_two = number % 100
    last = number % 10
    if last == 1 and last_two != 11:
        return one
    if 2 <= last <= 4 and not 12 <= last_two <= 14:
        return few
    return many
