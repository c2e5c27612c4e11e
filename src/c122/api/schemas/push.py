"""Push to the citizen app and broadcasts to its users: the bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from c122.api.bounded import Id
from c122.api.schemas.common import Strict
from c122.domain.push import MAX_REGION, MAX_TEXT, MAX_TITLE, MAX_TOPICS, Broadcast, PushSubscription
from c122.services.push.ports import Delivery


class PushKeyOut(BaseModel):
    application_server_key: str = Field(
        description="The VAPID public key (base64url): `pushManager.subscribe({applicationServerKey})`."
    )
    kinds: list[Literal["web", "native"]] = Field(description="The kinds of subscription this server takes.")


class WebPushKeysIn(Strict):
    p256dh: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    auth: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PushSubscriptionIn(Strict):
    kind: Literal["web", "native"] = "web"
    endpoint: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] = Field(
        description="Web: the subscription's endpoint URL. Native: the FCM or RuStore token."
    )
    keys: WebPushKeysIn | None = Field(None, description="Web: the subscription's keys (`toJSON().keys`).")
    region: Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_REGION)] = Field(
        "", description="The region the citizen wants broadcasts of (empty: none chosen)."
    )
    topics: list[Id] = Field(
        default_factory=list, max_length=MAX_TOPICS, description="Case type ids; empty: every topic."
    )


class PushSubscriptionOut(BaseModel):
    id: int
    kind: Literal["web", "native"]
    endpoint: str
    region: str
    topics: list[int]
    created_at: datetime | None


def subscription_out(sub: PushSubscription) -> PushSubscriptionOut:
    return PushSubscriptionOut(
        id=sub.id,
        kind=sub.kind.value,
        endpoint=sub.endpoint,
        region=sub.region,
        topics=list(sub.topics),
        created_at=sub.created_at,
    )


class DeliveryOut(BaseModel):
    subscription_id: int
    kind: Literal["status", "message", "broadcast"]
    state: Literal["delivered", "gone", "failed"]
    status_code: int | None
    reason: str
    case_id: int | None
    broadcast_id: int | None
    at: datetime


def delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        subscription_id=d.subscription_id,
        kind=d.kind.value,
        state=d.state.value,
        status_code=d.status_code,
        reason=d.reason,
        case_id=d.case_id,
        broadcast_id=d.broadcast_id,
        at=d.at,
    )


class AppBroadcastIn(Strict):
    title: Annotated[str, StringConstraints(max_length=MAX_TITLE * 2)]
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT * 2)]
    region: Annotated[str, StringConstraints(max_length=MAX_REGION * 2)] = Field(
        "", description="Only devices that chose this region (empty: every device)."
    )
    topic_id: Id | None = Field(None, description="Only devices that chose this case type.")


class NewsOut(BaseModel):
    """A broadcast as the app shows it."""

    id: int
    title: str
    text: str
    created_at: datetime


class AppBroadcastOut(NewsOut):
    region: str
    topic_id: int | None
    author_name: str
    recipients: int = Field(description="Subscriptions it was sent to.")
    delivered: int
    failed: int
    opened: int = Field(description="Devices that opened it.")
    finished_at: datetime | None = Field(description="None while it is being sent.")


def news_out(b: Broadcast) -> NewsOut:
    return NewsOut(id=b.id, title=b.title, text=b.text, created_at=b.created_at)


def broadcast_out(b: Broadcast) -> AppBroadcastOut:
    return AppBroadcastOut(
        id=b.id,
        title=b.title,
        text=b.text,
        created_at=b.created_at,
        region=b.audience.region,
        topic_id=b.audience.topic_id,
        author_name=b.author_name,
        recipients=b.recipients,
        delivered=b.delivered,
        failed=b.failed,
        opened=b.opened,
        finished_at=b.finished_at,
    )
