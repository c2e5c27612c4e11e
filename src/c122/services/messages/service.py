"""Messages between an operator and the seniors of their group (OPS-23), broadcasts from a senior to
operators of their groups (SUP-11, OPS-24) and the operator's notification settings (OPS-06).

Who may write to whom: two accounts that share a group, one of them a senior. Every read is
scoped the same way: a conversation is shown only while its counterpart shares a group with the
reader, a broadcast list only for the reader's groups.
"""

from __future__ import annotations

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, FieldProblem, Forbidden, InvalidFields, NotFound
from c122.domain.users import Actor, Role
from c122.services.access_audit import refusals_audited
from c122.services.events import EventPublisher
from c122.services.messages.events import broadcast_sent, message_read, message_sent
from c122.services.messages.ports import (
    Broadcast,
    Conversation,
    DirectMessage,
    Member,
    MessagesUnitOfWork,
    NotificationSettings,
)
from c122.services.messages.read_marks import BroadcastReadMarks
from c122.services.ports import UnitOfWorkFactory

MAX_TEXT = 4000  # characters of one message or broadcast
HISTORY_LIMIT = 200


def checked_text(text: str) -> str:
    """The text as stored: trimmed, 1..MAX_TEXT characters. It is kept as typed and shown as text."""
    stripped = text.strip()
    if not stripped or len(stripped) > MAX_TEXT:
        raise InvalidFields(
            [FieldProblem("text", "text_length", f"the text must be 1 to {MAX_TEXT} characters long")]
        )
    return stripped


def may_talk(a: Member, b: Member) -> bool:
    """An operator and a senior of a common group (or two seniors of one)."""
    if a.user_id == b.user_id or a.group_ids.isdisjoint(b.group_ids):
        return False
    return Role.SENIOR in (a.role, b.role) and Role.ADMIN not in (a.role, b.role)


