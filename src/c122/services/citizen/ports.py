"""What the citizen API needs: its devices, requests, media and conversations in storage; the way a
one-time code reaches a phone; where media files are kept and how a photo is cleaned; the case cards
(through the cases feature's ports); and the check that an operator may see a case."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from c122.domain.cases import Case
from c122.domain.citizen import CitizenRequest, Device, Media, MediaType, Message
from c122.domain.organisation import CaseType, Group
from c122.domain.users import Actor
from c122.services.accounts.ports import UserRepository
from c122.services.cases.ports import CaseRepository
from c122.services.ports import EntityRepository, UnitOfWork


class OneTimeCodeSender(Protocol):
    """Delivers a confirmation code to a phone number (SMS in production; a log line in development)."""

    async def send(self, phone: str, code: str) -> None: ...


class CitizenRepository(Protocol):
    async def add_device(self, device: Device) -> Device:
        """Stores a new device; returns it with its id."""
        ...

    async def get_device(self, device_id: int) -> Device | None: ...

    async def device_by_token(self, token_hash: str) -> Device | None: ...

    async def save_device(self, device: Device) -> None: ...

    async def add_request(self, request: CitizenRequest) -> None: ...

    async def request_of(self, device_id: int, case_id: int) -> CitizenRequest | None:
        """The device's own request for the case; None for another device's case or none at all."""
        ...

    async def requests_of(self, device_id: int, limit: int) -> list[CitizenRequest]:
        """Newest first."""
        ...

    async def request_for_case(self, case_id: int) -> CitizenRequest | None: ...

    async def add_media(self, media: Media) -> Media: ...

    async def media_of_case(self, case_id: int) -> list[Media]: ...

    async def get_media(self, media_id: int) -> Media | None: ...

    async def add_message(self, message: Message) -> Message:
        """Appends to the case's conversation (opened on its first message); returns it with its id."""
        ...

    async def messages(self, case_id: int, after_id: int, limit: int) -> list[Message]:
        """The case's messages with ids above `after_id`, oldest first."""
        ...


class CitizenUnitOfWork(UnitOfWork, Protocol):
    @property
    def citizen(self) -> CitizenRepository: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def case_types(self) -> EntityRepository[CaseType]: ...

    @property
    def groups(self) -> EntityRepository[Group]: ...

    @property
    def users(self) -> UserRepository: ...


@dataclass(frozen=True)
class Inspected:
    """What a file's container says of it: its type by its tracks (a video or a voice note) and how
    long it plays (None for a photo)."""

    media_type: MediaType
    duration_s: float | None = None


@dataclass(frozen=True)
class CleanMedia:
    """A file as it is served: a photo re-encoded without its metadata, a video remuxed without its
    container's tags; where the photo or video said it was taken (EXIF GPS, MP4 `©xyz`/`location`)
    kept as data, and for a video a still to show before it plays (JPEG; None if none decodes)."""

    content: bytes
    latitude: float | None = None
    longitude: float | None = None
    poster: bytes | None = None


class MediaCleaner(Protocol):
    def inspect(self, content: bytes, sniffed: MediaType) -> Inspected:
        """Raises UnsupportedMedia when the bytes do not open as the container they start as."""
        ...

    def clean(self, content: bytes, media_type: MediaType) -> CleanMedia:
        """Raises UnsupportedMedia when the bytes start like an accepted type but do not decode."""
        ...


class MediaStore(Protocol):
    def put(self, name: str, content: bytes) -> None: ...

    def path(self, name: str) -> Path | None:
        """The stored file, or None when it is gone."""
        ...


class CaseAccess(Protocol):
    """Implemented by the cases feature: raises NotFound (audited) unless `actor` may see the case, and
    Forbidden unless they work on cards when `write`."""

    async def check(self, actor: Actor, case_id: int, *, write: bool) -> None: ...

    async def check_case(self, actor: Actor, case_id: int, case: Case | None, *, write: bool) -> Case:
        """As `check`, for the case (None: there is none) the caller has just read in its own
        transaction: no read of its own. Returns the case."""
        ...
