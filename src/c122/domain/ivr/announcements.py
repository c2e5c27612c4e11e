"""Position and wait announcements for callers in a queue (TEL-09), in Russian.

Each announcement is a sequence of words and phrases (a player concatenates one recorded prompt per
item, named by its text) and the same sentence as text for a speech synthesiser.

Wait rounding: under a minute is «меньше минуты»; otherwise the wait is rounded up to whole minutes
(61 s → две минуты), so the caller is never promised less than the estimate; more than 60 minutes is
«более часа». Positions above 999 are announced without the number («вы в очереди»).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from c122.domain.ivr.russian import MAX_NUMBER, feminine_cardinal_words, ordinal_words, plural_form

YOU = "вы"
IN_QUEUE = "в очереди"
ABOUT = "примерно"
LESS_THAN_MINUTE = "меньше минуты"
MORE_THAN_HOUR = "более часа"
MINUTE_FORMS = ("минута", "минуты", "минут")
MAX_MINUTES = 60


@dataclass(frozen=True, slots=True)
class Announcement:
    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


def position_announcement(position: int) -> Announcement:
    """«вы третий в очереди» for position 3 (1-based)."""
    if position < 1:
        raise ValueError("position starts at 1")
    number = ordinal_words(position) if position <= MAX_NUMBER else ()
    return Announcement((YOU, *number, IN_QUEUE))


def wait_minutes(wait_s: float) -> int | None:
    """Whole minutes announced for a wait: None under a minute, above MAX_MINUTES for «более часа»."""
    if wait_s < 60:
        return None
    return math.ceil(wait_s / 60)


def wait_announcement(wait_s: float) -> Announcement:
    """«примерно две минуты» for 90 s; see the module notes for the rounding."""
    minutes = wait_minutes(max(0.0, wait_s))
    if minutes is None:
        return Announcement((LESS_THAN_MINUTE,))
    if minutes > MAX_MINUTES:
        return Announcement((MORE_THAN_HOUR,))
    return Announcement((ABOUT, *feminine_cardinal_words(minutes), plural_form(minutes, *MINUTE_FORMS)))


def vocabulary() -> frozenset[str]:
    """Every word or phrase an announcement can contain: the prompts to record or synthesise once."""
    words = {YOU, IN_QUEUE, ABOUT, LESS_THAN_MINUTE, MORE_THAN_HOUR, *MINUTE_FORMS}
    for number in range(1, MAX_NUMBER + 1):
        words.update(ordinal_words(number))
    for minutes in range(1, MAX_MINUTES + 1):
        words.update(feminine_cardinal_words(minutes))
    return frozenset(words)
