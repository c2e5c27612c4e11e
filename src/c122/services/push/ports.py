"""What push needs: the subscriptions, deliveries and broadcasts in storage; a sender per kind of
subscription (Web Push, a native push service); the device a case's request came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.push import Audience, Broadcast, DeliveryState, PushKind, PushSubscription
from c122.services.accounts.ports import UserRepository
from c122.services.ports import UnitOfWork


@dataclass(frozen=True)
class Outcome:
    """What the push service answered: the state kept for the delivery, its HTTP status, why."""

    state: DeliveryState
    status_code: int | None = None
    reason: str = ""


class PushSender(Protocol):
    """Delivers one payload to one subscription. Never raises for what the push service answers: a
    404/410 is `gone`, anything else not accepted is `failed` with the reason."""

    async def send(self, subscription: PushSubscription, payload: bytes, ttl_s: int) -> Outcome: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Delivery:
    subscription_id: int
    device_id: int
    kind: PushKind
    state: DeliveryState
    at: datetime
    status_code: int | None = None
    reason: str = ""
    case_id: int | None = None
    broadcast_id: int | None = None


class PushRepository(Protocol):
    async def save_subscription(self, subscription: PushSubscription) -> PushSubscription:
        """Stores it, replacing the subscription with the same endpoint (a browser re-subscribing)."""
        ...

    async def subscriptions_of(self, device_id: int) -> list[PushSubscription]: ...

    async def drop_subscriptions(self, ids: Sequence[int]) -> None: ...

    async def subscriptions_page(self, after_id: int, limit: int) -> list[PushSubscription]:
        """Every subscription with an id above `after_id`, by id (a broadcast walks them in pages)."""
        ...

    async def add_deliveries(self, deliveries: Sequence[Delivery]) -> None: ...

    async def deliveries_of_device(self, device_id: int, limit: int) -> list[Delivery]:
        """Newest first."""
        ...

    async def device_of_case(self, case_id: int) -> int | None:
        """The device whose request the case is; None for a case that did not come from the app."""
        ...

    async def add_broadcast(self, broadcast: Broadcast) -> Broadcast: ...

    async def finish_broadcast(
        self, broadcast_id: int, recipients: int, delivered: int, failed: int, at: datetime
    ) -> None: ...

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None: ...

    async def broadcasts(self, limit: int) -> list[Broadcast]:
        """Newest first, with their opened counts."""
        ...

    async def mark_opened(self, broadcast_id: int, device_id: int, at: datetime) -> bool:
        """False when the device had already opened it."""
        ...


class PushUnitOfWork(UnitOfWork, Protocol):
    @property
    def push(self) -> PushRepository: ...

    @property
    def users(self) -> UserRepository: ...


__all__ = ["Audience", "Delivery", "Outcome", "PushRepository", "PushSender", "PushUnitOfWork"]
