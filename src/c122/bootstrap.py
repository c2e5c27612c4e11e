"""The one place that builds the adapters and wires them to the use cases."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from c122.api.app import create_app
from c122.api.context import ApiContext
from c122.clock import SystemClock
from c122.config import Settings
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.realtime.bus import InProcessEventBus
from c122.realtime.hub import EventHub
from c122.realtime.protocol import CloseReason
from c122.security.passwords import Argon2PasswordHasher
from c122.services.auth import SESSION_REPLACED, AuthPolicy, AuthService
from c122.services.directory import Directory
from c122.services.events import OutboundEvent
from c122.services.health import ComponentHealth, HealthService, Probe, Status
from c122.services.organisation import OrganisationAdmin
from c122.services.ports import Clock
from c122.services.presence import PresenceService
from c122.services.queue_figures import WaitingCallBoard
from c122.services.supervision import Supervision

_log = logging.getLogger(__name__)

HEALTH_INTERVAL_SECONDS = 5.0
SESSION_SWEEP_SECONDS = 60.0
STREAM_EXPIRY_SECONDS = 30.0


@dataclass
class Application:
    """Everything `c122 serve` runs, built but not yet started."""

    settings: Settings
    context: ApiContext
    app: FastAPI
    uow_factory: SqlUnitOfWorkFactory
    bus: InProcessEventBus
    waiting_calls: WaitingCallBoard
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Application]:
        """Runs the periodic jobs while the block runs; disposes of the database pool after."""
        tasks = [asyncio.create_task(job(), name=job.__name__) for job in self.background]
        try:
            yield self
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.context.hub.close_all(CloseReason.SERVER_SHUTDOWN)
            await self.uow_factory.dispose()


def build_application(settings: Settings, clock: Clock | None = None) -> Application:
    clock = clock or SystemClock()
    uow_factory = SqlUnitOfWorkFactory(create_engine(settings.database_url))
    hasher = Argon2PasswordHasher(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
    bus = InProcessEventBus()
    hub = EventHub(queue_limit=settings.event_queue_limit)
    bus.subscribe(hub.publish)
    bus.subscribe(_closing_sessions(hub))
    session_idle = timedelta(minutes=settings.session_idle_minutes)
    auth = AuthService(
        uow_factory,
        hasher,
        clock,
        bus,
        AuthPolicy(settings.login_max_failures, settings.login_window_seconds, session_idle),
    )
    waiting_calls = WaitingCallBoard()
    health = HealthService(_probes(uow_factory, hub), clock, bus)
    context = ApiContext(
        settings=settings,
        auth=auth,
        presence=PresenceService(uow_factory, clock, session_idle, waiting_calls),
        organisation=OrganisationAdmin(uow_factory, clock, bus, hasher),
        directory=Directory(uow_factory),
        health=health,
        supervision=Supervision(uow_factory, clock, bus),
        hub=hub,
    )
    application = Application(
        settings, context, create_app(context, settings.web_dist), uow_factory, bus, waiting_calls
    )
    application.background += [
        _every(HEALTH_INTERVAL_SECONDS, health.check_and_announce),
        _every(SESSION_SWEEP_SECONDS, auth.expire_idle_sessions),
        lambda: hub.run_expiry(STREAM_EXPIRY_SECONDS),
    ]
    return application


def _closing_sessions(hub: EventHub) -> Callable[[OutboundEvent], None]:
    """A `session.closed` event ends that user's live streams, telling the desktop why."""

    def handle(event: OutboundEvent) -> None:
        if event.type != "session.closed":
            return
        reason = (
            CloseReason.SESSION_REPLACED
            if event.data["reason"] == SESSION_REPLACED
            else CloseReason.SESSION_ENDED
        )
        hub.close_user(int(event.data["user_id"]), reason, str(event.data["message"]))

    return handle


def _probes(uow_factory: SqlUnitOfWorkFactory, hub: EventHub) -> dict[str, Probe]:
    async def database() -> ComponentHealth:
        async with uow_factory() as uow:
            await uow.ping()
        return ComponentHealth(Status.OK, f"{uow_factory.engine.dialect.name} answers")

    async def socket() -> ComponentHealth:
        return ComponentHealth(Status.OK, f"event stream serving {len(hub)} stream(s)")

    async def telephony_not_running() -> ComponentHealth:
        return ComponentHealth(Status.DOWN, "not started in this process")

    return {"db": database, "socket": socket, "sip": telephony_not_running, "media": telephony_not_running}


def _every(seconds: float, job: Callable[[], Awaitable[object]]) -> Callable[[], Coroutine[Any, Any, None]]:
    async def periodically() -> None:
        while True:
            try:
                await job()
            except Exception:
                _log.exception("periodic job %s failed", getattr(job, "__name__", job))
            await asyncio.sleep(seconds)

    periodically.__name__ = f"every_{seconds:g}s_{getattr(job, '__name__', 'job')}"
    return periodically
