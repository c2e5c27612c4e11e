"""System health for the operator's indicator (OPS-07) and for monitoring: db, socket, sip, media."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from c122.domain.clock import Clock
from c122.services.events import EVERYONE, EventPublisher, OutboundEvent
from c122.services.health.ports import ComponentHealth, Probe, Status

COMPONENTS = ("db", "socket", "sip", "media")
PROBE_TIMEOUT_SECONDS = 3.0
# An event stream's snapshot takes the last announced health while it is this fresh: the periodic check
# announces every change, and twenty desktops opening at once no longer run twenty database probes.
LATEST_MAX_AGE_SECONDS = 15.0


@dataclass(frozen=True)
class Health:
    status: Status
    components: Mapping[str, ComponentHealth]
    checked_at: datetime

    @property
    def http_status(self) -> int:
        """What monitoring and load balancers act on: 503 only when down (the database, or all)."""
        return 503 if self.status is Status.DOWN else 200

    def as_data(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "components": {
                name: {"status": c.status.value, "detail": c.detail} for name, c in self.components.items()
            },
            "checked_at": self.checked_at,
        }


def overall(components: Mapping[str, ComponentHealth]) -> Status:
    """Down when the database is down or nothing works; degraded when anything is not ok."""
    statuses = [c.status for c in components.values()]
    if components["db"].status is Status.DOWN or all(s is Status.DOWN for s in statuses):
        return Status.DOWN
    return Status.OK if all(s is Status.OK for s in statuses) else Status.DEGRADED


class HealthService:
    def __init__(self, probes: Mapping[str, Probe], clock: Clock, publisher: EventPublisher) -> None:
        missing = set(COMPONENTS) - set(probes)
        if missing:
            raise ValueError(f"no health probe for {sorted(missing)}")
        self._probes = dict(probes)
        self._clock = clock
        self._publisher = publisher
        self._last: Health | None = None
        self._checking: asyncio.Task[Health] | None = None

    async def check(self) -> Health:
        results = await asyncio.gather(*(self._run(probe) for probe in self._probes.values()))
        components = dict(zip(self._probes, results, strict=True))
        return Health(overall(components), components, self._clock.now())

    async def latest(self) -> Health:
        """The last announced health, or a new check (announced, and shared by every caller waiting
        meanwhile) when there is none or it is older than LATEST_MAX_AGE_SECONDS."""
        last = self._last
        age = None if last is None else (self._clock.now() - last.checked_at).total_seconds()
        if last is not None and age is not None and age < LATEST_MAX_AGE_SECONDS:
            return last
        if self._checking is None or self._checking.done():
            self._checking = asyncio.create_task(self.check_and_announce())
        return await asyncio.shield(self._checking)

    async def check_and_announce(self) -> Health:
        """Checks and, when anything changed since the last check, publishes `health.changed`."""
        health = await self.check()
        if self._last is None or self._last.components != health.components:
            self._publisher.publish(
                OutboundEvent("health.changed", health.as_data(), EVERYONE, occurred_at=health.checked_at)
            )
        self._last = health
        return health

    @staticmethod
    async def _run(probe: Probe) -> ComponentHealth:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                return await probe()
        except TimeoutError:
            return ComponentHealth(Status.DOWN, "no answer within 3 s")
        except Exception as exc:  # a failing probe is a finding, not a crash
            return ComponentHealth(Status.DOWN, f"{type(exc).__name__}: {exc}"[:200])
