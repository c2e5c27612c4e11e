"""Answer kinds of questionnaire questions."""

from __future__ import annotations

from enum import StrEnum


class AnswerKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    DATE = "date"
    NUMBER = "number"
    YES_NO = "yes_no"
