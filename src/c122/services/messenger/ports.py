"""The messenger channel's port: one bot of one messenger platform (Telegram today; a VK or MAX bot is
another adapter of the same Protocol), what an incoming update means, and what the channel keeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from c122.domain.citizen import MediaKind
from c122.domain.intake import IncomingText
from c122.domain.organisation import Queue
from c122.services.citizen.ports import CitizenUnitOfWork
from c122.services.ports import EntityRepository


@dataclass(frozen=True)
class IncomingFile:
    """A photo or voice message the platform holds; `size` as the platform announced it (may be None)."""

    file_id: str
    kind: MediaKind
    size: int | None


@dataclass(frozen=True)
class Incoming:
    """A citizen's message as the channel needs it, whatever the platform's update looked like."""

    update_id: int
    chat_id: str
    name: str
    text: str
    file: IncomingFile | None = None


class MessengerUnavailable(Exception):
    """The platform did not answer or refused the call; the message says what it answered."""


class FileTooLarge(Exception):
    """The file is over the size the channel takes; nothing of it was stored."""


class MessengerBot(Protocol):
    platform: str
    """The platform's name as stored: telegram, vk, max."""

    def parse(self, update: Mapping[str, Any]) -> Incoming | None:
        """The citizen's message in the update; None for updates that carry none (edits, joins, …).
        Raises ValueError for a body that is not an update of this platform."""
        ...

    async def send_text(self, chat_id: str, text: str, choices: Sequence[str] = ()) -> None:
        """Sends text; `choices` become buttons that answer with their own text."""
        ...

    async def send_photo(self, chat_id: str, content: bytes, caption: str = "") -> None: ...

    async def download(self, file: IncomingFile, max_bytes: int) -> bytes:
        """The file's bytes; FileTooLarge when it is (or turns out to be) over `max_bytes`."""
        ...

    async def whoami(self) -> str:
        """The bot's own name on the platform (the health check); MessengerUnavailable otherwise."""
        ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class MessengerChat:
    platform: str
    chat_id: str
    name: str
    case_id: int | None
    updated_at: datetime


class MessengerRepository(Protocol):
    async def take_update(self, platform: str, update_id: int, now: datetime) -> bool:
        """Remembers the update; False when it was taken before (a replay)."""
        ...

    async def chat(self, platform: str, chat_id: str) -> MessengerChat | None: ...

    async def save_chat(self, chat: MessengerChat) -> None: ...


class TextIntake(Protocol):
    """The hotline's intake of texts (services/intake): a message of a chat with an open case joins
    its conversation; raises TooLarge, UnsupportedMedia or InvalidFields, storing nothing."""

    async def deliver(self, incoming: IncomingText) -> object: ...


class MessengerUnitOfWork(CitizenUnitOfWork, Protocol):
    @property
    def messenger(self) -> MessengerRepository: ...

    @property
    def queues(self) -> EntityRepository[Queue]: ...
