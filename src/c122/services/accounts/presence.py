"""Who is online (zone 4, OPS-08): users with a live session, as each viewer may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from c122.domain.clock import Clock
from c122.domain.users import Actor, Role, User
from c122.services.accounts.ports import AccountsUnitOfWork, WaitingCalls
from c122.services.events import ADMINS, Audience
from c122.services.ports import UnitOfWorkFactory

# Administrators configure the system; zone 4 counts the people who answer calls.
WORKING_ROLES = frozenset({Role.OPERATOR, Role.SENIOR})


@dataclass(frozen=True)
class PresenceEntry:
    user_id: int
    login: str
    full_name: str
    role: str
    group_ids: list[int]
    since: datetime


@dataclass(frozen=True)
class PresenceSnapshot:
    operators_online: list[PresenceEntry]
    calls_waiting: int


def presence_entry(user: User, since: datetime) -> PresenceEntry:
    return PresenceEntry(
        user_id=user.id,
        login=user.login,
        full_name=user.full_name,
        role=user.role.value,
        group_ids=sorted(user.group_ids),
        since=since,
    )


def presence_audience(user: User) -> Audience:
    """Colleagues in the user's groups, the user themself, and administrators."""
    return Audience(user_ids=frozenset({user.id}), group_ids=user.group_ids, roles=ADMINS.roles)


class PresenceService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[AccountsUnitOfWork],
        clock: Clock,
        session_idle: timedelta,
        waiting: WaitingCalls,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._session_idle = session_idle
        self._waiting = waiting

    async def snapshot(self, actor: Actor) -> PresenceSnapshot:
        async with self._uow() as uow:
            live = await uow.sessions.live_user_ids(self._clock.now() - self._session_idle)
            users = await uow.users.list_by_ids(frozenset(live))
        visible = [
            presence_entry(user, live[user.id])
            for user in users
            if user.role in WORKING_ROLES and (user.id == actor.user_id or actor.sees_any_of(user.group_ids))
        ]
        visible.sort(key=lambda entry: (entry.full_name, entry.user_id))
        groups = None if actor.is_admin else actor.group_ids
        return PresenceSnapshot(operators_online=visible, calls_waiting=self._waiting.count(groups))
