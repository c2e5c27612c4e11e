"""Where a dialled number leads: its line, the line's flow and service name, kept for a few seconds.

At tens of calls a second, reading the line, the flow and the service for every call queued the calls
behind the database; the routing changes rarely, so it is kept `ttl_s` seconds and dropped at once when
an administrator changes lines or services (`forget`). A changed flow takes effect within `ttl_s`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from c122.domain.ivr import Flow
from c122.domain.organisation import Line

LineLookup = Callable[[str], Awaitable[Line | None]]
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

    async def route(self, dialled: str) -> Route:
        known = self._known.get(dialled)
        if known is not None and self._now() - known[0] < self._ttl_s:
            return known[1]
        line = await self._line_for(dialled)
        flow = await self._flow_for(line.entry_flow) if line is not None and line.entry_flow else None
        name = await self._service_name(line.service_id) if line is not None else None
        route = Route(line, flow, name)
        self._known[dialled] = (self._now(), route)
        return route

    def forget(self) -> None:
        self._known.clear()
