"""The citizen channels (MM-01, OPS-16): a citizen's device confirmed by a one-time code, the request it
sent, media on it, and the conversation of a case — a thread of messages each of which says by which
channel it came or went (the app today; SMS and messengers reuse the same model).

Pure rules: the one-time code's expiry, attempts and cool-down; what a message may say; what the bytes
of an uploaded file are."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from c122.domain.errors import FieldProblem, InvalidFields, TooManyAttempts


class Channel(StrEnum):
    """How a message reached the case or left it."""

    APP = "app"
    SMS = "sms"
    MESSENGER = "messenger"


class Author(StrEnum):
    CITIZEN = "citizen"
    OPERATOR = "operator"
    BOT = "bot"  # a chat bot's line in a handed-over transcript
    SYSTEM = "system"  # the hotline's own notice (a status change), written by no one


# --- devices and the one-time code ------------------------------------------------------------------


@dataclass(frozen=True)
class CodePolicy:
    """The one-time code: `length` digits, valid `ttl`; `max_attempts` wrong answers lock the device for
    `cooldown`; a new code no sooner than `resend_after` after the last one."""

    length: int = 6
    ttl: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    cooldown: timedelta = timedelta(minutes=15)
    resend_after: timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class Device:
    id: int
    phone: str
    """E.164, the number the code was sent to."""
    platform: str
    created_at: datetime
    code_hash: str = ""
    code_sent_at: datetime | None = None
    code_expires_at: datetime | None = None
    attempts: int = 0
    """Wrong answers to the current code."""
    locked_until: datetime | None = None
    confirmed_at: datetime | None = None
    token_hash: str | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None and self.token_hash is not None


def digest(secret: str, value: str) -> str:
    """What is stored of a code or token: a keyed hash (a stolen table gives neither)."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))


def check_can_send(device: Device, now: datetime, policy: CodePolicy) -> None:
    """A new code is sent no more often than `resend_after`, and not while locked (429)."""
    if device.locked_until is not None and device.locked_until > now:
        raise TooManyAttempts(
            "слишком много неверных кодов: подождите", retry_after=_seconds(device.locked_until, now)
        )
    if device.code_sent_at is not None and now < device.code_sent_at + policy.resend_after:
        raise TooManyAttempts(
            "код уже отправлен: новый можно запросить позже",
            retry_after=_seconds(device.code_sent_at + policy.resend_after, now),
        )


def code_sent(device: Device, code_hash: str, now: datetime, policy: CodePolicy) -> Device:
    return replace(
        device, code_hash=code_hash, code_sent_at=now, code_expires_at=now + policy.ttl, attempts=0
    )


def answer_code(
    device: Device, given_hash: str, token_hash: str, now: datetime, policy: CodePolicy
) -> tuple[Device, bool]:
    """The device after an answer, and whether it was right. Refuses (429) while locked; an expired or
    used code is refused (422) without counting. The `max_attempts`-th wrong answer locks the device
    for `cooldown` and voids the code."""
    if device.locked_until is not None and device.locked_until > now:
        raise TooManyAttempts(
            "слишком много неверных кодов: подождите", retry_after=_seconds(device.locked_until, now)
        )
    if not device.code_hash or device.code_expires_at is None or device.code_expires_at <= now:
        raise InvalidFields(
            [FieldProblem("code", "code_expired", "срок действия кода истёк: запросите новый")]
        )
    if hmac.compare_digest(device.code_hash, given_hash):
        confirmed = replace(
            device,
            code_hash="",
            code_expires_at=None,
            attempts=0,
            locked_until=None,
            confirmed_at=now,
            token_hash=token_hash,
        )
        return confirmed, True
    attempts = device.attempts + 1
    if attempts >= policy.max_attempts:
        return replace(device, attempts=0, code_hash="", locked_until=now + policy.cooldown), False
    return replace(device, attempts=attempts), False


def attempts_left(device: Device, policy: CodePolicy) -> int:
    return max(0, policy.max_attempts - device.attempts)


# --- the request a device sent -----------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where the citizen was, as the device measured it (WGS 84)."""

    latitude: float
    longitude: float
    accuracy_m: float | None = None
    measured_at: datetime | None = None


@dataclass(frozen=True)
class CitizenRequest:
    """A case a device created: which device owns it, and what of its location the case has no column for."""

    case_id: int
    device_id: int
    created_at: datetime
    accuracy_m: float | None = None
    located_at: datetime | None = None


def check_location_time(location: Location, now: datetime, path: str = "location.measured_at") -> None:
    """A measurement from the future (beyond a clock's drift) is refused."""
    if location.measured_at is not None and location.measured_at > now + timedelta(minutes=5):
        raise InvalidFields([FieldProblem(path, "in_future", "время измерения позже текущего")])


# --- media --------------------------------------------------------------------------------------------


class MediaKind(StrEnum):
    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"


