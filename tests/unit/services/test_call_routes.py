"""The call flow's routing cache: a dialled number's line, flow and service are read once per few seconds
and afresh after an administrator's change."""

from __future__ import annotations

import asyncio

import pytest

from c122.domain.errors import DatabaseUnavailable
from c122.domain.ivr import Flow
from c122.domain.organisation import Line
from c122.services.call_flow.routes import Routes

LINE = Line(id=1, number="+78001220122", name="122", service_id=7, entry_flow="main")


class Reads:
    def __init__(self) -> None:
        self.count = 0
        self.line: Line | None = LINE

    async def line_for(self, dialled: str) -> Line | None:
        self.count += 1
        return self.line if dialled == "88001220122" else None

    async def flow_for(self, name: str) -> Flow | None:
        return None

    async def service_name(self, service_id: int) -> str | None:
        return "Служба 122" if service_id == 7 else None


async def test_a_route_is_read_once_within_its_lifetime_and_again_after_it() -> None:
    reads, clock = Reads(), [100.0]
    routes = Routes(reads.line_for, reads.flow_for, reads.service_name, ttl_s=5.0, now=lambda: clock[0])
    first = await routes.route("88001220122")
    assert (first.line, first.service_name) == (LINE, "Служба 122")
    clock[0] += 4.9
    await routes.route("88001220122")
    assert reads.count == 1
    clock[0] += 0.2
    await routes.route("88001220122")
    assert reads.count == 2


class SlowReads(Reads):
    """A line read that gives way to other calls while the database answers."""

    async def line_for(self, dialled: str) -> Line | None:
        await asyncio.sleep(0.01)
        return await super().line_for(dialled)


async def test_calls_arriving_while_a_route_is_read_wait_for_that_one_read() -> None:
    reads = SlowReads()
    routes = Routes(reads.line_for, reads.flow_for, reads.service_name, now=lambda: 0.0)
    burst = await asyncio.gather(*(routes.route("88001220122") for _ in range(20)))
    assert {route.line for route in burst} == {LINE}
    assert reads.count == 1


async def test_an_administrators_change_is_seen_by_the_next_call() -> None:
    reads = Reads()
    routes = Routes(reads.line_for, reads.flow_for, reads.service_name, now=lambda: 0.0)
    assert (await routes.route("88001220122")).line == LINE
    reads.line = None  # the line was deleted
    routes.forget()
    assert (await routes.route("88001220122")).line is None
    assert (await routes.route("79990001122")).line is None  # no such line at all


class DownReads(Reads):
    """The database stops answering after the first reads."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def line_for(self, dialled: str) -> Line | None:
        if self.down:
            raise DatabaseUnavailable()
        return await super().line_for(dialled)

    async def lines(self) -> list[Line]:
        if self.down:
            raise DatabaseUnavailable()
        return [LINE]


async def test_while_the_database_is_down_the_last_route_read_stands_in() -> None:
    reads, clock = DownReads(), [0.0]
    routes = Routes(reads.line_for, reads.flow_for, reads.service_name, now=lambda: clock[0])
    await routes.warm(reads.lines)  # read ahead, under the line's own number
    reads.down = True
    clock[0] += 60
    routes.forget()
    route = await routes.route("88001220122")  # dialled in another form of the same number
    assert (route.line, route.service_name) == (LINE, "Служба 122")
    with pytest.raises(DatabaseUnavailable):
        await routes.route("+78001229999")  # never read: nothing to stand in
