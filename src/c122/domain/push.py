"""Push to the citizen app (MM-05) and broadcasts to app users (OPS-30).

A device's subscription is either a Web Push one (RFC 8030: the browser's push service endpoint and the
keys the message is encrypted to, RFC 8291) or a native one (a token of FCM or RuStore, delivered
through the region's push service). What a push says is a small JSON document the app's service worker
shows; each delivery attempt's outcome is kept. A broadcast goes to every subscribed device, or to those
of a region or a topic (a case type) the citizen chose when opting in.

Pure rules: what a subscription must hold, what a broadcast may say, what a push payload is."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from c122.domain.errors import FieldProblem, InvalidFields

MAX_TITLE = 120
MAX_TEXT = 1000
MAX_REGION = 64
MAX_TOPICS = 50
# RFC 8030 push services accept at least 4096 bytes of payload; the encryption adds 86 bytes or so.
MAX_PAYLOAD_BYTES = 3800


class SubscriptionKind(StrEnum):
    WEB = "web"
    """Web Push: an endpoint URL and the keys p256dh/auth."""
    NATIVE = "native"
    """A token of the native push service (FCM, RuStore) the region's app registered with."""


class DeliveryState(StrEnum):
    DELIVERED = "delivered"
    """The push service took the message (201/202)."""
    GONE = "gone"
    """The service says the subscription no longer exists (404/410): it was dropped."""
    FAILED = "failed"
    """Any other answer, or no answer: kept with the reason."""


@dataclass(frozen=True)
class PushSubscription:
    id: int
    device_id: int
    kind: SubscriptionKind
    endpoint: str
    """Web: the push service URL. Native: the device's token."""
    p256dh: str = ""
    auth: str = ""
    region: str = ""
    topics: tuple[int, ...] = ()
    """Case type ids the citizen wants broadcasts on; none: every topic."""
    created_at: datetime | None = None


def check_subscription(sub: PushSubscription) -> PushSubscription:
    """422 with the field at fault: a web subscription needs an https (or loopback http) endpoint and
    both keys; a native one a token."""
    problems: list[FieldProblem] = []
    if sub.kind is SubscriptionKind.WEB:
        parts = urlsplit(sub.endpoint)
        loopback = parts.hostname in {"127.0.0.1", "localhost", "::1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            problems.append(FieldProblem("endpoint", "invalid_endpoint", "нужен адрес https службы push"))
        if not sub.p256dh or not sub.auth:
            problems.append(FieldProblem("keys", "missing_keys", "нужны ключи p256dh и auth подписки"))
    elif not sub.endpoint.strip():
        problems.append(FieldProblem("endpoint", "missing_token", "нужен токен службы push"))
    if len(sub.region) > MAX_REGION:
        problems.append(FieldProblem("region", "too_long", f"не длиннее {MAX_REGION} символов"))
    if len(sub.topics) > MAX_TOPICS:
        problems.append(FieldProblem("topics", "too_many", f"не больше {MAX_TOPICS} тем"))
    if problems:
        raise InvalidFields(problems)
    return sub


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: every subscribed device, or those of `region` and/or `topic_id`."""

    region: str = ""
    topic_id: int | None = None

    def takes(self, sub: PushSubscription) -> bool:
        if self.region and sub.region.casefold() != self.region.casefold():
            return False
        return self.topic_id is None or not sub.topics or self.topic_id in sub.topics


@dataclass(frozen=True)
class Broadcast:
    id: int
    title: str
    text: str
    audience: Audience
    author_id: int
    author_name: str
    created_at: datetime
    recipients: int = 0
    """Subscriptions it was sent to."""
    delivered: int = 0
    failed: int = 0
    opened: int = 0
    """Devices that opened it (from the notification or the app's list)."""
    finished_at: datetime | None = None


def check_broadcast(title: str, text: str, region: str) -> tuple[str, str, str]:
    title, text, region = title.strip(), text.strip(), region.strip()
    problems: list[FieldProblem] = []
    if not title:
        problems.append(FieldProblem("title", "required", "заполните заголовок"))
    elif len(title) > MAX_TITLE:
        problems.append(FieldProblem("title", "too_long", f"заголовок не длиннее {MAX_TITLE} символов"))
    if not text:
        problems.append(FieldProblem("text", "required", "заполните текст рассылки"))
    elif len(text) > MAX_TEXT:
        problems.append(FieldProblem("text", "too_long", f"текст не длиннее {MAX_TEXT} символов"))
    if len(region) > MAX_REGION:
        problems.append(FieldProblem("region", "too_long", f"не длиннее {MAX_REGION} символов"))
    if problems:
        raise InvalidFields(problems)
    return title, text, region


class PushKind(StrEnum):
    STATUS = "status"
    MESSAGE = "message"
    BROADCAST = "broadcast"


@dataclass(frozen=True)
class PushMessage:
    """What the app's service worker shows; `url` is the app screen a tap opens."""

    kind: PushKind
    title: str
    body: str
    url: str
    case_id: int | None = None
    broadcast_id: int | None = None

    def payload(self) -> bytes:
        data: dict[str, Any] = {"kind": self.kind.value, "title": self.title, "body": self.body}
        data["url"] = self.url
        if self.case_id is not None:
            data["case_id"] = self.case_id
        if self.broadcast_id is not None:
            data["broadcast_id"] = self.broadcast_id
        encoded = json.dumps(data, ensure_ascii=False).encode()
        if len(encoded) > MAX_PAYLOAD_BYTES:  # cut the body, never the structure
            over = len(encoded) - MAX_PAYLOAD_BYTES
            cut = self.body.encode()[: max(0, len(self.body.encode()) - over - 3)].decode(errors="ignore")
            return PushMessage(
                self.kind, self.title, cut + "…", self.url, self.case_id, self.broadcast_id
            ).payload()
        return encoded


def status_push(case_id: int, number_label: str, status_label: str) -> PushMessage:
    return PushMessage(
        PushKind.STATUS,
        f"Обращение {number_label}",
        f"Новый статус: {status_label}",
        f"/app/cases/{case_id}",
        case_id=case_id,
    )


def message_push(case_id: int, number_label: str, text: str) -> PushMessage:
    return PushMessage(
        PushKind.MESSAGE,
        f"Ответ по обращению {number_label}",
        text or "Оператор прислал сообщение",
        f"/app/cases/{case_id}/chat",
        case_id=case_id,
    )


def broadcast_push(broadcast: Broadcast) -> PushMessage:
    return PushMessage(
        PushKind.BROADCAST,
        broadcast.title,
        broadcast.text,
        f"/app/news/{broadcast.id}",
        broadcast_id=broadcast.id,
    )
