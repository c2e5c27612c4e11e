"""The message board (SUP-05): notices a senior pins for their groups, shown on the operators' main
screen until unpinned or until their expiry.

Scoping: a senior pins, edits and unpins only for groups that are all theirs (an administrator for
any); everyone reads the notices of their own groups. Every change is audited and announced.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from c122.domain.clock import Clock
from c122.domain.errors import FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.users import Actor, Role
from c122.services.board.events import notice_pinned, notice_removed
from c122.services.board.ports import BoardUnitOfWork, Notice, NoticeDraft
from c122.services.events import EventPublisher
from c122.services.ports import UnitOfWorkFactory

MAX_NOTICE_TEXT = 2000  # characters: a notice is read at a glance on the main screen
MAX_PINNED_PER_GROUP = 20  # a board longer than this is no longer read
MAX_LIFETIME = timedelta(days=90)  # the farthest expiry a notice may be given


def checked_draft(draft: NoticeDraft, now: datetime) -> NoticeDraft:
    """The draft as stored (text trimmed), or every problem with it."""
    problems: list[FieldProblem] = []
    text = draft.text.strip()
    if not text or len(text) > MAX_NOTICE_TEXT:
        message = f"the text must be 1 to {MAX_NOTICE_TEXT} characters long"
        problems.append(FieldProblem("text", "text_length", message))
    if not draft.group_ids:
        problems.append(FieldProblem("group_ids", "no_groups", "choose at least one group"))
    if draft.expires_at is not None:
        if draft.expires_at <= now:
            problems.append(FieldProblem("expires_at", "in_the_past", "the expiry must be in the future"))
        elif draft.expires_at > now + MAX_LIFETIME:
            problems.append(
                FieldProblem("expires_at", "too_far", f"a notice expires within {MAX_LIFETIME.days} days")
            )
    if problems:
        raise InvalidFields(problems)
    return NoticeDraft(text, draft.group_ids, draft.expires_at)


class Board:
    def __init__(
        self, uow_factory: UnitOfWorkFactory[BoardUnitOfWork], clock: Clock, publisher: EventPublisher
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher

    async def notices(self, actor: Actor) -> list[Notice]:
        """The unexpired notices of the reader's groups (every group's for an administrator)."""
        async with self._uow() as uow:
            return await uow.board.pinned(None if actor.is_admin else actor.group_ids, self._clock.now())

    async def pin(self, actor: Actor, draft: NoticeDraft) -> Notice:
        now = self._clock.now()
        _must_supervise(actor, draft.group_ids)
        clean = checked_draft(draft, now)
        async with self._uow() as uow:
            await self._room_for(uow, clean.group_ids, now)
            notice = await uow.board.add(actor.user_id, clean, now)
            await self._audit(uow, actor, "pin", notice, now)
            await uow.commit()
        self._publisher.publish(notice_pinned(notice))
        return notice

    async def edit(self, actor: Actor, notice_id: int, draft: NoticeDraft) -> Notice:
        now = self._clock.now()
        async with self._uow() as uow:
            before = await self._changeable(uow, actor, notice_id)
            _must_supervise(actor, draft.group_ids)
            clean = checked_draft(draft, now)
            await self._room_for(uow, clean.group_ids - before.group_ids, now)
            notice = await uow.board.change(notice_id, clean, now)
            await self._audit(uow, actor, "edit", notice, now)
            await uow.commit()
        withdrawn = before.group_ids - notice.group_ids
        if withdrawn:
            self._publisher.publish(notice_removed(notice.id, withdrawn, "withdrawn", now))
        self._publisher.publish(notice_pinned(notice))
        return notice

    async def unpin(self, actor: Actor, notice_id: int) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            notice = await self._changeable(uow, actor, notice_id)
            await uow.board.remove(notice_id)
            await self._audit(uow, actor, "unpin", notice, now)
            await uow.commit()
        self._publisher.publish(notice_removed(notice.id, notice.group_ids, "unpinned", now))

    async def expire_due(self) -> None:
        """Takes down the notices whose expiry has come and tells their groups (run every few seconds)."""
        now = self._clock.now()
        async with self._uow() as uow:
            expired = await uow.board.take_expired(now)
            await uow.commit()
        for notice in expired:
            self._publisher.publish(notice_removed(notice.id, notice.group_ids, "expired", now))

    async def _changeable(self, uow: BoardUnitOfWork, actor: Actor, notice_id: int) -> Notice:
        notice = await uow.board.notice(notice_id)
        if notice is None or (notice.expires_at is not None and notice.expires_at <= self._clock.now()):
            raise NotFound(f"notice {notice_id} is not on the board")
        _must_supervise(actor, notice.group_ids)
        return notice

    @staticmethod
    async def _room_for(uow: BoardUnitOfWork, group_ids: frozenset[int], now: datetime) -> None:
        if not group_ids:
            return
        unknown = await uow.board.unknown_groups(group_ids)
        if unknown:  # an administrator may name any group, so an id may name none
            message = f"groups {sorted(unknown)} do not exist"
            raise InvalidFields([FieldProblem("group_ids", "unknown_group", message)])
        counts = await uow.board.count_pinned(group_ids, now)
        full = sorted(g for g in group_ids if counts.get(g, 0) >= MAX_PINNED_PER_GROUP)
        if full:
            message = f"groups {full} already have {MAX_PINNED_PER_GROUP} notices: unpin one first"
            raise InvalidFields([FieldProblem("group_ids", "board_full", message)])

    @staticmethod
    async def _audit(uow: BoardUnitOfWork, actor: Actor, action: str, notice: Notice, at: datetime) -> None:
        await uow.audit.record(
            at=at,
            actor_id=actor.user_id,
            action=action,
            entity="board_notice",
            entity_id=str(notice.id),
            detail={"group_ids": sorted(notice.group_ids)},
        )


def _must_supervise(actor: Actor, group_ids: frozenset[int]) -> None:
    """A senior acts on the board of their own groups only; operators never."""
    if actor.role is Role.OPERATOR:
        raise Forbidden("only a senior operator pins notices on the board")
    strangers = sorted(g for g in group_ids if not actor.supervises_group(g))
    if strangers:
        raise Forbidden(f"groups {strangers} are not groups you supervise")
