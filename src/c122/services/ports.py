"""What the use cases need from the outside world, as Protocols. Adapters implement them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, Self, TypeVar

from c122.domain.acd import AcdSnapshot, OperatorStateChanged, QueueLogRecord
from c122.domain.calls import CallQuery, CallRecord, JournalPage, JournalRow
from c122.domain.organisation import CaseType, Group, Line, Queue, QueueMember, Service
from c122.domain.users import User
from c122.services.case_ports import CaseRepository
from c122.services.ivr_ports import IvrRepository
from c122.services.phone_ports import OperatorPhoneRepository

E = TypeVar("E")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True)
class Page(Generic[E]):
    items: list[E]
    total: int


class EntityRepository(Protocol[E]):
    """Storage of one kind of organisation record. Values are keyed by the record's field names."""

    async def get(self, entity_id: int) -> E | None: ...

    async def search(self, query: str, limit: int, offset: int) -> Page[E]: ...

    async def find(self, criteria: Mapping[str, object]) -> E | None:
        """The first record whose fields equal all the given values."""
        ...

    async def count(self, criteria: Mapping[str, object]) -> int: ...

    async def create(self, values: Mapping[str, Any]) -> E: ...

    async def update(self, entity_id: int, values: Mapping[str, Any]) -> E: ...

    async def delete(self, entity_id: int) -> None: ...


class UserRepository(EntityRepository[User], Protocol):
    async def set_groups(self, user_id: int, group_ids: frozenset[int]) -> None: ...

    async def count_in_group(self, group_id: int) -> int: ...

    async def list_by_ids(self, user_ids: frozenset[int]) -> list[User]: ...


@dataclass(frozen=True)
class StoredSession:
    """A browser session. `revoked_reason` is kept so an older desktop learns why it was closed."""

    id: int
    token_hash: str
    user_id: int
    created_at: datetime
    last_seen_at: datetime
    source: str
    revoked_at: datetime | None
    revoked_reason: str | None


class SessionRepository(Protocol):
    async def create(self, token_hash: str, user_id: int, now: datetime, source: str) -> StoredSession: ...

    async def get(self, token_hash: str) -> StoredSession | None: ...

    async def touch(self, session_id: int, now: datetime) -> None: ...

    async def revoke(self, session_id: int, now: datetime, reason: str) -> None: ...

    async def revoke_all_for_user(self, user_id: int, now: datetime, reason: str) -> list[int]:
        """Revokes the user's live sessions and returns their ids."""
        ...

    async def live_user_ids(self, since: datetime) -> dict[int, datetime]:
        """Users with a live session seen after `since`, with the time their session started."""
        ...


@dataclass(frozen=True)
class StoredApiToken:
    id: int
    name: str
    user_id: int
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None


class ApiTokenRepository(Protocol):
    async def create(self, name: str, user_id: int, token_hash: str, now: datetime) -> StoredApiToken: ...

    async def get_by_hash(self, token_hash: str) -> StoredApiToken | None: ...


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    action: str
    entity: str
    entity_id: str
    detail: Mapping[str, Any] | None


class AuditLog(Protocol):
    async def entries(self, entity: str, limit: int = 100) -> list[AuditEntry]:
        """The newest entries about one kind of record, newest first."""
        ...

    async def record(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None: ...


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


class ShiftEnder(Protocol):
    """The call distribution, as signing out and forced logouts see it: they end the operator's shift."""

    async def end_shift(self, user_id: int, *, forced: bool, note: str) -> None: ...


class CallRecordRepository(Protocol):
    """Call records with their legs (docs/contact-center/calls.md)."""

    async def save(self, record: CallRecord) -> None:
        """Inserts the record or replaces the stored one, with all its legs."""
        ...

    async def get(self, call_id: str) -> JournalRow | None: ...

    async def list_calls(self, query: CallQuery) -> JournalPage:
        """One page, newest first, within the query's scope and filter."""
        ...

    async def active(self) -> list[CallRecord]:
        """Every record still `active`, with its legs (after a restart: the calls it cut off)."""
        ...


class RecordingFiles(Protocol):
    """Where call recordings are kept."""

    def locate(self, recording_path: str) -> str | None:
        """The absolute path of the stored recording file, or None when there is no such file."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. Nothing is stored unless `commit` is awaited."""

    services: EntityRepository[Service]
    groups: EntityRepository[Group]
    queues: EntityRepository[Queue]
    lines: EntityRepository[Line]
    case_types: EntityRepository[CaseType]
    users: UserRepository
    sessions: SessionRepository
    api_tokens: ApiTokenRepository
    audit: AuditLog
    acd: AcdRepository
    cases: CaseRepository  # case cards and applicants (services/case_ports.py)
    ivr: IvrRepository  # IVR flows and prompts (services/ivr_ports.py)
    phones: OperatorPhoneRepository  # operators' phone mode and SIP secrets (services/phone_ports.py)
    calls: CallRecordRepository  # call records and their legs

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def commit(self) -> None: ...

    async def ping(self) -> None:
        """Raises if the database does not answer."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
