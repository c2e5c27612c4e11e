"""Push to the citizen app (MM-05) and broadcasts to its users (OPS-30).

A device opts in with a subscription (Web Push or a native token). A status change of its request and
an operator's answer in its chat push to it; a senior or an administrator broadcasts a title and text to
every subscribed device or those of a region or topic. Every attempt's outcome is stored; a subscription
the push service says is gone (404/410) is dropped. A broadcast is stored at once and sent in the
background, page by page of subscriptions with a bounded number of requests in flight; its counts of
delivered, failed and opened are kept with it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, Forbidden, NotFound
from c122.domain.push import (
    Audience,
    Broadcast,
    DeliveryState,
    PushMessage,
    PushSubscription,
    SubscriptionKind,
    broadcast_push,
    check_broadcast,
    check_subscription,
)
from c122.domain.users import Actor, Role
from c122.services.ports import UnitOfWorkFactory
from c122.services.push.ports import Delivery, Outcome, PushSender, PushUnitOfWork
from c122.services.push.recipients import Recipients

_log = logging.getLogger(__name__)
PAGE = 1000
PAGES_IN_FLIGHT = 2  # the next page's sends start while the last page's slowest ones finish
MAX_LISTED = 100
CASE_TTL_S = 24 * 3600
BROADCAST_TTL_S = 3 * 24 * 3600


class AppPush:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[PushUnitOfWork],
        clock: Clock,
        senders: Mapping[SubscriptionKind, PushSender],
        *,
        public_key: str,
        concurrency: int = 200,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._senders = senders
        self.public_key = public_key
        """The VAPID application server key (base64url, uncompressed P-256) a browser subscribes with."""
        self._slots = asyncio.Semaphore(concurrency)
        self._running: set[asyncio.Task[object]] = set()
        self._recipients = Recipients()

    @property
    def kinds(self) -> frozenset[SubscriptionKind]:
        """The kinds of subscription this server can deliver to."""
        return frozenset(self._senders)

    # --- subscriptions ---------------------------------------------------------------------------

    async def subscribe(self, device_id: int, subscription: PushSubscription) -> PushSubscription:
        sub = check_subscription(replace(subscription, device_id=device_id, created_at=self._clock.now()))
        if sub.kind not in self._senders:
            raise Conflict("этот сервер не отправляет push такого вида", code="push_kind_unavailable")
        async with self._uow() as uow:
            saved = await uow.push.save_subscription(sub)
            await uow.commit()
        self._recipients.forget([device_id, *self._recipients.holders_of(sub.endpoint)])
        return saved

    async def subscriptions(self, device_id: int) -> list[PushSubscription]:
        async with self._uow() as uow:
            return await uow.push.subscriptions_of(device_id)

    async def unsubscribe(self, device_id: int, subscription_id: int) -> None:
        async with self._uow() as uow:
            own = [s.id for s in await uow.push.subscriptions_of(device_id) if s.id == subscription_id]
            if not own:
                raise NotFound("нет такой подписки")
            await uow.push.drop_subscriptions(own)
            await uow.commit()
        self._recipients.forget([device_id])

    async def deliveries(self, device_id: int) -> list[Delivery]:
        async with self._uow() as uow:
            return await uow.push.deliveries_of_device(device_id, MAX_LISTED)

    async def close(self) -> None:
        """Stops what is under way (a broadcast's unsent part stays counted as not sent) and the senders."""
        for task in tuple(self._running):
            task.cancel()
        await asyncio.gather(*tuple(self._running), return_exceptions=True)
        for sender in self._senders.values():
            await sender.close()

    # --- pushes about a request ------------------------------------------------------------------

    async def notify_case(self, case_id: int, message: PushMessage) -> list[Delivery]:
        """Pushes to every subscription of the device the case's request came from (none: nothing).
        Who that is comes from memory when known (recipients.py): most answers go to a device with no
        subscription, and need no read at all."""
        now = self._clock.monotonic()
        device_id = self._recipients.device_of(case_id)
        subs = self._recipients.subscriptions(device_id, now) if device_id is not None else None
        if subs is None:
            async with self._uow() as uow:
                if device_id is None:
                    device_id = await uow.push.device_of_case(case_id)
                if device_id is None:
                    return []  # no app request: nobody to push (not remembered: a request may come)
                subs = tuple(await uow.push.subscriptions_of(device_id))
            self._recipients.keep_device(case_id, device_id)
            self._recipients.keep_subscriptions(device_id, subs, now)
        if not subs:
            return []
        return await self._deliver(subs, message, CASE_TTL_S, case_id=case_id)

    def later(self, work: Awaitable[object]) -> None:
        """Runs `work` in the background (a reaction must not hold up the use case that announced)."""

        async def run() -> object:
            try:
                return await work
            except Exception:  # the use case is done; what it announced is not pushed
                _log.exception("a push in the background failed")
                return None

        task: asyncio.Task[object] = asyncio.get_running_loop().create_task(run())
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def idle(self) -> None:
        """Waits for the pushes and broadcasts under way (tests; an orderly stop)."""
        while self._running:
            await asyncio.gather(*tuple(self._running), return_exceptions=True)

    async def _deliver(
        self,
        subs: Sequence[PushSubscription],
        message: PushMessage,
        ttl_s: int,
        *,
        case_id: int | None = None,
        broadcast_id: int | None = None,
    ) -> list[Delivery]:
        payload = message.payload()
        outcomes = await asyncio.gather(*(self._send(sub, payload, ttl_s) for sub in subs))
        now = self._clock.now()
        deliveries = [
            Delivery(
                subscription_id=sub.id,
                device_id=sub.device_id,
                kind=message.kind,
                state=outcome.state,
                at=now,
                status_code=outcome.status_code,
                reason=outcome.reason[:200],
                case_id=case_id,
                broadcast_id=broadcast_id,
            )
            for sub, outcome in zip(subs, outcomes, strict=True)
        ]
        gone = [d.subscription_id for d in deliveries if d.state is DeliveryState.GONE]
        async with self._uow() as uow:
            await uow.push.add_deliveries(deliveries)
            if gone:
                await uow.push.drop_subscriptions(gone)
            await uow.commit()
        self._recipients.forget({d.device_id for d in deliveries if d.state is DeliveryState.GONE})
        return deliveries

    async def _send(self, sub: PushSubscription, payload: bytes, ttl_s: int) -> Outcome:
        sender = self._senders.get(sub.kind)
        if sender is None:
            return Outcome(DeliveryState.FAILED, None, f"нет отправителя push вида {sub.kind.value}")
        async with self._slots:
            try:
                return await sender.send(sub, payload, ttl_s)
            except Exception as error:  # a sender bug must not lose the others' outcomes
                return Outcome(DeliveryState.FAILED, None, f"{type(error).__name__}: {error}")

    # --- broadcasts ------------------------------------------------------------------------------

    async def broadcast(
        self, actor: Actor, title: str, text: str, *, region: str = "", topic_id: int | None = None
    ) -> Broadcast:
        """Stored at once and sent in the background; the list shows its counts as they settle."""
        if actor.role not in (Role.SENIOR, Role.ADMIN):
            raise Forbidden("рассылку пользователям приложения отправляет старший оператор или администратор")
        title, text, region = check_broadcast(title, text, region)
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get(actor.user_id)
            sent = await uow.push.add_broadcast(
                Broadcast(
                    id=0,
                    title=title,
                    text=text,
                    audience=Audience(region, topic_id),
                    author_id=actor.user_id,
                    author_name=user.full_name if user else "",
                    created_at=now,
                )
            )
            await uow.audit.record(
                at=now,
                actor_id=actor.user_id,
                action="app_broadcast",
                entity="app_broadcast",
                entity_id=str(sent.id),
                detail={"region": region, "topic_id": topic_id},
            )
            await uow.commit()
        self.later(self.fan_out(sent))
        return sent

    async def fan_out(self, broadcast: Broadcast) -> Broadcast:
        """Sends the broadcast to every subscription its audience takes, a page at a time; the next
        page starts while the slowest sends of the last one finish (each page's deliveries are stored
        in one transaction)."""
        message = broadcast_push(broadcast)
        recipients = delivered = failed = 0
        after = 0
        pages: set[asyncio.Task[list[Delivery]]] = set()

        def count(done: set[asyncio.Task[list[Delivery]]]) -> None:
            nonlocal recipients, delivered, failed
            for task in done:
                deliveries = task.result()
                recipients += len(deliveries)
                delivered += sum(d.state is DeliveryState.DELIVERED for d in deliveries)
                failed += sum(d.state is not DeliveryState.DELIVERED for d in deliveries)

        try:
            while True:
                async with self._uow() as uow:
                    page = await uow.push.subscriptions_page(after, PAGE)
                if not page:
                    break
                after = page[-1].id
                chosen = [sub for sub in page if broadcast.audience.takes(sub)]
                if chosen:
                    pages.add(
                        asyncio.create_task(
                            self._deliver(chosen, message, BROADCAST_TTL_S, broadcast_id=broadcast.id)
                        )
                    )
                if len(pages) >= PAGES_IN_FLIGHT:
                    done, pages = await asyncio.wait(pages, return_when=asyncio.FIRST_COMPLETED)
                    count(done)
            if pages:
                count((await asyncio.wait(pages))[0])
        finally:
            for task in pages:
                task.cancel()
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.push.finish_broadcast(broadcast.id, recipients, delivered, failed, now)
            await uow.commit()
        return replace(broadcast, recipients=recipients, delivered=delivered, failed=failed, finished_at=now)

    async def broadcasts(self, actor: Actor) -> list[Broadcast]:
        if actor.role not in (Role.SENIOR, Role.ADMIN):
            raise Forbidden("рассылки пользователям приложения видят старший оператор и администратор")
        async with self._uow() as uow:
            return await uow.push.broadcasts(MAX_LISTED)

    async def news(self, device_id: int) -> list[Broadcast]:
        """The broadcasts the device's app shows: those to everyone, and those whose region or topic
        one of its subscriptions chose."""
        async with self._uow() as uow:
            subs = await uow.push.subscriptions_of(device_id)
            found = await uow.push.broadcasts(MAX_LISTED)
        return [b for b in found if _addressed(b.audience, subs)]

    async def opened(self, device_id: int, broadcast_id: int) -> None:
        """The app opened the broadcast (a tap on the notification or in its list): counted once."""
        async with self._uow() as uow:
            broadcast = await uow.push.get_broadcast(broadcast_id)
            subs = await uow.push.subscriptions_of(device_id)
            if broadcast is None or not _addressed(broadcast.audience, subs):
                raise NotFound("нет такой рассылки")
            await uow.push.mark_opened(broadcast_id, device_id, self._clock.now())
            await uow.commit()


def _addressed(audience: Audience, subs: Sequence[PushSubscription]) -> bool:
    if not audience.region and audience.topic_id is None:
        return True
    return any(audience.takes(sub) for sub in subs)
