"""What the chat bot needs: its sessions and the channels' settings in storage, the flows and prompt
texts it runs, and the intake that takes a conversation over from it (a case card in a queue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.bot import BotConversation, Line
from c122.domain.citizen import Channel
from c122.domain.organisation import CaseType, Queue
from c122.services.ivr.ports import IvrRepository
from c122.services.ports import EntityRepository, UnitOfWork


@dataclass(frozen=True)
class ChannelSetting:
    """The flow a text channel's bot runs (None: no bot) and the queue its requests go to."""

    channel: Channel
    flow_name: str | None
    queue_id: int | None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class StoredSession:
    id: int
    channel: Channel
    address: str
    conversation: BotConversation
    started_at: datetime
    updated_at: datetime


class BotRepository(Protocol):
    async def session(self, channel: Channel, address: str) -> StoredSession | None: ...

    async def save_session(
        self, channel: Channel, address: str, conversation: BotConversation, now: datetime
    ) -> None:
        """Creates the session or replaces its state and transcript."""
        ...

    async def end_session(self, channel: Channel, address: str) -> None: ...

    async def setting(self, channel: Channel) -> ChannelSetting | None: ...

    async def save_setting(self, setting: ChannelSetting) -> None: ...


class BotUnitOfWork(UnitOfWork, Protocol):
    @property
    def bot(self) -> BotRepository: ...

    @property
    def ivr(self) -> IvrRepository: ...

    @property
    def queues(self) -> EntityRepository[Queue]: ...

    @property
    def case_types(self) -> EntityRepository[CaseType]: ...


@dataclass(frozen=True)
class Applicant:
    """What a channel knows of the person: a name a messenger shows, a phone number, the citizen app's
    device (its requests are listed in that app)."""

    name: str = ""
    phone: str = ""
    device_id: int | None = None


@dataclass(frozen=True)
class HandOver:
    """A conversation operators take over: from which channel and address, about what (case type),
    to which queue, with what was said before (the bot's or an outside bot's transcript)."""

    channel: Channel
    address: str
    applicant: Applicant
    transcript: tuple[Line, ...]
    case_type_id: int | None = None
    queue_id: int | None = None
    topic: str = ""
    priority: int = 0


@dataclass(frozen=True)
class HandedOver:
    case_id: int
    case_number: str


class Intake(Protocol):
    """Takes a text conversation into the hotline: a case card in the queue with the transcript as its
    conversation; later messages of the address join that case."""

    async def hand_over(self, handover: HandOver) -> HandedOver: ...
