"""Push to the citizen app in SQL (tables/push.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.push import Audience, Broadcast, DeliveryState, PushKind, PushSubscription, SubscriptionKind
from c122.persistence.tables.citizen import citizen_requests
from c122.persistence.tables.push import (
    app_broadcast_opens,
    app_broadcasts,
    push_deliveries,
    push_subscriptions,
)
from c122.services.push.ports import Delivery


def _subscription(row: Row[Any]) -> PushSubscription:
    values = dict(row._mapping)
    topics = tuple(int(t) for t in values.pop("topics").split(",") if t)
    return PushSubscription(**{**values, "kind": SubscriptionKind(values["kind"]), "topics": topics})


def _delivery(row: Row[Any]) -> Delivery:
    values = dict(row._mapping)
    del values["id"]
    return Delivery(**{**values, "kind": PushKind(values["kind"]), "state": DeliveryState(values["state"])})


_OPENED = (
    select(func.count())
    .where(app_broadcast_opens.c.broadcast_id == app_broadcasts.c.id)
    .scalar_subquery()
    .label("opened")
)


def _broadcast(row: Row[Any]) -> Broadcast:
    values = dict(row._mapping)
    audience = Audience(values.pop("region"), values.pop("topic_id"))
    return Broadcast(**values, audience=audience)


class SqlPushRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def save_subscription(self, subscription: PushSubscription) -> PushSubscription:
        values = {k: v for k, v in asdict(subscription).items() if k != "id"}
        values["kind"] = subscription.kind.value
        values["topics"] = ",".join(str(t) for t in subscription.topics)
        # A browser that subscribes again keeps its endpoint: the newer keys and choices replace the old.
        await self._db.execute(
            delete(push_subscriptions).where(push_subscriptions.c.endpoint == subscription.endpoint)
        )
        result = await self._db.execute(insert(push_subscriptions).values(**values))
        assert result.inserted_primary_key is not None
        row = (
            await self._db.execute(
                select(push_subscriptions).where(push_subscriptions.c.id == result.inserted_primary_key[0])
            )
        ).one()
        return _subscription(row)

    async def subscriptions_of(self, device_id: int) -> list[PushSubscription]:
        rows = await self._db.execute(
            select(push_subscriptions)
            .where(push_subscriptions.c.device_id == device_id)
            .order_by(push_subscriptions.c.id)
        )
        return [_subscription(row) for row in rows]

    async def drop_subscriptions(self, ids: Sequence[int]) -> None:
        await self._db.execute(delete(push_subscriptions).where(push_subscriptions.c.id.in_(list(ids))))

    async def subscriptions_page(self, after_id: int, limit: int) -> list[PushSubscription]:
        rows = await self._db.execute(
            select(push_subscriptions)
            .where(push_subscriptions.c.id > after_id)
            .order_by(push_subscriptions.c.id)
            .limit(limit)
        )
        return [_subscription(row) for row in rows]

    async def add_deliveries(self, deliveries: Sequence[Delivery]) -> None:
        if not deliveries:
            return
        rows = [{**asdict(d), "kind": d.kind.value, "state": d.state.value} for d in deliveries]
        await self._db.execute(insert(push_deliveries), rows)

    async def deliveries_of_device(self, device_id: int, limit: int) -> list[Delivery]:
        rows = await self._db.execute(
            select(push_deliveries)
            .where(push_deliveries.c.device_id == device_id)
            .order_by(push_deliveries.c.id.desc())
            .limit(limit)
        )
        return [_delivery(row) for row in rows]

    async def device_of_case(self, case_id: int) -> int | None:
        found = (
            await self._db.execute(
                select(citizen_requests.c.device_id).where(citizen_requests.c.case_id == case_id)
            )
        ).scalar()
        return int(found) if found is not None else None

    async def add_broadcast(self, broadcast: Broadcast) -> Broadcast:
        result = await self._db.execute(
            insert(app_broadcasts).values(
                title=broadcast.title,
                text=broadcast.text,
                region=broadcast.audience.region,
                topic_id=broadcast.audience.topic_id,
                author_id=broadcast.author_id,
                author_name=broadcast.author_name,
                created_at=broadcast.created_at,
            )
        )
        assert result.inserted_primary_key is not None
        found = await self.get_broadcast(int(result.inserted_primary_key[0]))
        assert found is not None
        return found

    async def finish_broadcast(
        self, broadcast_id: int, recipients: int, delivered: int, failed: int, at: datetime
    ) -> None:
        await self._db.execute(
            update(app_broadcasts)
            .where(app_broadcasts.c.id == broadcast_id)
            .values(recipients=recipients, delivered=delivered, failed=failed, finished_at=at)
        )

    async def get_broadcast(self, broadcast_id: int) -> Broadcast | None:
        row = (
            await self._db.execute(select(app_broadcasts, _OPENED).where(app_broadcasts.c.id == broadcast_id))
        ).first()
        return _broadcast(row) if row is not None else None

    async def broadcasts(self, limit: int) -> list[Broadcast]:
        rows = await self._db.execute(
            select(app_broadcasts, _OPENED).order_by(app_broadcasts.c.id.desc()).limit(limit)
        )
        return [_broadcast(row) for row in rows]

    async def mark_opened(self, broadcast_id: int, device_id: int, at: datetime) -> bool:
        seen = (
            await self._db.execute(
                select(app_broadcast_opens.c.at).where(
                    app_broadcast_opens.c.broadcast_id == broadcast_id,
                    app_broadcast_opens.c.device_id == device_id,
                )
            )
        ).first()
        if seen is not None:
            return False
        await self._db.execute(
            insert(app_broadcast_opens).values(broadcast_id=broadcast_id, device_id=device_id, at=at)
        )
        return True
