"""What a senior operator may see of and do to operators of their own groups (SUP-03, SUP-04, SUP-10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from c122.domain.clock import Clock
from c122.domain.errors import Forbidden, NotFound
from c122.domain.users import Actor, Role, User
from c122.services.accounts.events import announce_session_closed, presence_changed
from c122.services.accounts.ports import ShiftEnder
from c122.services.events import EventPublisher
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory
from c122.services.supervision.ports import (
    AudioConnections,
    AudioMode,
    LiveDistribution,
    LiveOperator,
    SupervisionUnitOfWork,
)

FORCED_LOGOUT = "forced_logout"
DEFAULT_LOGOUT_MESSAGE = "a senior operator ended your session"


@dataclass(frozen=True)
class BoardOperator:
    live: LiveOperator
    audio_mode: AudioMode
    audio_registered: bool | None


@dataclass(frozen=True)
class OperatorsBoard:
    as_of: datetime
    groups: dict[int, str]  # the groups the viewer supervises, by id
    operators: list[BoardOperator]


class Supervision:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[SupervisionUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        shifts: ShiftEnder | None = None,
        internal: InternalPublisher | None = None,
        live: LiveDistribution | None = None,
        audio: AudioConnections | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        # Nobody reacts unless bootstrap wires the process's bus.
        self._internal = internal or InternalEventBus()
        self._shifts = shifts
        self._live = live
        self._audio = audio

    def board(self, actor: Actor) -> OperatorsBoard:
        """The operators of the groups the viewer supervises: a senior's own, an admin's all (SUP-10)."""
        if not (actor.is_admin or actor.role is Role.SENIOR):
            raise Forbidden("the operators board is for senior operators")
        as_of = self._clock.now()
        if self._live is None:
            return OperatorsBoard(as_of, {}, [])
        names = self._live.group_names()
        groups = {g: name for g, name in names.items() if actor.supervises_group(g)}
        rows = [
            self._row(live)
            for live in self._live.live_operators()
            if live.user_id != actor.user_id and any(g in groups for g in live.group_ids)
        ]
        rows.sort(key=lambda row: (row.live.full_name, row.live.user_id))
        return OperatorsBoard(as_of, groups, rows)

    async def force_logout(self, actor: Actor, user_id: int, reason: str = "") -> int:
        """Ends every session of an operator in one of the senior's groups; returns how many ended.
        The reason is shown to the operator and kept in the audit log."""
        now = self._clock.now()
        message = reason.strip() or DEFAULT_LOGOUT_MESSAGE
        async with self._uow() as uow:
            target = await uow.users.get(user_id)
            if target is None:
                raise NotFound(f"user {user_id} does not exist")
            self._require_supervisor_of(actor, target)
            closed = await uow.sessions.revoke_all_for_user(user_id, now, FORCED_LOGOUT)
            await uow.audit.record(
                at=now,
                actor_id=actor.user_id,
                action="force_logout",
                entity="user",
                entity_id=str(user_id),
                detail={"reason": reason.strip()} if reason.strip() else None,
            )
            await uow.commit()
        if closed:
            announce_session_closed(self._publisher, self._internal, user_id, FORCED_LOGOUT, message, now)
            self._publisher.publish(presence_changed(target, online=False, since=now))
        if self._shifts is not None:
            # Out of the queues too (SUP-04), even when no desktop was open.
            await self._shifts.end_shift(user_id, forced=True, note=f"forced logout: {message}")
        return len(closed)

    def _row(self, live: LiveOperator) -> BoardOperator:
        mode, registered = self._audio.audio_connection(live.user_id) if self._audio else ("browser", None)
        return BoardOperator(live, mode, registered)

    @staticmethod
    def _require_supervisor_of(actor: Actor, target: User) -> None:
        if target.id == actor.user_id:
            raise Forbidden("you cannot force yourself out; sign out instead", code="self_target")
        if target.role is Role.ADMIN:
            raise Forbidden("an administrator's session is not ended from the board", code="admin_target")
        if actor.is_admin:
            return
        if not any(actor.supervises_group(group_id) for group_id in target.group_ids):
            raise Forbidden("this operator is not in any of your groups")
