"""Signing in and out, sessions and API tokens (OPS-01)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from c122.domain.clock import Clock
from c122.domain.errors import DomainError, Forbidden, NotAuthenticated, NotFound, TooManyAttempts
from c122.domain.users import Actor, Role, User
from c122.services.accounts.events import (
    LOGGED_OUT,
    SESSION_EXPIRED,
    SESSION_REPLACED,
    announce_session_closed,
    presence_changed,
)
from c122.services.accounts.ports import (
    AccountsUnitOfWork,
    PasswordHasher,
    ShiftEnder,
    SignInLimits,
    SignInPolicy,
    StoredApiToken,
)
from c122.services.accounts.sign_in_limits import MemorySignInLimits
from c122.services.accounts.signed_in import KeptSession, SignedIn
from c122.services.events import EventPublisher
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory

# Seniors and operators work in one place at a time; administrators may keep several consoles open.
SINGLE_SEAT_ROLES = frozenset({Role.OPERATOR, Role.SENIOR})
# A session's last-seen time is written at most this often, not on every request.
TOUCH_INTERVAL = timedelta(seconds=60)


def hash_token(token: str) -> str:
    """Only hashes of session and API tokens are stored; a leaked table opens no session."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"


class AccountDisabled(Forbidden):
    code = "account_disabled"


@dataclass(frozen=True)
class AuthPolicy:
    max_failures: int
    """Per account: this many failures within `window_seconds` lock it for `lock_seconds`, doubling."""
    window_seconds: int
    session_idle: timedelta
    lock_seconds: int = 30
    lock_max_seconds: int = 900
    address_max_failures: int = 100
    """Per source address within `window_seconds`: many people may share one (an office behind NAT)."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the user and, for browser sessions, the session's id."""

    user: User
    session_id: int | None

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user.id, role=self.user.role, group_ids=self.user.group_ids)


@dataclass(frozen=True)
class LoginResult:
    principal: Principal
    token: str
    replaced_session_ids: list[int]