@dataclass(frozen=True)
class MediaType:
    content_type: str
    kind: MediaKind
    extension: str


JPEG = MediaType("image/jpeg", MediaKind.PHOTO, "jpg")
PNG = MediaType("image/png", MediaKind.PHOTO, "png")
WEBP = MediaType("image/webp", MediaKind.PHOTO, "webp")
OGG = MediaType("audio/ogg", MediaKind.VOICE, "ogg")
WEBM = MediaType("audio/webm", MediaKind.VOICE, "webm")
M4A = MediaType("audio/mp4", MediaKind.VOICE, "m4a")
MP4 = MediaType("video/mp4", MediaKind.VIDEO, "mp4")
QUICKTIME = MediaType("video/quicktime", MediaKind.VIDEO, "mov")
WEBM_VIDEO = MediaType("video/webm", MediaKind.VIDEO, "webm")
ACCEPTED = (JPEG, PNG, WEBP, OGG, WEBM, M4A, MP4, QUICKTIME, WEBM_VIDEO)

# ISO media (`ftyp`) brands of the MP4 family; `M4A `/`M4B ` say audio, the rest may carry either.
_AUDIO_BRANDS = (b"M4A ", b"M4B ")
_MP4_BRANDS = (
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"MSNV",
    b"dash",
)
_QUICKTIME_BRAND = b"qt  "
# The same container with a picture track or without one: which type each is.
_AS_VIDEO = {M4A: MP4, MP4: MP4, QUICKTIME: QUICKTIME, WEBM: WEBM_VIDEO, WEBM_VIDEO: WEBM_VIDEO}
_AS_SOUND = {M4A: M4A, MP4: M4A, QUICKTIME: M4A, WEBM: WEBM, WEBM_VIDEO: WEBM, OGG: OGG}


def sniff(head: bytes) -> MediaType | None:
    """The type the bytes start as, whatever the sender claimed; None for anything not accepted. A
    container that may hold sound or pictures (MP4, QuickTime, WebM) is only a first guess:
    `by_streams` says what it is once its tracks are read."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AUDIO_BRANDS:
            return M4A
        if brand == _QUICKTIME_BRAND:
            return QUICKTIME
        if brand in _MP4_BRANDS or brand.startswith(b"3g"):
            return MP4
    return None


def by_streams(sniffed: MediaType, *, picture: bool) -> MediaType | None:
    """What a sound-or-picture container is by its tracks: a video with a picture track, else a voice
    note; None for a picture in a container only accepted for sound (Ogg)."""
    if sniffed.kind is MediaKind.PHOTO:
        return sniffed
    return (_AS_VIDEO if picture else _AS_SOUND).get(sniffed)


def describe(head: bytes) -> str:
    """Words for what a refused file looks like (the 415's reason)."""
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1"):
        return "HEIC/HEIF не принимается: отправьте JPEG"
    if head.startswith(b"GIF8"):
        return "GIF не принимается: отправьте JPEG или PNG"
    if head.startswith(b"%PDF"):
        return "это PDF, а не фото, видео или голосовое сообщение"
    if head[4:8] == b"ftyp":
        return f"контейнер MP4 с маркой {head[8:12].decode('latin-1').strip()!r} не принимается"
    return (
        "содержимое файла не похоже ни на фото (JPEG, PNG, WebP), ни на видео (MP4, MOV, WebM), "
        "ни на голосовое сообщение (Ogg, WebM, M4A)"
    )


@dataclass(frozen=True)
class Media:
    id: int
    case_id: int
    device_id: int | None
    kind: MediaKind
    content_type: str
    size: int
    sha256: str
    stored_name: str
    created_at: datetime
    exif_latitude: float | None = None
    exif_longitude: float | None = None


def poster_name(stored_name: str) -> str:
    """Where a video's still is kept, beside the video."""
    return f"{stored_name}.poster.jpg"


# --- the conversation of a case ------------------------------------------------------------------------

MESSAGE_MAX = 4000


@dataclass(frozen=True)
class Message:
    id: int
    case_id: int
    channel: Channel
    author: Author
    text: str
    created_at: datetime
    author_user_id: int | None = None
    author_name: str = ""
    media_id: int | None = None
    sms_id: int | None = None
    """An answer sent by SMS: its outbox row."""
    delivery: str | None = None
    """That SMS's state (queued, sent, delivered, failed); None for any other message."""
    problem: str = ""
    """Why that SMS is not sent yet or failed, as the operator reads it."""


def message_text(text: str, *, media_id: int | None = None) -> str:
    """A message's text, trimmed; empty only with a media item attached."""
    cleaned = text.strip()
    if not cleaned and media_id is None:
        raise InvalidFields([FieldProblem("text", "required", "пустое сообщение")])
    if len(cleaned) > MESSAGE_MAX:
        raise InvalidFields([FieldProblem("text", "too_long", f"не длиннее {MESSAGE_MAX} символов")])
    return cleaned
