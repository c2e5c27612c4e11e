"""The citizen API's bodies (`/api/citizen/v1`), and the conversation of a case as the operator's card
reads it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, cast

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from c122.api.bounded import Id
from c122.api.schemas.common import Strict
from c122.domain.cases import CaseStatus, StatusChange
from c122.domain.citizen import Media, Message
from c122.services.citizen.chat import CaseConversation
from c122.services.citizen.service import CitizenCase

ChannelName = Literal["app", "sms", "messenger"]
AuthorName = Literal["citizen", "operator", "bot", "system"]
DeliveryName = Literal["queued", "sent", "delivered", "failed"]
MediaKindName = Literal["photo", "voice", "video"]
StatusName = Literal["new", "in_work", "rejected", "completed", "closed_by_user", "registered"]


class DeviceRegisterIn(Strict):
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] = Field(
        description="The citizen's phone number; the one-time code is sent to it."
    )
    platform: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = Field(
        "", description="What the app runs on (android, ios, web): shown to nobody, kept for support."
    )


class DeviceRegisteredOut(BaseModel):
    device_id: int
    phone: str = Field(description="The number as understood (E.164).")
    code_expires_at: datetime
    resend_after_s: int = Field(description="A new code may be asked for after this many seconds.")


class DeviceConfirmIn(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4,8}$")]


class DeviceConfirmedOut(BaseModel):
    device_id: int
    token: str = Field(description="The device token: `Authorization: Bearer <token>`. Shown once.")


class CitizenCaseTypeOut(BaseModel):
    id: int
    name: str
    icon: str


class CitizenLocationIn(Strict):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=100_000, description="Radius of the 68% circle, metres.")
    measured_at: AwareDatetime | None = Field(
        None, description="When the device measured it, with its offset (not in the future)."
    )


class CitizenCaseIn(Strict):
    type_id: Id
    description: Annotated[str, StringConstraints(max_length=4000)] = ""
    location: CitizenLocationIn | None = None


class CitizenLocationOut(BaseModel):
    latitude: float
    longitude: float
    accuracy_m: float | None
    measured_at: datetime | None


class CitizenStatusOut(BaseModel):
    status: StatusName
    status_label: str = Field(description="The status as the hotline names it (Russian).")
    at: datetime


class CitizenMediaOut(BaseModel):
    id: int
    kind: MediaKindName
    content_type: str
    size: int
    created_at: datetime
    exif_latitude: float | None = Field(
        description="Where the photo or video said it was taken (the served file has no EXIF or "
        "location tag)."
    )
    exif_longitude: float | None


class CitizenCaseOut(BaseModel):
    id: int
    name: str
    type_id: int
    type_name: str
    status: StatusName
    status_label: str
    description: str
    location: CitizenLocationOut | None
    created_at: datetime
    updated_at: datetime
    status_history: list[CitizenStatusOut] = Field(description="Oldest first.")
    media: list[CitizenMediaOut] = Field(description="Listed only when one case is read.")


class ChatMessageIn(Strict):
    text: Annotated[str, StringConstraints(max_length=4000)]


class OperatorChatIn(Strict):
    text: Annotated[str, StringConstraints(max_length=4000)]
    channel: ChannelName | None = Field(
        default=None, description="How the answer goes (fig. 30); null: the case's first reply channel."
    )


class ChatMessageOut(BaseModel):
    id: int
    case_id: int
    channel: ChannelName
    author: AuthorName
    author_name: str = Field(description="The operator's name on their messages; empty on the citizen's.")
    text: str
    media_id: int | None
    created_at: datetime
    delivery: DeliveryName | None = Field(
        default=None, description="An answer sent by SMS: where it is (queued = not sent yet)."
    )
    problem: str = Field(default="", description="Why an SMS answer is not sent yet or failed.")


class ChatMessageData(BaseModel):
    """`chat.message`: a message of a case's conversation, to the case's group and its operator."""

    message: ChatMessageOut


class CaseChatOut(BaseModel):
    from_app: bool = Field(description="The case came from the app: the operator can write to the citizen.")
    accuracy_m: float | None
    located_at: datetime | None
    messages: list[ChatMessageOut]
    media: list[CitizenMediaOut]
    reply_channels: list[ChannelName] = Field(
        description="The channels an answer can take now, the default first (empty: none)."
    )


def media_out(media: Media) -> CitizenMediaOut:
    return CitizenMediaOut(
        id=media.id,
        kind=media.kind.value,
        content_type=media.content_type,
        size=media.size,
        created_at=media.created_at,
        exif_latitude=media.exif_latitude,
        exif_longitude=media.exif_longitude,
    )


def message_out(message: Message) -> ChatMessageOut:
    return ChatMessageOut(
        id=message.id,
        case_id=message.case_id,
        channel=message.channel.value,
        author=message.author.value,
        author_name=message.author_name,
        text=message.text,
        media_id=message.media_id,
        created_at=message.created_at,
        delivery=cast(DeliveryName | None, message.delivery),
        problem=message.problem,
    )


def citizen_case_out(view: CitizenCase) -> CitizenCaseOut:
    case = view.case
    details = case.details
    location = None
    if details.latitude is not None and details.longitude is not None:
        location = CitizenLocationOut(
            latitude=details.latitude,
            longitude=details.longitude,
            accuracy_m=view.request.accuracy_m,
            measured_at=view.request.located_at,
        )
    assert case.id is not None
    return CitizenCaseOut(
        id=case.id,
        name=case.name,
        type_id=case.type_id,
        type_name=view.type_name,
        status=case.status.value,
        status_label=case.status.label,
        description=details.description,
        location=location,
        created_at=case.created_at,
        updated_at=case.updated_at,
        status_history=_statuses(case.status_history),
        media=[media_out(m) for m in view.media],
    )


def _statuses(history: tuple[StatusChange, ...]) -> list[CitizenStatusOut]:
    """Status changes only: a row that only set or cleared «Внимание!» is the hotline's business."""
    rows: list[CitizenStatusOut] = []
    last: CaseStatus | None = None
    for change in history:
        if change.status is not last:
            rows.append(
                CitizenStatusOut(status=change.status.value, status_label=change.status.label, at=change.at)
            )
            last = change.status
    return rows


def conversation_out(conversation: CaseConversation) -> CaseChatOut:
    request = conversation.request
    return CaseChatOut(
        from_app=request is not None,
        accuracy_m=request.accuracy_m if request else None,
        located_at=request.located_at if request else None,
        messages=[message_out(m) for m in conversation.messages],
        media=[media_out(m) for m in conversation.media],
        reply_channels=[c.value for c in conversation.reply_channels],
    )