class Messages:
    def __init__(
        self, uow_factory: UnitOfWorkFactory[MessagesUnitOfWork], clock: Clock, publisher: EventPublisher
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._read_marks = BroadcastReadMarks(uow_factory, clock, publisher)

    # --- conversations -------------------------------------------------------------------------

    async def conversations(self, actor: Actor) -> list[Conversation]:
        """Everyone the reader may write to, with unread counts and the newest message."""
        async with self._uow() as uow:
            me = await self._me(uow, actor)
            others = [m for m in await uow.messages.members_of(me.group_ids) if m.enabled and may_talk(me, m)]
            unread = await uow.messages.unread_from(me.user_id)
            last = await uow.messages.last_with(me.user_id)
        return [Conversation(m, unread.get(m.user_id, 0), last.get(m.user_id)) for m in others]

    async def history(self, actor: Actor, other_id: int) -> list[DirectMessage]:
        """Only with someone the reader may write to; a refusal is audited like the read."""
        async with refusals_audited(
            self._uow,
            self._clock,
            actor,
            wanted="read_conversation",
            entity="conversation",
            entity_id=other_id,
        ):
            return await self._history(actor, other_id)

    async def _history(self, actor: Actor, other_id: int) -> list[DirectMessage]:
        async with self._uow() as uow:
            me = await self._me(uow, actor)
            await self._counterpart(uow, me, other_id)
            messages = await uow.messages.conversation(me.user_id, other_id, HISTORY_LIMIT)
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="read",
                entity="conversation",
                entity_id=str(other_id),
            )
            await uow.commit()
        return messages

    async def send(self, actor: Actor, recipient_id: int, text: str) -> DirectMessage:
        body = checked_text(text)
        now = self._clock.now()
        async with self._uow() as uow:
            me = await self._me(uow, actor)
            recipient = await self._counterpart(uow, me, recipient_id)
            if not recipient.enabled:
                raise Conflict("this account is disabled and receives no messages", code="recipient_disabled")
            message = await uow.messages.add_message(me, recipient, body, now)
            await uow.audit.record(
                at=now, actor_id=actor.user_id, action="send", entity="message", entity_id=str(message.id)
            )
            await uow.commit()
        self._publisher.publish(message_sent(message))
        return message

    async def mark_read(self, actor: Actor, message_id: int) -> DirectMessage:
        """Marks one message and every earlier unread one from the same sender as read. The answer
        carries the message's text: a refusal is audited."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="read_message", entity="message", entity_id=message_id
        ):
            return await self._mark_read(actor, message_id)

    async def _mark_read(self, actor: Actor, message_id: int) -> DirectMessage:
        now = self._clock.now()
        async with self._uow() as uow:
            message = await uow.messages.message(message_id)
            if message is None or message.recipient_id != actor.user_id:  # ids are not probed
                raise NotFound(f"message {message_id} does not exist")
            if message.read_at is not None:
                return message
            if message.sender_id is None:  # the sender's account is gone: nobody to tell
                await uow.messages.mark_message_read(message_id, now)
                ids: list[int] = []
            else:
                ids = await uow.messages.mark_conversation_read(actor.user_id, message.sender_id, now)
            await uow.commit()
        if ids:
            self._publisher.publish(message_read(message, ids, now))
        return message

    # --- broadcasts ----------------------------------------------------------------------------

    async def broadcast(
        self, actor: Actor, text: str, *, group_id: int | None, user_ids: frozenset[int], everyone: bool
    ) -> Broadcast:
        """To the chosen operators, or every operator of `group_id`, or of all the senior's groups."""
        body = checked_text(text)
        if actor.role is not Role.SENIOR and not actor.is_admin:
            raise Forbidden("only a senior operator sends broadcasts")
        if group_id is not None and not actor.supervises_group(group_id):
            raise Forbidden(f"group {group_id} is not one of your groups")
        now = self._clock.now()
        async with self._uow() as uow:
            me = await self._me(uow, actor)
            scope = frozenset({group_id}) if group_id is not None else me.group_ids
            operators = [
                m for m in await uow.messages.members_of(scope) if m.role is Role.OPERATOR and m.enabled
            ]
            by_id = {m.user_id: m for m in operators}
            if everyone or (group_id is not None and not user_ids):
                chosen = operators
            else:
                strangers = sorted(user_ids - by_id.keys())
                if strangers:
                    raise Forbidden(f"operators {strangers} are not in your groups")
                chosen = [by_id[uid] for uid in sorted(user_ids)]
            if not chosen:
                raise InvalidFields(
                    [FieldProblem("user_ids", "no_recipients", "choose at least one operator")]
                )
            recipients = [(m, min(m.group_ids & scope)) for m in chosen]
            sent = await uow.messages.add_broadcast(me, body, now, recipients)
            await uow.audit.record(
                at=now,
                actor_id=actor.user_id,
                action="send",
                entity="broadcast",
                entity_id=str(sent.id),
                detail={"recipients": len(recipients)},
            )
            await uow.commit()
        self._publisher.publish(broadcast_sent(sent))
        return sent

    async def sent_broadcasts(self, actor: Actor) -> list[Broadcast]:
        """The broadcasts of the senior's groups with their recipients (fig. 50–52)."""
        if actor.role is Role.OPERATOR:
            raise Forbidden("the list of sent broadcasts is for senior operators")
        async with self._uow() as uow:
            groups = None if actor.is_admin else actor.group_ids
            found = await uow.messages.broadcasts_of_groups(groups, actor.user_id, HISTORY_LIMIT)
        if groups is None:
            return found
        # A senior sees the recipients of their own groups only.
        return [
            Broadcast(
                b.id,
                b.sender_id,
                b.sender_name,
                b.text,
                b.sent_at,
                tuple(r for r in b.recipients if r.group_id in groups),
            )
            for b in found
        ]

    async def received_broadcasts(self, actor: Actor) -> list[Broadcast]:
        async with self._uow() as uow:
            return await uow.messages.broadcasts_to(actor.user_id, HISTORY_LIMIT)

    async def mark_broadcast_read(self, actor: Actor, broadcast_id: int) -> None:
        """The reader's copy is marked read (in a batch with the marks arriving with it)."""
        await self._read_marks.mark(actor.user_id, broadcast_id)

    # --- notification settings -----------------------------------------------------------------

    async def settings(self, actor: Actor) -> NotificationSettings:
        async with self._uow() as uow:
            return await uow.messages.settings(actor.user_id) or NotificationSettings()

    async def set_settings(self, actor: Actor, settings: NotificationSettings) -> NotificationSettings:
        async with self._uow() as uow:
            await uow.messages.put_settings(actor.user_id, settings, self._clock.now())
            await uow.commit()
        return settings

    # --- scoping -------------------------------------------------------------------------------

    @staticmethod
    async def _me(uow: MessagesUnitOfWork, actor: Actor) -> Member:
        me = await uow.messages.member(actor.user_id)
        if me is None:
            raise NotFound("your account does not exist")
        return me

    @staticmethod
    async def _counterpart(uow: MessagesUnitOfWork, me: Member, other_id: int) -> Member:
        other = await uow.messages.member(other_id)
        if other is None:
            raise NotFound(f"user {other_id} does not exist (deleted?)", code="recipient_gone")
        if not may_talk(me, other):
            raise Forbidden("messages go between an operator and a senior of a common group")
        return other
