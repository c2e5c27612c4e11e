"""The citizen API's use cases (MM-01): a device registers with a phone number and confirms it with a
one-time code; with its token it creates requests (case cards of source "mobile app"), adds photos and
voice notes to them, reads their status history and chats with the operator. A device sees only its
own requests: another device's case is answered like none at all (404), and the probe is audited.

Limits (429 with Retry-After): requests per address, writes per device, registrations per address and
per phone number, wrong codes per device (then a cool-down)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import TypeVar

from c122.domain.cases import ApplicantData, Case, CaseDetails, CaseSource, new_case, sequence_key
from c122.domain.cases.status import INACTIVE_STATUSES
from c122.domain.citizen import (
    Author,
    Channel,
    CitizenRequest,
    CodePolicy,
    Device,
    Location,
    Media,
    MediaKind,
    MediaType,
    Message,
    answer_code,
    attempts_left,
    check_can_send,
    check_location_time,
    code_sent,
    describe,
    digest,
    message_text,
    poster_name,
    sniff,
)
from c122.domain.clock import Clock
from c122.domain.errors import (
    Conflict,
    FieldProblem,
    InvalidFields,
    NotAuthenticated,
    NotFound,
    TooLarge,
    TooManyAttempts,
    UnsupportedMedia,
)
from c122.domain.intake import TextWork
from c122.domain.organisation import CaseType
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.domain.throttle import FailureThrottle
from c122.services.cases.events import CASE_CREATED, CASE_UPDATED, case_event
from c122.services.citizen.events import chat_message_event
from c122.services.citizen.feed import ChatFeed
from c122.services.citizen.ports import (
    CitizenUnitOfWork,
    CleanMedia,
    MediaCleaner,
    MediaStore,
    OneTimeCodeSender,
)
from c122.services.events import EventPublisher
from c122.services.intake.ports import TextDistribution
from c122.services.ports import UnitOfWorkFactory

_log = logging.getLogger(__name__)
MAX_LISTED = 100
MAX_MESSAGES = 200
MAX_WAIT_SECONDS = 30.0
_K = TypeVar("_K")
_V = TypeVar("_V")
_NAMES = {MediaKind.PHOTO: "фото", MediaKind.VOICE: "голосовое сообщение", MediaKind.VIDEO: "видео"}
MAX_REMEMBERED = 100_000  # devices by token, and requests by device, held in memory


@dataclass(frozen=True)
class CitizenLimits:
    """The citizen API's limits; every one is a setting (docs/channels/citizen-api.md)."""

    requests_per_address_minute: int = 120
    writes_per_device_minute: int = 20
    registrations_per_address_hour: int = 10
    registrations_per_phone_hour: int = 5
    photo_max_bytes: int = 10 * 1024 * 1024
    voice_max_bytes: int = 5 * 1024 * 1024
    video_max_bytes: int = 30 * 1024 * 1024
    voice_max_seconds: int = 300
    video_max_seconds: int = 60
    media_per_case: int = 10
    reads_at_once: int = 8
    code: CodePolicy = field(default_factory=CodePolicy)

    @property
    def upload_max_bytes(self) -> int:
        return max(self.photo_max_bytes, self.voice_max_bytes, self.video_max_bytes)

    def max_bytes(self, kind: MediaKind) -> int:
        return {
            MediaKind.PHOTO: self.photo_max_bytes,
            MediaKind.VOICE: self.voice_max_bytes,
            MediaKind.VIDEO: self.video_max_bytes,
        }[kind]

    def max_seconds(self, kind: MediaKind) -> int | None:
        """How long a file of the kind may play (None: a photo does not play)."""
        return {MediaKind.VOICE: self.voice_max_seconds, MediaKind.VIDEO: self.video_max_seconds}.get(kind)


@dataclass(frozen=True)
class CheckedMedia:
    """An uploaded file whose type and size passed, cleaned for serving, not stored yet."""

    media_type: MediaType
    cleaned: CleanMedia


