"""The telephony that `c122 serve` runs: SIP stack, media engine and call control, and their health.

Inbound calls are checked against the configured lines: a number that is no line is refused with
SIP 404 and a log line. Routing a line's calls through its IVR flow into a queue is the call flow's
work; until a line has one, its calls are refused with 480 (temporarily unavailable), so callers
hear the network's announcement instead of ringing forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from c122.domain.organisation import Line
from c122.services.health import ComponentHealth, Status
from c122.telephony.control import CallControl
from c122.telephony.control.events import ChannelCreated, ControlEvent
from c122.telephony.control.sip_gateway import SipGateway
from c122.telephony.media.engine import MediaEngine
from c122.telephony.sip import SipStack

_log = logging.getLogger(__name__)

LineLookup = Callable[[str], Awaitable[Line | None]]


@dataclass(frozen=True)
class TelephonySettings:
    sip_host: str
    sip_port: int
    sip_tls_port: int | None
    sip_tls_cert: str | None
    sip_tls_key: str | None
    sip_ws_port: int | None
    rtp_port_min: int
    rtp_port_max: int
    public_address: str  # empty: announce sip_host


class Telephony:
    def __init__(self, settings: TelephonySettings, line_for: LineLookup) -> None:
        self._settings = settings
        self._line_for = line_for
        self.media = MediaEngine(
            bind_host=settings.sip_host,
            public_address=settings.public_address,
            port_min=settings.rtp_port_min,
            port_max=settings.rtp_port_max,
        )
        self.control = CallControl(self.media)
        tls = settings.sip_tls_cert is not None and settings.sip_tls_key is not None
        self.sip = SipStack(
            settings.sip_host,
            udp_port=settings.sip_port,
            tcp_port=settings.sip_port,
            tls_port=settings.sip_tls_port if tls else None,
            tls_cert=settings.sip_tls_cert if tls else None,
            tls_key=settings.sip_tls_key if tls else None,
            ws_port=settings.sip_ws_port,
            public_host=settings.public_address or None,
        )
        self.gateway = SipGateway(
            self.sip, self.control, from_domain=settings.public_address or settings.sip_host
        )
        self.control.subscribe(self._on_event)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await self.media.start()
        await self.sip.start()
        _log.info("SIP listening on %s %s", self._settings.sip_host, self.sip.bound_ports)

    async def stop(self) -> None:
        await self.gateway.close()
        await self.sip.stop()
        await self.media.stop()
        for task in list(self._tasks):
            task.cancel()

    async def sip_health(self) -> ComponentHealth:
        health = self.sip.health()
        status = {"up": Status.OK, "degraded": Status.DEGRADED}.get(health.status, Status.DOWN)
        listening = ", ".join(f"{name} {port}" for name, port in sorted(self.sip.bound_ports.items()))
        return ComponentHealth(status, f"{health.status}: {listening}" if listening else health.status)

    async def media_health(self) -> ComponentHealth:
        health = self.media.health()
        status = {"ok": Status.OK, "degraded": Status.DEGRADED}.get(health.status, Status.DOWN)
        return ComponentHealth(
            status, health.detail or f"{health.endpoints} endpoint(s), {health.ports_free} free ports"
        )

    def _on_event(self, event: ControlEvent) -> None:
        if isinstance(event, ChannelCreated) and event.direction == "inbound":
            task = asyncio.create_task(self._route_inbound(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _route_inbound(self, event: ChannelCreated) -> None:
        channel = self.control.channel(event.channel_id)
        if channel is None:
            return
        line = await self._line_for(event.called)
        if line is None:
            _log.warning(
                "inbound call from %s to %s: no such line, refused with 404", event.caller, event.called
            )
            await channel.reject(404)
            return
        _log.warning(
            "inbound call from %s to line %s (%s): no call flow runs this line yet, refused with 480",
            event.caller,
            line.number,
            line.name,
        )
        await channel.reject(480)
