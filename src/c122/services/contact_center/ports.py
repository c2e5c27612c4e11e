"""What the contact centre needs stored: the ACD's setup, its state snapshots and logs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from c122.domain.acd import AcdSnapshot, OperatorStateChanged, QueueLogRecord
from c122.domain.organisation import Group, Queue, QueueMember
from c122.domain.users import User
from c122.services.accounts.ports import UserRepository
from c122.services.ports import EntityRepository, UnitOfWork


class ChatCases(Protocol):
    """Implemented by the case cards: the operator who accepted a case's chat has its card, in work."""

    async def chat_taken(self, case_id: int, user_id: int) -> None: ...


@dataclass(frozen=True, slots=True)
class CallProgress:
    """Where a call the distribution holds stands, as its caller may be told: waiting (its place and
    estimated wait) or with an operator."""

    stage: Literal["queue", "operator"]
    position: int | None = None
    wait_s: float | None = None


@dataclass(frozen=True)
class OfferContext:
    """What the call brought that the ACD does not keep: the line dialled and its service."""

    service_number: str | None
    service_name: str | None
    ivr_choice: str | None = None  # the caller's last menu choice, "menu:key" (the queues board)


@dataclass(frozen=True)
class AcdSetup:
    """What the call distribution is configured from: the organisation's queues and groups, queue
    memberships, operators' skills, and the accounts that take calls (operators and seniors)."""

    queues: list[Queue]
    groups: list[Group]
    members: list[QueueMember]
    skills: Mapping[int, frozenset[str]]
    staff: list[User]


class AcdRepository(Protocol):
    async def setup(self) -> AcdSetup: ...

    async def members(self, queue_id: int) -> list[QueueMember]: ...

    async def channel_queue(self, channel: str) -> int | None:
        """The queue a text channel's requests go to (its «Каналы и чат-бот» setting), if set."""
        ...

    async def set_members(self, queue_id: int, members: Sequence[QueueMember]) -> None: ...

    async def skills(self, user_id: int) -> frozenset[str]: ...

    async def set_skills(self, user_id: int, skills: frozenset[str]) -> None: ...

    async def load_snapshot(self) -> AcdSnapshot | None:
        """The dynamic state last saved, or None before the first save."""
        ...

    async def save_snapshot(self, previous: AcdSnapshot | None, current: AcdSnapshot, at: datetime) -> int:
        """Stores `current`, writing only what differs from `previous`; returns the rows written."""
        ...

    async def append_state_log(self, changes: Sequence[OperatorStateChanged]) -> None: ...

    async def state_log(self, operator_id: int, limit: int = 1000) -> list[OperatorStateChanged]: ...

    async def append_queue_log(self, records: Sequence[QueueLogRecord]) -> None: ...

    async def queue_log(
        self, start: float | None = None, end: float | None = None
    ) -> list[QueueLogRecord]: ...


class ContactCenterUnitOfWork(UnitOfWork, Protocol):
    @property
    def acd(self) -> AcdRepository: ...

    @property
    def queues(self) -> EntityRepository[Queue]: ...

    @property
    def users(self) -> UserRepository: ...
