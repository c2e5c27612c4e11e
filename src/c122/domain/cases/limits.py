"""Size limits of case and applicant fields, in characters; the API refuses larger values per field."""

from __future__ import annotations

NAME_PART = 100
"""Each of last name, first name, patronymic."""
ADDRESS = 500
HEALTH_INFO = 4_000
DESCRIPTION = 10_000
"""A case description: a few pages of notes; a 1 MB paste is refused, not truncated."""
OPERATOR_COMMENT = 4_000
LOCATION_TEXT = 500
CONTACT_NAME = 200
CONTACT_RELATION = 100
PHONES = 10
EMERGENCY_CONTACTS = 10
MAX_AGE_YEARS = 130
"""A birth date further back than this is a typing error."""
SCRIPT_TITLE = 200
SCRIPT_QUESTIONS = 200
QUESTION_TEXT = 2_000
CHOICES = 50
CHOICE_TEXT = 200
ANSWER_TEXT = 2_000
