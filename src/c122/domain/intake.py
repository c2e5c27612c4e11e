"""What a text channel hands the hotline (OPS-25, MM-02..MM-04): an incoming text from an address of a
channel (a phone number for SMS, a chat id for a messenger), or a conversation a bot hands over with its
transcript. Pure rules: what such a hand-in may carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from c122.domain.cases import ApplicantData
from c122.domain.citizen import MESSAGE_MAX, Channel, Message
from c122.domain.errors import FieldProblem, InvalidFields

ADDRESS_MAX = 64
TRANSCRIPT_MAX = 200


class Speaker(StrEnum):
    """Who said a line of a bot's transcript."""

    CITIZEN = "citizen"
    BOT = "bot"


@dataclass(frozen=True)
class IncomingMedia:
    """A file that came with a text (a photo or a voice note); its type is read from the bytes."""

    content: bytes
    name: str = ""


@dataclass(frozen=True)
class IncomingText:
    channel: Channel
    address: str
    """The sender on that channel: E.164 for SMS, the messenger's chat id."""
    text: str
    media: tuple[IncomingMedia, ...] = ()
    display_name: str = ""
    """How the channel names the sender (a messenger's user name): the new applicant's first name."""


@dataclass(frozen=True)
class TranscriptLine:
    speaker: Speaker
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class Handover:
    """A conversation a bot hands to the operators: who, about what, to which queue, what was said."""

    channel: Channel
    address: str
    applicant: ApplicantData = field(default_factory=ApplicantData)
    case_type_id: int | None = None
    """None: the intake's default type for text requests."""
    queue_id: int | None = None
    """None: the channel's text queue."""
    transcript: tuple[TranscriptLine, ...] = ()
    description: str = ""
    device_id: int | None = None
    """The citizen app's device the conversation came from: a new case becomes that device's request."""


def check_address(address: str) -> str:
    cleaned = address.strip()
    if not cleaned:
        raise InvalidFields([FieldProblem("address", "required", "не указан адрес отправителя")])
    if len(cleaned) > ADDRESS_MAX:
        raise InvalidFields([FieldProblem("address", "too_long", f"адрес длиннее {ADDRESS_MAX} символов")])
    return cleaned


def check_transcript(lines: tuple[TranscriptLine, ...]) -> tuple[TranscriptLine, ...]:
    """Empty lines dropped; too many lines or an over-long one refused (422 naming the line)."""
    if len(lines) > TRANSCRIPT_MAX:
        raise InvalidFields([FieldProblem("transcript", "too_long", f"не больше {TRANSCRIPT_MAX} реплик")])
    for index, line in enumerate(lines):
        if len(line.text) > MESSAGE_MAX:
            raise InvalidFields(
                [FieldProblem(f"transcript[{index}].text", "too_long", f"не длиннее {MESSAGE_MAX} символов")]
            )
    return tuple(line for line in lines if line.text.strip())


@dataclass(frozen=True)
class TextWork:
    """A case whose conversation waits for an operator: the distribution's text work item."""

    case_id: int
    channel: Channel
    queue_id: int | None = None
    """None: the channel's text queue."""
    priority: int = 0
    caller: str = ""
    """The applicant's address, as a waiting call's caller number (the queue log keeps it)."""


@dataclass(frozen=True)
class Delivered:
    """Where a text or a hand-over went: the case, its messages stored now, and whether the case is new."""

    case_id: int
    messages: tuple[Message, ...]
    new_case: bool