@dataclass(frozen=True)
class Registration:
    device: Device
    resend_after_s: int


@dataclass(frozen=True)
class CitizenCase:
    """A request as its device sees it: the case's public face, its status history and media."""

    case: Case
    type_name: str
    request: CitizenRequest
    media: list[Media]


def _new_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


class CitizenApp:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CitizenUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        *,
        sender: OneTimeCodeSender,
        store: MediaStore,
        cleaner: MediaCleaner,
        secret: str,
        zone: tzinfo,
        group_id: int | None = None,
        limits: CitizenLimits | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self.sender = sender
        self._store = store
        self._cleaner = cleaner
        self._secret = secret
        self._zone = zone
        self._group_id = group_id
        self.limits = limits or CitizenLimits()
        self._addresses = FailureThrottle(limit=self.limits.requests_per_address_minute, window=60)
        self._devices = FailureThrottle(limit=self.limits.writes_per_device_minute, window=60)
        self._registrations = FailureThrottle(limit=self.limits.registrations_per_address_hour, window=3600)
        self._phones = FailureThrottle(limit=self.limits.registrations_per_phone_hour, window=3600)
        # An open chat screen asks again and again: who the token is, whether the case is its own, what
        # is new. All three are answered from memory once known (a revoked token is dropped at once; a
        # request never changes its device), so a waiting device costs no database read.
        self.feed = ChatFeed()
        self._tokens: OrderedDict[str, Device] = OrderedDict()
        self._owned: OrderedDict[tuple[int, int], None] = OrderedDict()
        # Reads that do reach the database queue here, in memory, rather than for the pool's
        # connections, which the desks and the periodic jobs need too.
        self._reads = asyncio.Semaphore(self.limits.reads_at_once)
        self._distribution: TextDistribution | None = None

    def use_distribution(self, distribution: TextDistribution) -> None:
        """The contact centre: a new request and a message on it are offered to an operator (OPS-25)."""
        self._distribution = distribution

    async def _route(self, case_id: int, device: Device) -> None:
        if self._distribution is None:
            return
        try:
            await self._distribution.route_text(TextWork(case_id, Channel.APP, caller=device.phone))
        except Exception:  # stored all the same: the request waits on the card list
            _log.exception("app request %s could not be queued", case_id)

    # --- rate limits -----------------------------------------------------------------------------

    def count_request(self, address: str) -> None:
        """Every citizen API request from `address`; 429 over the limit."""
        self._count(self._addresses, f"a:{address}", "слишком много запросов с этого адреса")

    def _count_write(self, device: Device) -> None:
        self._count(self._devices, f"d:{device.id}", "слишком много запросов с этого устройства")

    def _count(self, throttle: FailureThrottle, key: str, words: str) -> None:
        now = self._clock.monotonic()
        retry_after = throttle.retry_after(key, now)
        if retry_after:
            raise TooManyAttempts(words, retry_after=retry_after)
        throttle.record_failure(key, now)

    # --- registration ----------------------------------------------------------------------------

    async def register(self, address: str, phone: str, platform: str) -> Registration:
        """A new device for `phone`; the code goes out through the sender."""
        try:
            number = normalize_phone(phone)
        except InvalidPhone as error:
            raise InvalidFields([FieldProblem("phone", "invalid_phone", str(error))]) from error
        self._count(self._registrations, f"r:{address}", "слишком много регистраций с этого адреса")
        self._count(self._phones, f"p:{number}", "слишком много регистраций на этот номер")
        now = self._clock.now()
        code = _new_code(self.limits.code.length)
        async with self._uow() as uow:
            device = Device(id=0, phone=number, platform=platform, created_at=now)
            device = await uow.citizen.add_device(code_sent(device, self._hash(code), now, self.limits.code))
            await uow.commit()
        await self.sender.send(number, code)
        return Registration(device, int(self.limits.code.resend_after.total_seconds()))

    async def resend(self, device_id: int) -> Registration:
        now = self._clock.now()
        code = _new_code(self.limits.code.length)
        async with self._uow() as uow:
            device = await self._pending(uow, device_id)
            check_can_send(device, now, self.limits.code)
            device = code_sent(device, self._hash(code), now, self.limits.code)
            await uow.citizen.save_device(device)
            await uow.commit()
        await self.sender.send(device.phone, code)
        return Registration(device, int(self.limits.code.resend_after.total_seconds()))

    async def confirm(self, device_id: int, code: str) -> tuple[Device, str]:
        """The device and its token (shown once; only its hash is kept). A wrong code: 422 with the
        attempts left; the last allowed wrong one locks the device (429 with Retry-After)."""
        now = self._clock.now()
        token = secrets.token_urlsafe(32)
        async with self._uow() as uow:
            device = await self._pending(uow, device_id)
            after, right = answer_code(
                device, self._hash(code.strip()), self._hash(token), now, self.limits.code
            )
            await uow.citizen.save_device(after)
            await uow.commit()
        if right:
            return after, token
        if after.locked_until is not None:
            retry = int((after.locked_until - now).total_seconds())
            raise TooManyAttempts(
                "слишком много неверных кодов: подождите и запросите новый", retry_after=retry
            )
        left = attempts_left(after, self.limits.code)
        raise InvalidFields([FieldProblem("code", "wrong_code", f"неверный код: осталось попыток {left}")])

    async def _pending(self, uow: CitizenUnitOfWork, device_id: int) -> Device:
        device = await uow.citizen.get_device(device_id)
        if device is None:
            raise NotFound("нет такого устройства", code="unknown_device")
        if device.confirmed:
            raise Conflict("устройство уже подтверждено", code="already_confirmed")
        return device

    async def authenticate(self, token: str) -> Device:
        if not token:
            raise NotAuthenticated("нужен токен устройства")
        token_hash = self._hash(token)
        device = self._tokens.get(token_hash)
        if device is None:
            async with self._reads, self._uow() as uow:
                device = await uow.citizen.device_by_token(token_hash)
            if device is None or not device.confirmed:
                raise NotAuthenticated("токен устройства не действителен")
            _remember(self._tokens, token_hash, device)
        return device

    async def sign_out(self, device: Device) -> None:
        """The device's token stops working at once; the phone registers again to come back."""
        async with self._uow() as uow:
            stored = await uow.citizen.get_device(device.id)
            if stored is not None and stored.token_hash is not None:
                await uow.citizen.save_device(dataclasses.replace(stored, token_hash=None))
            await uow.commit()
        if device.token_hash is not None:
            self._tokens.pop(device.token_hash, None)

    def _hash(self, value: str) -> str:
        return digest(self._secret, value)

    # --- requests --------------------------------------------------------------------------------

    async def case_types(self) -> list[CaseType]:
        async with self._uow() as uow:
            page = await uow.case_types.search("", MAX_LISTED, 0)
        return sorted(page.items, key=lambda t: t.name)

    async def create_case(
        self, device: Device, *, type_id: int, description: str, location: Location | None
    ) -> CitizenCase:
        """A case card of source "mobile app" for the device's phone (the applicant found by that
        number or created with it), in the group that takes app requests."""
        self._count_write(device)
        now = self._clock.now()
        if location is not None:
            check_location_time(location, now)
        async with self._uow() as uow:
            case_type = await uow.case_types.get(type_id)
            if case_type is None:
                raise InvalidFields([FieldProblem("type_id", "not_found", "нет такого повода обращения")])
            applicant = await uow.cases.find_applicant_by_phone(device.phone)
            if applicant is None:
                applicant = await uow.cases.add_applicant(ApplicantData(phones=(device.phone,)), now)
            key = sequence_key(now, self._zone, type_id)
            number = await uow.cases.next_number(key)
            details = CaseDetails(
                description=description.strip(),
                latitude=location.latitude if location else None,
                longitude=location.longitude if location else None,
            )
            case = await uow.cases.add_case(
                new_case(
                    key=key,
                    number=number,
                    type_name=case_type.name,
                    source=CaseSource.MOBILE_APP,
                    created_at=now,
                    by=None,
                    details=details,
                    applicant_id=applicant.id,
                    group_id=await self._group(uow),
                )
            )
            assert case.id is not None
            request = CitizenRequest(
                case_id=case.id,
                device_id=device.id,
                created_at=now,
                accuracy_m=location.accuracy_m if location else None,
                located_at=location.measured_at if location else None,
            )
            await uow.citizen.add_request(request)
            row = await uow.cases.row(case.id)
            assert row is not None
            await uow.commit()
        self._publisher.publish(case_event(CASE_CREATED, row, now))
        await self._route(case.id, device)
        return CitizenCase(case, case_type.name, request, [])

    async def _group(self, uow: CitizenUnitOfWork) -> int | None:
        if self._group_id is not None:
            return self._group_id
        groups = await uow.groups.search("", 1, 0)  # ordered by id: the first group
        return groups.items[0].id if groups.items else None

    async def cases(self, device: Device) -> list[CitizenCase]:
        async with self._uow() as uow:
            found = []
            for request in await uow.citizen.requests_of(device.id, MAX_LISTED):
                case = await uow.cases.get_case(request.case_id)
                if case is not None:
                    found.append(await self._view(uow, case, request, with_media=False))
            return found

    async def case(self, device: Device, case_id: int) -> CitizenCase:
        async with self._own(device, case_id, "view_case") as (uow, case, request):
            return await self._view(uow, case, request, with_media=True)

    @contextlib.asynccontextmanager
    async def _own(
        self, device: Device, case_id: int, wanted: str
    ) -> AsyncIterator[tuple[CitizenUnitOfWork, Case, CitizenRequest]]:
        """The device's own case; another device's case and an unknown id look the same (404), and the
        probe is audited."""
        async with self._uow() as uow:
            request = await uow.citizen.request_of(device.id, case_id)
            case = await uow.cases.get_case(case_id) if request is not None else None
            if request is None or case is None:
                await uow.audit.record(
                    at=self._clock.now(),
                    actor_id=None,
                    action="access_refused",
                    entity="case",
                    entity_id=str(case_id),
                    detail={"wanted": wanted, "code": "not_found", "device_id": device.id},
                )
                await uow.commit()
                raise NotFound("нет такого обращения")
            yield uow, case, request

    async def _view(
        self, uow: CitizenUnitOfWork, case: Case, request: CitizenRequest, *, with_media: bool
    ) -> CitizenCase:
        case_type = await uow.case_types.get(case.type_id)
        media = await uow.citizen.media_of_case(request.case_id) if with_media else []
        return CitizenCase(case, case_type.name if case_type else "", request, media)

    # --- media -----------------------------------------------------------------------------------

    async def add_media(self, device: Device, case_id: int, content: bytes) -> Media:
        """A photo, short video or voice note on the device's own request. Its type is read from the
        bytes and its tracks (415 with the reason otherwise); over the kind's size: 413; playing longer
        than the kind's limit: 422. A photo is stored re-encoded without its metadata, a video remuxed
        without its tags; where either said it was taken is kept as data."""
        self._count_write(device)
        async with self._own(device, case_id, "add_media") as (uow, _case, _request):
            pass  # a stranger's case is refused before its bytes are looked at
        checked = await self.check_media(content)
        async with self._own(device, case_id, "add_media") as (uow, case, _request):
            media, message = await self.keep_media(uow, case_id, checked, Channel.APP, device.id)
            row = await uow.cases.row(case_id)
            await uow.commit()
        self.tell(case, message)
        if row is not None:
            self._publisher.publish(case_event(CASE_UPDATED, row, self._clock.now()))
        return media

    async def check_media(self, content: bytes) -> CheckedMedia:
        """The file's type from its bytes and tracks (415 with the reason otherwise), its kind's size
        limit (413) and duration limit (422), and the file as it will be served. Reading a video's
        packets, remuxing it and cutting its still grow with the file: a worker thread does it, so that
        the node's calls and event streams go on meanwhile (docs/channels/citizen-api.md)."""
        return await asyncio.to_thread(self._checked_media, content)

    def _checked_media(self, content: bytes) -> CheckedMedia:
        sniffed = sniff(content[:32])
        if sniffed is None:
            raise UnsupportedMedia(describe(content[:32]))
        inspected = self._cleaner.inspect(content, sniffed)
        media_type = inspected.media_type
        limit = self.limits.max_bytes(media_type.kind)
        if len(content) > limit:
            raise TooLarge(
                f"{_NAMES[media_type.kind]}: файл больше {limit // 1024} КБ", code="file_too_large"
            )
        longest = self.limits.max_seconds(media_type.kind)
        if longest is not None and inspected.duration_s is not None and inspected.duration_s > longest:
            played = round(inspected.duration_s)
            raise InvalidFields(
                [
                    FieldProblem(
                        "file",
                        "too_long",
                        f"{_NAMES[media_type.kind]} длится {played} с: не дольше {longest} с",
                    )
                ]
            )
        return CheckedMedia(media_type, self._cleaner.clean(content, media_type))

    async def keep_media(
        self,
        uow: CitizenUnitOfWork,
        case_id: int,
        checked: CheckedMedia,
        channel: Channel,
        device_id: int | None,
        by: Author = Author.CITIZEN,
        author_user_id: int | None = None,
        author_name: str = "",
    ) -> tuple[Media, Message]:
        """Stores a checked file on the case and the message that carries it — the citizen's, or `by`
        an operator (409 over the case's media limit); the caller commits."""
        await self.check_room(uow, case_id)
        now = self._clock.now()
        content = checked.cleaned.content
        name = f"{case_id}/{secrets.token_hex(8)}.{checked.media_type.extension}"
        self._store.put(name, content)
        if checked.cleaned.poster is not None:
            self._store.put(poster_name(name), checked.cleaned.poster)
        media = await uow.citizen.add_media(
            Media(
                id=0,
                case_id=case_id,
                device_id=device_id,
                kind=checked.media_type.kind,
                content_type=checked.media_type.content_type,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
                stored_name=name,
                created_at=now,
                exif_latitude=checked.cleaned.latitude,
                exif_longitude=checked.cleaned.longitude,
            )
        )
        message = await uow.citizen.add_message(
            Message(
                0,
                case_id,
                channel,
                by,
                "",
                now,
                author_user_id=author_user_id,
                author_name=author_name,
                media_id=media.id,
            )
        )
        return media, message

    async def check_room(self, uow: CitizenUnitOfWork, case_id: int) -> None:
        """409 `too_many_media` when the case has its limit of files."""
        if len(await uow.citizen.media_of_case(case_id)) >= self.limits.media_per_case:
            raise Conflict(
                f"к обращению можно приложить не больше {self.limits.media_per_case} файлов",
                code="too_many_media",
            )

    async def media_file(
        self, device: Device, case_id: int, media_id: int, *, poster: bool = False
    ) -> tuple[Media, Path]:
        async with self._own(device, case_id, "view_media") as (uow, _case, _request):
            media = await uow.citizen.get_media(media_id)
        return self.file_of(media, case_id, poster=poster)

    def file_of(self, media: Media | None, case_id: int, *, poster: bool = False) -> tuple[Media, Path]:
        """The kept file of a case's media item, or with `poster` a video's still (404 `no_poster` for
        anything else, or a video none was taken of)."""
        if media is None or media.case_id != case_id:
            raise NotFound("нет такого файла")
        if poster:
            path = self._store.path(poster_name(media.stored_name)) if media.kind is MediaKind.VIDEO else None
            if path is None:
                raise NotFound("у этого файла нет кадра для показа", code="no_poster")
            return media, path
        path = self._store.path(media.stored_name)
        if path is None:
            raise NotFound("файл не найден в хранилище", code="file_gone")
        return media, path

    # --- the conversation ------------------------------------------------------------------------

    async def send_message(self, device: Device, case_id: int, text: str) -> Message:
        """A message from the citizen. A closed case (completed, rejected, closed) takes none: 409
        `case_closed` — the app offers a new request instead (docs/channels/citizen-api.md)."""
        self._count_write(device)
        cleaned = message_text(text)
        now = self._clock.now()
        async with self._own(device, case_id, "send_message") as (uow, case, _request):
            if case.status in INACTIVE_STATUSES:
                raise Conflict(
                    f"обращение закрыто («{case.status.label}»): создайте новое обращение",
                    code="case_closed",
                )
            message = await uow.citizen.add_message(
                Message(0, case_id, Channel.APP, Author.CITIZEN, cleaned, now)
            )
            await uow.commit()
        self.tell(case, message)
        await self._route(case_id, device)
        return message

    async def messages(self, device: Device, case_id: int, after_id: int, wait_s: float) -> list[Message]:
        """The case's messages after `after_id`; with `wait_s`, waits up to that long for one (long poll).
        A poll at the newest message of a case the device is known to own waits without reading, and
        wakes with the message itself."""
        # Listening before the read: a message stored after it is handed to this poll.
        with self.feed.waiting(case_id, after_id) as waiter:
            owned = (device.id, case_id) in self._owned
            if not owned or not self.feed.nothing_after(case_id, after_id):
                found = await self._read(device, case_id, after_id, owned=owned)
                if found:
                    return found
            if wait_s > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.arrived.wait(), min(wait_s, MAX_WAIT_SECONDS))
            return sorted(waiter.messages, key=lambda m: m.id)

    async def _read(self, device: Device, case_id: int, after_id: int, *, owned: bool) -> list[Message]:
        """The messages after `after_id`; the device's ownership of the case proved in the same
        transaction when not yet known (404 otherwise), then remembered (a request keeps its device):
        a chat screen opening costs one transaction."""
        async with self._reads:
            if owned:
                async with self._uow() as uow:
                    found = await uow.citizen.messages(case_id, after_id, MAX_MESSAGES)
            else:
                async with self._own(device, case_id, "view_messages") as (uow, _case, _request):
                    found = await uow.citizen.messages(case_id, after_id, MAX_MESSAGES)
                _remember(self._owned, (device.id, case_id), None)
        self.feed.read(case_id, after_id, found, complete=len(found) < MAX_MESSAGES)
        return found

    async def follow(
        self, device: Device, case_id: int, after_id: int, heartbeat_s: float
    ) -> AsyncIterator[list[Message]]:
        """The conversation as a stream: what is stored after `after_id`, then each message as it comes;
        an empty batch every `heartbeat_s` of quiet (the connection is alive). Ends, sending nothing
        more, once the device's token is revoked. Only the first batch may read the database (another
        device's case: 404 there), and it does not wait: the stream opens at once."""
        wait_s = 0.0
        while True:
            found = await self.messages(device, case_id, after_id, wait_s)
            wait_s = heartbeat_s
            if device.token_hash is None or device.token_hash not in self._tokens:
                return  # signed out meanwhile: nothing more goes to it
            after_id = max([after_id, *(m.id for m in found)])
            yield found

    def tell(self, case: Case, message: Message) -> None:
        """The operators of the case see it live; a device waiting on the case gets it."""
        self._publisher.publish(chat_message_event(case, message))
        self.feed.add(message)  # as the bus's subscriber does: a bus without it still wakes the app


def _remember(memory: OrderedDict[_K, _V], key: _K, value: _V) -> None:
    memory[key] = value
    memory.move_to_end(key)
    while len(memory) > MAX_REMEMBERED:
        memory.popitem(last=False)