class AuthService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[AccountsUnitOfWork],
        hasher: PasswordHasher,
        clock: Clock,
        publisher: EventPublisher,
        policy: AuthPolicy,
        shifts: ShiftEnder | None = None,
        internal: InternalPublisher | None = None,
        limits: SignInLimits | None = None,
    ) -> None:
        """`limits`: failed sign-ins shared by several nodes; in this process's memory by default."""
        self._uow = uow_factory
        self._shifts = shifts
        self._hasher = hasher
        self._clock = clock
        self._publisher = publisher
        # Nobody reacts unless bootstrap wires the process's bus.
        self._internal = internal or InternalEventBus()
        self._policy = policy
        self._limits = limits or MemorySignInLimits(
            SignInPolicy(
                policy.max_failures,
                policy.window_seconds,
                policy.lock_seconds,
                policy.lock_max_seconds,
                policy.address_max_failures,
            ),
            clock,
        )
        self.signed_in = SignedIn()
        # Verified against when the login is unknown, so both cases cost the same time.
        self._decoy_hash = hasher.hash(secrets.token_hex(16))

    async def login(self, login: str, password: str, source: str) -> LoginResult:
        account = f"login:{login.casefold()}"
        # From an address the account signed in from before, the account's lock is that address's own:
        # guesses from elsewhere cannot keep the user out at their usual workplace.
        lock_key = f"{account}@{source}" if await self._limits.knows(account, source) else account
        retry_after = await self._limits.retry_after(lock_key, source)
        if retry_after:
            raise TooManyAttempts("too many failed sign-in attempts", retry_after=retry_after)
        async with self._uow() as uow:
            user = await uow.users.find({"login": login})
        # argon2 is tens of milliseconds of CPU: off the event loop, which also carries media and events,
        # and with no pooled connection held, so a shift signing in at once does not drain the pool.
        stored_hash = user.password_hash if user else self._decoy_hash
        valid = await asyncio.to_thread(self._hasher.verify, stored_hash, password)
        new_hash = (
            await asyncio.to_thread(self._hasher.hash, password)
            if user is not None and valid and user.enabled and self._hasher.needs_rehash(user.password_hash)
            else None
        )
        async with self._uow() as uow:
            if user is None or not valid:
                await self._limits.failed(lock_key, source)
                await uow.audit.record(
                    at=self._clock.now(),
                    actor_id=user.id if user else None,
                    action="login_failed",
                    entity="user",
                    entity_id=login[:64],
                    detail={"source": source},
                )
                await uow.commit()
                raise InvalidCredentials("wrong login or password")
            if not user.enabled:
                raise AccountDisabled("the account is disabled")
            await self._limits.succeeded(lock_key, account, source)
            if new_hash is not None:
                user = await uow.users.update(user.id, {"password_hash": new_hash})
            replaced: list[int] = []
            when = self._clock.now()
            if user.role in SINGLE_SEAT_ROLES:
                replaced = await uow.sessions.revoke_all_for_user(user.id, when, SESSION_REPLACED)
            token = secrets.token_urlsafe(32)
            session = await uow.sessions.create(hash_token(token), user.id, when, source)
            await uow.audit.record(
                at=when,
                actor_id=user.id,
                action="login",
                entity="session",
                entity_id=str(session.id),
                detail={"source": source, "replaced": replaced},
            )
            await uow.commit()
        if replaced:
            self.signed_in.forget_user(user.id)
            announce_session_closed(
                self._publisher,
                self._internal,
                user.id,
                SESSION_REPLACED,
                "the account signed in at another workplace",
                when,
            )
        else:
            self._publisher.publish(presence_changed(user, online=True, since=when))
        return LoginResult(Principal(user, session.id), token, replaced)

    async def authenticate_session(self, token: str) -> Principal:
        """The session's user; a session checked less than a moment ago is answered from memory
        (signed_in.py), and touched when read again."""
        now = self._clock.now()
        token_hash = hash_token(token)
        kept = self.signed_in.get(token_hash, self._clock.monotonic())
        if kept is not None and now - kept.last_seen_at <= self._policy.session_idle:
            return kept.principal
        generation = self.signed_in.generation
        async with self._uow() as uow:
            session = await uow.sessions.get(token_hash)
            if session is None:
                raise NotAuthenticated("not signed in")
            if session.revoked_at is not None:
                reason = session.revoked_reason or LOGGED_OUT
                message = {
                    SESSION_REPLACED: "the account signed in at another workplace",
                    SESSION_EXPIRED: "the session expired",
                }.get(reason, "the session is closed")
                raise NotAuthenticated(message, code=reason if reason != LOGGED_OUT else None)
            if now - session.last_seen_at > self._policy.session_idle:
                raise NotAuthenticated("the session expired", code=SESSION_EXPIRED)
            user = await uow.users.get(session.user_id)
            if user is None or not user.enabled:
                raise NotAuthenticated("the account is no longer active")
            last_seen_at = session.last_seen_at
            if now - session.last_seen_at > TOUCH_INTERVAL:
                await uow.sessions.touch(session.id, now)
                await uow.commit()
                last_seen_at = now
        principal = Principal(user, session.id)
        self.signed_in.keep(
            token_hash, KeptSession(principal, last_seen_at, self._clock.monotonic()), generation
        )
        return principal

    async def authenticate_api_token(self, token: str) -> Principal:
        async with self._uow() as uow:
            stored = await uow.api_tokens.get_by_hash(hash_token(token))
            if stored is None or stored.revoked_at is not None:
                raise NotAuthenticated("unknown or revoked API token")
            user = await uow.users.get(stored.user_id)
        if user is None or not user.enabled:
            raise NotAuthenticated("the token's account is no longer active")
        return Principal(user, None)

    async def logout(self, principal: Principal) -> None:
        if principal.session_id is None:
            raise DomainError("API tokens are not signed out; revoke the token instead", code="not_a_session")
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.sessions.revoke(principal.session_id, now, LOGGED_OUT)
            still_online = principal.user.id in await uow.sessions.live_user_ids(
                now - self._policy.session_idle
            )
            await uow.audit.record(
                at=now,
                actor_id=principal.user.id,
                action="logout",
                entity="session",
                entity_id=str(principal.session_id),
            )
            await uow.commit()
        self.signed_in.forget_user(principal.user.id)
        if principal.user.role in SINGLE_SEAT_ROLES:
            # One seat, one session: its live streams end with it. Administrators' other consoles stay.
            announce_session_closed(
                self._publisher, self._internal, principal.user.id, LOGGED_OUT, "signed out", now
            )
        if not still_online:
            self._publisher.publish(presence_changed(principal.user, online=False, since=now))
            if self._shifts is not None:
                await self._shifts.end_shift(principal.user.id, forced=False, note="signed out")

    async def expire_idle_sessions(self) -> int:
        """Closes sessions idle past the policy; run periodically. Returns how many users went offline."""
        now = self._clock.now()
        cutoff = now - self._policy.session_idle
        async with self._uow() as uow:
            before = await uow.sessions.live_user_ids(cutoff - timedelta(days=3650))
            live = await uow.sessions.live_user_ids(cutoff)
            gone = frozenset(before) - frozenset(live)
            for user_id in gone:
                await uow.sessions.revoke_all_for_user(user_id, now, SESSION_EXPIRED)
            users = await uow.users.list_by_ids(gone)
            await uow.commit()
        for user in users:
            self.signed_in.forget_user(user.id)
            self._publisher.publish(presence_changed(user, online=False, since=now))
            if self._shifts is not None:
                await self._shifts.end_shift(user.id, forced=False, note="session expired")
        return len(users)

    async def create_api_token(self, actor: Actor, user_id: int, name: str) -> tuple[str, StoredApiToken]:
        if not actor.is_admin and actor.user_id != user_id:
            raise Forbidden("only administrators issue tokens for other accounts")
        token = "c122_" + secrets.token_urlsafe(32)
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise NotFound(f"user {user_id} does not exist")
            stored = await uow.api_tokens.create(name, user_id, hash_token(token), now)
            await uow.audit.record(
                at=now, actor_id=actor.user_id, action="create", entity="api_token", entity_id=str(stored.id)
            )
            await uow.commit()
        return token, stored
