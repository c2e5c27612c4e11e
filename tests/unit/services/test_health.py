"""The overall status the indicator shows: green, yellow or red (seed §4.3.1.4)."""

from __future__ import annotations

import asyncio

from tests.support.clock import FakeClock

from c122.services.events import OutboundEvent
from c122.services.health.ports import ComponentHealth, Status
from c122.services.health.service import LATEST_MAX_AGE_SECONDS, HealthService, overall

OK = ComponentHealth(Status.OK, "")
DOWN = ComponentHealth(Status.DOWN, "")


def test_all_ok_is_ok_one_failing_is_degraded() -> None:
    assert overall({"db": OK, "socket": OK, "sip": OK, "media": OK}) is Status.OK
    assert overall({"db": OK, "socket": OK, "sip": DOWN, "media": OK}) is Status.DEGRADED


def test_no_database_or_nothing_working_is_down() -> None:
    assert overall({"db": DOWN, "socket": OK, "sip": OK, "media": OK}) is Status.DOWN
    assert overall({"db": DOWN, "socket": DOWN, "sip": DOWN, "media": DOWN}) is Status.DOWN


def test_only_down_answers_503() -> None:
    from datetime import UTC, datetime

    from c122.services.health.service import Health

    at = datetime(2026, 12, 6, tzinfo=UTC)
    assert Health(Status.DOWN, {"db": DOWN}, at).http_status == 503
    assert Health(Status.DEGRADED, {"db": OK, "sip": DOWN}, at).http_status == 200
    assert Health(Status.OK, {"db": OK}, at).http_status == 200


class _Announcements:
    def __init__(self) -> None:
        self.events: list[OutboundEvent] = []

    def publish(self, event: OutboundEvent) -> None:
        self.events.append(event)


async def test_streams_opening_at_once_share_one_check_and_reuse_it_while_fresh() -> None:
    probed: list[str] = []

    async def database() -> ComponentHealth:
        probed.append("db")
        await asyncio.sleep(0.01)
        return OK

    async def up() -> ComponentHealth:
        return OK

    clock, announced = FakeClock(), _Announcements()
    health = HealthService({"db": database, "socket": up, "sip": up, "media": up}, clock, announced)
    first = await asyncio.gather(*(health.latest() for _ in range(20)))
    assert probed == ["db"]  # one probe for twenty streams
    assert len(announced.events) == 1
    assert all(h is first[0] for h in first)
    clock.advance(LATEST_MAX_AGE_SECONDS - 1)
    assert await health.latest() is first[0]
    clock.advance(2)
    assert (await health.latest()).checked_at == clock.now()
    assert probed == ["db", "db"]
    assert len(announced.events) == 1  # nothing changed: nothing announced again
