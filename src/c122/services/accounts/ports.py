"""What the accounts feature needs stored and from its neighbours: users, sessions, API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.users import User
from c122.services.ports import EntityRepository, UnitOfWork


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


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class ShiftEnder(Protocol):
    """The call distribution, as signing out and forced logouts see it: they end the operator's shift."""

    async def end_shift(self, user_id: int, *, forced: bool, note: str) -> None: ...


class WaitingCalls(Protocol):
    """Calls waiting per group, as zone 4 shows them (kept by the call distribution)."""

    def count(self, group_ids: frozenset[int] | None) -> int:
        """Calls waiting in the queues of these groups; None means every group."""
        ...


class AccountsUnitOfWork(UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def api_tokens(self) -> ApiTokenRepository: ...


@dataclass(frozen=True)
class SignInPolicy:
    """Failed sign-ins: per account, `max_failures` within `window_seconds` lock it for
    `lock_seconds`, doubling up to `lock_max_seconds`; per source address, `address_max_failures`
    within the window (many people may share one: an office behind NAT)."""

    max_failures: int
    window_seconds: int
    lock_seconds: int
    lock_max_seconds: int
    address_max_failures: int


class SignInLimits(Protocol):
    """Failed sign-ins counted per account and per source address, and the addresses each account
    signed in from. In memory for one process; shared by every node when several run."""

    async def retry_after(self, lock_key: str, source: str) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        ...

    async def failed(self, lock_key: str, source: str) -> None: ...

    async def succeeded(self, lock_key: str, account: str, source: str) -> None:
        """Clears the lock key's failures and remembers the address for the account."""
        ...

    async def knows(self, account: str, source: str) -> bool: ...
