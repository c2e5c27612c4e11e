"""The organisation: services (службы), their groups, the groups' queues, inbound lines and case types.

Records are plain frozen values; persistence builds them from rows and use cases return them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    description: str


@dataclass(frozen=True)
class Group:
    """A group of operators, with its operator policies (OPS-03, OPS-04); None turns a timer off."""

    id: int
    service_id: int
    name: str
    description: str
    idle_to_away_s: float | None = 600.0
    away_to_logout_s: float | None = 1200.0
    continuous_work_s: float | None = 7200.0
    break_allowance: Mapping[str, float] | None = None  # reason code -> allowed seconds; None: defaults
    monitoring_shown: bool = False  # operators are shown when a senior listens to their call
    idle_choice_allowed: bool = False  # operators may choose their own idle interval (OPS-05) ...
    idle_choice_min_s: float = 60.0  # ... within these bounds
    idle_choice_max_s: float = 3600.0
    early_ready: bool = True  # «Готов» may end a timed wrap-up before its time (OPS-19)
    long_call_s: float | None = 600.0  # the senior's board marks a longer call; None: never
    chat_limit: int = 3  # chats an operator holds at once, besides one call (OPS-25)
    recording_retention_days: int | None = None  # days its calls' recordings are kept; None: the default
    operator_camera: bool = False  # its operators may send their camera to a caller from the app (TEL-25)
    record_video: bool = False  # its video calls from the app are recorded (WebM, beside the audio)


def own_idle_interval(group: Group | None, chosen: float | None) -> float | None:
    """The operator's own idle interval where their group lets operators choose, kept inside the
    group's bounds (the bounds may have narrowed since it was chosen); None: the group's interval."""
    if group is None or chosen is None or not group.idle_choice_allowed:
        return None
    return min(max(chosen, group.idle_choice_min_s), group.idle_choice_max_s)


@dataclass(frozen=True)
class Queue:
    """A queue of a group, with its call distribution settings (see docs/contact-center/acd.md)."""

    id: int
    group_id: int
    name: str
    strategy: str = "longest_idle"
    weight: int = 0
    ring_timeout_s: float = 20.0
    retry_s: float = 5.0
    no_answer_limit: int = 3
    wrap_up_s: float = 30.0
    manual_ready: bool = False
    max_wait_s: float | None = None
    overflow_destination: str | None = None
    max_length: int | None = None
    join_when_empty: str = "never"
    leave_when_empty: str = "never"
    escalation_step_s: float | None = None
    required_skills: frozenset[str] = field(default_factory=frozenset)
    short_abandon_s: float = 5.0
    sla_wait_s: float = 60.0  # the normative maximum wait (TEL-08): a longer wait breaches it
    service_level_s: float = 20.0  # T: a call answered within it counts towards the service level
    service_level_formula: str = "short_abandons_ignored"  # a ServiceLevelFormula value
    service_level_target_pct: float = 80.0  # the share answered within T the queue aims for, %
    callbacks_enabled: bool = True
    repeat_call_window_s: float = 1800.0
    removal_message: str | None = None
    auto_answer: bool = False  # the operator's leg is connected without an answer click


@dataclass(frozen=True)
class QueueMember:
    """An operator serving a queue at a tier level (1 is offered first) and a position within the tier."""

    queue_id: int
    user_id: int
    level: int = 1
    position: int = 0


@dataclass(frozen=True)
class Line:
    """An inbound number (DID) routed to a service and the flow callers enter there."""

    id: int
    number: str
    name: str
    service_id: int
    entry_flow: str | None
    default_case_type_id: int | None = None  # the card type of a call without an IVR choice (TEL-14)


class CaseTypeIcon(StrEnum):
    INFO = "info"
    VACCINE = "vaccine"
    DOCTOR_HOME = "doctor_home"
    APPOINTMENT = "appointment"
    PSYCHOLOGY = "psychology"
    COMPLAINT = "complaint"
    EMERGENCY = "emergency"
    OTHER = "other"


@dataclass(frozen=True)
class CaseType:
    """A topic of a case (повод); its name is part of every case card's name."""

    id: int
    code: str
    name: str
    icon: CaseTypeIcon


class EntityKind(StrEnum):
    """Names of the organisation entities, as they appear in events and audit records."""

    SERVICE = "service"
    GROUP = "group"
    QUEUE = "queue"
    LINE = "line"
    CASE_TYPE = "case_type"
    USER = "user"
    SHIFT = "shift"
