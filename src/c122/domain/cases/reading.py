"""Reads JSON-like submitted values field by field, collecting every problem instead of stopping at the first.

Paths are dot paths inside the submitted object (`phones.1`, `emergency_contacts.0.phone`), as the API and
the desktop's forms address their fields.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime

from c122.domain.errors import FieldProblem


class FieldReader:
    """One object of the submitted values; nested readers share the problem list of their parent."""

    def __init__(
        self, values: Mapping[str, object], *, prefix: str = "", problems: list[FieldProblem] | None = None
    ) -> None:
        self.values = values
        self.prefix = prefix
        self.problems: list[FieldProblem] = [] if problems is None else problems

    def path(self, key: str | int) -> str:
        return f"{self.prefix}{key}"

    def add(self, key: str | int, code: str, message: str) -> None:
        self.problems.append(FieldProblem(path=self.path(key), code=code, message=message))

    def child(self, key: str | int, values: object) -> FieldReader | None:
        if not isinstance(values, Mapping):
            self.add(key, "not_an_object", "ожидается объект с полями")
            return None
        return FieldReader(values, prefix=f"{self.path(key)}.", problems=self.problems)

    def reject_unknown(self, known: Collection[str]) -> None:
        for key in self.values:
            if key not in known:
                self.add(key, "unknown_field", "неизвестное поле")

    def text(self, key: str, *, max_length: int, required: bool = False) -> str:
        """The trimmed text, or "" when absent; a missing required field and an over-long one are problems."""
        raw = self.values.get(key)
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            self.add(key, "not_text", "ожидается текст")
            return ""
        text = raw.strip()
        if required and not text:
            self.add(key, "required", "поле обязательно для заполнения")
        elif len(text) > max_length:
            self.add(key, "too_long", f"не длиннее {max_length} символов, указано {len(text)}")
            return ""
        return text

    def items(self, key: str, *, max_items: int) -> Sequence[object]:
        raw = self.values.get(key)
        if raw is None:
            return ()
        if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
            self.add(key, "not_a_list", "ожидается список")
            return ()
        if len(raw) > max_items:
            self.add(key, "too_many", f"не более {max_items} элементов, указано {len(raw)}")
            return ()
        return raw


def parse_date(raw: object) -> date | None:
    """A date given as `date`, ISO `2024-09-12` or Russian `12.09.2024`; None when it is neither."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        if "." in text:
            day, month, year = text.split(".")
            if len(year) != 4:
                return None
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
