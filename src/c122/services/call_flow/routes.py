"""Where a dialled number leads: its line, the line's flow and service name, kept for a few seconds.

At tens of calls a second, reading the line, the flow and the service for every call queued the calls
behind the database; the routing changes rarely, so it is kept `ttl_s` seconds and dropped at once when
an administrator changes lines or services (`forget`). A changed flow takes effect within `ttl_s`.

While the database is down, the last route read for a number stands in (callers still get the IVR they
got before the outage); `warm` reads every line's route ahead, so a number not called since the start
is known too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from c122.domain.errors import DatabaseUnavailable
from c122.domain.ivr import Flow
from c122.domain.ivr import prompts as node_prompts
from c122.domain.organisation import Line
from c122.domain.phones import InvalidPhone, normalize_phone

LineLookup = Callable[[str], Awaitable[Line | None]]
AllLines = Callable[[], Awaitable[list[Line]]]
FlowLookup = Callable[[str], Awaitable[Flow | None]]
ServiceNames = Callable[[int], Awaitable[str | None]]


@dataclass(frozen=True)
class Route:
    line: Line | None
    flow: Flow | None
    service_name: str | None


class Routes:
    def __init__(
        self,
        line_for: LineLookup,
        flow_for: FlowLookup,
        service_name: ServiceNames,
        *,
        ttl_s: float = 5.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._line_for = line_for
        self._flow_for = flow_for
        self._service_name = service_name
        self._ttl_s = ttl_s
        self._now = now
        self._known: dict[str, tuple[float, Route]] = {}
        self._reading = asyncio.Lock()

    async def route(self, dialled: str) -> Route:
        """The number's route; DatabaseUnavailable only when the database is down and the number was
        never routed before."""
        key = _key(dialled)
        known = self._fresh(key)
        if known is not None:
            return known
        async with self._reading:  # the calls arriving while the route is read wait for that one read
            known = self._fresh(key)
            if known is not None:
                return known
            try:
                return await self._read(key, await self._line_for(dialled))
            except DatabaseUnavailable:
                held = self._known.get(key)
                if held is None:
                    raise
                return held[1]

    def _fresh(self, key: str) -> Route | None:
        known = self._known.get(key)
        return known[1] if known is not None and self._now() - known[0] < self._ttl_s else None

    async def warm(self, lines: AllLines) -> None:
        """Reads the route of every line now (at start, and after lines or services change)."""
        for line in await lines():
            await self._read(line.number, line)

    async def _read(self, key: str, line: Line | None) -> Route:
        flow = await self._flow_for(line.entry_flow) if line is not None and line.entry_flow else None
        name = await self._service_name(line.service_id) if line is not None else None
        route = Route(line, flow, name)
        self._known[key] = (self._now(), route)
        return route

    async def flow(self, name: str) -> Flow | None:
        """A flow by name (a routing rule's), read afresh."""
        return await self._flow_for(name)

    async def service_name(self, service_id: int) -> str | None:
        """The service's name; None when there is no such service."""
        return await self._service_name(service_id)

    def prompts(self) -> set[str]:
        """The prompts the known routes' flows play."""
        return {
            prompt
            for _at, route in self._known.values()
            if route.flow is not None
            for node in route.flow.nodes.values()
            for _field, prompt in node_prompts(node)
        }

    def forget(self) -> None:
        """Every route is read afresh on its next call; until then each stays as the outage fallback."""
        self._known = {number: (float("-inf"), route) for number, (_at, route) in self._known.items()}


def _key(dialled: str) -> str:
    """Numbers dialled in any written form of the same line share one route."""
    try:
        return normalize_phone(dialled)
    except InvalidPhone:
        return dialled
