"""The demo hotline's flow (the same document as in docs/contact-center/ivr.md) and moments to run it at."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

DEMO_FLOW: dict[str, Any] = {
    "name": "Линия 122",
    "version": 1,
    "entry": "hours",
    "timezone": "Europe/Moscow",
    "nodes": {
        "hours": {
            "type": "schedule",
            "schedule": {
                "weekly": {
                    "mon": [["08:00", "20:00"]],
                    "tue": [["08:00", "20:00"]],
                    "wed": [["08:00", "20:00"]],
                    "thu": [["08:00", "20:00"]],
                    "fri": [["08:00", "20:00"]],
                    "sat": [["09:00", "15:00"]],
                },
                "holidays": [{"date": "2027-01-01"}, {"date": "2026-12-31", "hours": [["08:00", "16:00"]]}],
            },
            "open": "welcome",
            "closed": "closed",
        },
        "welcome": {"type": "play", "prompt": "welcome", "next": "main_menu"},
        "main_menu": {
            "type": "menu",
            "prompt": "main_menu",
            "branches": {"1": "info", "2": "doctor_home", "3": "appointment", "0": "operator"},
            "timeout_s": 5,
            "max_retries": 2,
            "invalid_prompt": "invalid_choice",
            "timeout_prompt": "no_choice",
            "fallback": "operator",
        },
        "info": {"type": "set_case_type", "case_type": 1, "next": "queue_info"},
        "queue_info": {"type": "enqueue", "queue": "info", "priority": 0},
        "doctor_home": {"type": "set_case_type", "case_type": 2, "next": "queue_doctor"},
        "queue_doctor": {"type": "enqueue", "queue": "doctor_home", "priority": 5},
        "appointment": {"type": "set_case_type", "case_type": 3, "next": "queue_appointment"},
        "queue_appointment": {"type": "enqueue", "queue": "appointment", "priority": 0},
        "operator": {"type": "enqueue", "queue": "general", "priority": 0},
        "closed": {"type": "hang_up", "prompt": "closed"},
    },
}
PROMPTS = frozenset({"welcome", "main_menu", "invalid_choice", "no_choice", "closed", "enter_policy"})
QUEUES = frozenset({"info", "doctor_home", "appointment", "general"})
CASE_TYPES = frozenset({1, 2, 3})

WEDNESDAY_NOON_MSK = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
WEDNESDAY_NIGHT_MSK = datetime(2026, 11, 25, 19, 30, tzinfo=UTC)  # 22:30 in Moscow


def demo_document() -> dict[str, Any]:
    """A fresh deep copy a test may change."""
    return copy.deepcopy(DEMO_FLOW)
