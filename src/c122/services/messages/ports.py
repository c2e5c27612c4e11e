"""What messages, broadcasts and notification settings need stored, as Protocols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.users import Role
from c122.services.ports import UnitOfWork


@dataclass(frozen=True)
class Member:
    """A signed-up account of a group, as the message screens name it."""

    user_id: int
    full_name: str
    role: Role
    enabled: bool
    group_ids: frozenset[int]


@dataclass(frozen=True)
class DirectMessage:
    id: int
    sender_id: int | None  # None once the sender's account was deleted
    sender_name: str
    recipient_id: int | None
    recipient_name: str
    text: str
    sent_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class Conversation:
    """One counterpart of the reader, with the newest message and how many of theirs are unread."""

    counterpart: Member
    unread: int
    last: DirectMessage | None


@dataclass(frozen=True)
class Recipient:
    user_id: int
    full_name: str
    group_id: int
    read_at: datetime | None


@dataclass(frozen=True)
class Broadcast:
    id: int
    sender_id: int | None
    sender_name: str
    text: str
    sent_at: datetime
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True)
class NotificationSettings:
    """The operator's choices (seed 4.3.1.3); every one is on until they turn it off."""

    service: bool = True
    sound: bool = True
    browser: bool = True


class MessageRepository(Protocol):
    async def members_of(self, group_ids: frozenset[int]) -> list[Member]:
        """Every account in any of the groups, by name."""
        ...

    async def member(self, user_id: int) -> Member | None: ...

    async def add_message(
        self, sender: Member, recipient: Member, text: str, at: datetime
    ) -> DirectMessage: ...

    async def message(self, message_id: int) -> DirectMessage | None: ...

    async def conversation(self, user_id: int, other_id: int, limit: int) -> list[DirectMessage]:
        """The newest `limit` messages between the two, oldest first."""
        ...

    async def unread_from(self, recipient_id: int) -> dict[int, int]:
        """Unread messages to the user, counted by sender."""
        ...

    async def last_with(self, user_id: int) -> dict[int, DirectMessage]:
        """The newest message with each counterpart."""
        ...

    async def mark_message_read(self, message_id: int, at: datetime) -> None: ...

    async def mark_conversation_read(self, recipient_id: int, sender_id: int, at: datetime) -> list[int]:
        """Marks the sender's unread messages to the recipient; returns their ids."""
        ...

    async def add_broadcast(
        self, sender: Member, text: str, at: datetime, recipients: list[tuple[Member, int]]
    ) -> Broadcast:
        """Stores a broadcast and its recipients, each with the group it reached them through."""
        ...

    async def broadcast_senders(self, broadcast_ids: frozenset[int]) -> dict[int, int | None]:
        """Of these broadcasts, those that exist, each with its sender (None: the account is gone)."""
        ...

    async def recipient_copies(self, marks: frozenset[tuple[int, int]]) -> frozenset[tuple[int, int]]:
        """Of these (broadcast id, user id) pairs, those that are copies: sent to that user."""
        ...

    async def broadcasts_of_groups(
        self, group_ids: frozenset[int] | None, sender_id: int, limit: int
    ) -> list[Broadcast]:
        """Broadcasts that reached any of the groups (all when None) or the sender sent, newest first."""
        ...

    async def broadcasts_to(self, user_id: int, limit: int) -> list[Broadcast]:
        """Broadcasts the user received, newest first (each with the user's row only)."""
        ...

    async def mark_copies_read(
        self, marks: frozenset[tuple[int, int]], at: datetime
    ) -> frozenset[tuple[int, int]]:
        """Marks these (broadcast id, user id) copies read; returns those that were unread until now."""
        ...

    async def settings(self, user_id: int) -> NotificationSettings | None: ...

    async def put_settings(self, user_id: int, settings: NotificationSettings, at: datetime) -> None: ...


class MessagesUnitOfWork(UnitOfWork, Protocol):
    @property
    def messages(self) -> MessageRepository: ...
