"""The organisation: services (службы), their groups, the groups' queues, inbound lines and case types.

Records are plain frozen values; persistence builds them from rows and use cases return them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Service:
    id: int
    name: str
    description: str


@dataclass(frozen=True)
class Group:
    id: int
    service_id: int
    name: str
    description: str


@dataclass(frozen=True)
class Queue:
    id: int
    group_id: int
    name: str


@dataclass(frozen=True)
class Line:
    """An inbound number (DID) routed to a service and the flow callers enter there."""

    id: int
    number: str
    name: str
    service_id: int
    entry_flow: str | None


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
