"""The call flow's routing cache: a dialled number's line, flow and service are read once per few seconds
and afresh after an administrator's change."""

from __future__ import annotations

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


async def test_an_administrators_change_is_seen_by_the_next_call() -> None:
    reads = Reads()
    routes = Routes(reads.line_for, reads.flow_for, reads.service_name, now=lambda: 0.0)
    assert (await routes.route("88001220122")).line == LINE
    reads.line = None  # the line was deleted
    routes.forget()
    assert (await routes.route("88001220122")).line is None
    assert (await routes.route("79990001122")).line is None  # no such line at all
