"""What a senior operator may do to operators of their own groups (SUP-03, SUP-04)."""

from __future__ import annotations

from c122.domain.clock import Clock
from c122.domain.errors import Forbidden, NotFound
from c122.domain.users import Actor, Role, User
from c122.services.accounts.events import announce_session_closed, presence_changed
from c122.services.accounts.ports import ShiftEnder
from c122.services.events import EventPublisher
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory
from c122.services.supervision.ports import SupervisionUnitOfWork

FORCED_LOGOUT = "forced_logout"


class Supervision:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[SupervisionUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        shifts: ShiftEnder | None = None,
        internal: InternalPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        # Nobody reacts unless bootstrap wires the process's bus.
        self._internal = internal or InternalEventBus()
        self._shifts = shifts

    async def force_logout(self, actor: Actor, user_id: int) -> int:
        """Ends every session of an operator in one of the senior's groups; returns how many ended."""
        now = self._clock.now()
        async with self._uow() as uow:
            target = await uow.users.get(user_id)
            if target is None:
                raise NotFound(f"user {user_id} does not exist")
            self._require_supervisor_of(actor, target)
            closed = await uow.sessions.revoke_all_for_user(user_id, now, FORCED_LOGOUT)
            await uow.audit.record(
                at=now, actor_id=actor.user_id, action="force_logout", entity="user", entity_id=str(user_id)
            )
            await uow.commit()
        if closed:
            announce_session_closed(
                self._publisher,
                self._internal,
                user_id,
                FORCED_LOGOUT,
                "a senior operator ended your session",
                now,
            )
            self._publisher.publish(presence_changed(target, online=False, since=now))
        if self._shifts is not None:
            # Out of the queues too (SUP-04), even when no desktop was open.
            await self._shifts.end_shift(user_id, forced=True, note="forced logout by a senior operator")
        return len(closed)

    @staticmethod
    def _require_supervisor_of(actor: Actor, target: User) -> None:
        if actor.is_admin:
            return
        if target.role is Role.ADMIN or target.id == actor.user_id:
            raise Forbidden("a senior operator acts only on other operators")
        if not any(actor.supervises_group(group_id) for group_id in target.group_ids):
            raise Forbidden("this operator is not in any of your groups")
