"""Who serves which queue, at which tier, with which skills (TEL-04): administration of the ACD setup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from c122.domain.clock import Clock
from c122.domain.errors import FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.organisation import QueueMember
from c122.domain.users import Actor, Role
from c122.services.contact_center.ports import ContactCenterUnitOfWork
from c122.services.ports import UnitOfWorkFactory

STAFF_ROLES = frozenset({Role.OPERATOR, Role.SENIOR})


class QueueMembership:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[ContactCenterUnitOfWork],
        clock: Clock,
        on_change: Callable[[], Awaitable[None]],
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._on_change = on_change  # the running ACD re-reads its setup

    async def members(self, actor: Actor, queue_id: int) -> list[QueueMember]:
        _require_admin(actor)
        async with self._uow() as uow:
            if await uow.queues.get(queue_id) is None:
                raise NotFound(f"queue {queue_id} does not exist")
            return await uow.acd.members(queue_id)

    async def set_members(
        self, actor: Actor, queue_id: int, members: Sequence[QueueMember]
    ) -> list[QueueMember]:
        _require_admin(actor)
        async with self._uow() as uow:
            if await uow.queues.get(queue_id) is None:
                raise NotFound(f"queue {queue_id} does not exist")
            problems: list[FieldProblem] = []
            seen: set[int] = set()
            for index, member in enumerate(members):
                path = f"members.{index}.user_id"
                if member.user_id in seen:
                    problems.append(FieldProblem(path, "duplicate", "the operator is listed twice"))
                seen.add(member.user_id)
                user = await uow.users.get(member.user_id)
                if user is None:
                    problems.append(FieldProblem(path, "not_found", f"no user {member.user_id}"))
                elif user.role not in STAFF_ROLES:
                    problems.append(FieldProblem(path, "not_staff", "only operators and seniors take calls"))
            if problems:
                raise InvalidFields(problems)
            await uow.acd.set_members(queue_id, members)
            await self._audit(uow, actor, "queue", queue_id, "set_members")
            await uow.commit()
            stored = await uow.acd.members(queue_id)
        await self._on_change()
        return stored

    async def skills(self, actor: Actor, user_id: int) -> frozenset[str]:
        _require_admin(actor)
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise NotFound(f"user {user_id} does not exist")
            return await uow.acd.skills(user_id)

    async def set_skills(self, actor: Actor, user_id: int, skills: frozenset[str]) -> frozenset[str]:
        _require_admin(actor)
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise NotFound(f"user {user_id} does not exist")
            await uow.acd.set_skills(user_id, skills)
            await self._audit(uow, actor, "user", user_id, "set_skills")
            await uow.commit()
        await self._on_change()
        return skills

    async def _audit(
        self, uow: ContactCenterUnitOfWork, actor: Actor, entity: str, entity_id: int, action: str
    ) -> None:
        await uow.audit.record(
            at=self._clock.now(),
            actor_id=actor.user_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
        )


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators set up queues")
