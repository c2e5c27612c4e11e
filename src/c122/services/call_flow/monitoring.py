"""Supervisors on one call (TEL-22, TEL-23): each one's leg follows whatever bridge the call has now.

The call rebuilds its bridge when it is connected, for a consultation, a conference or a transfer; each
time, every supervisor is put on the new bridge with the party who serves the caller there as the one
they whisper to. While the call has no bridge (back in a queue) the supervisors hear nothing.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from c122.domain.monitoring import MonitoringEnd, MonitorMode
from c122.services.call_flow.ports import CallSwitch
from c122.services.supervision.ports import MonitorEnded

log = logging.getLogger(__name__)


@dataclass
class Monitor:
    id: str
    supervisor_id: int
    leg: str
    mode: MonitorMode
    on_end: MonitorEnded
    owns_leg: bool  # a phone rung for this monitor: hung up when it ends; a browser leg stays
    snoop: str | None = None


class CallMonitors:
    def __init__(self, switch: CallSwitch) -> None:
        self._switch = switch
        self._monitors: dict[str, Monitor] = {}
        self._bridge: str | None = None
        self._target: str | None = None

    def __contains__(self, monitor_id: str) -> bool:
        return monitor_id in self._monitors

    def supervised_by(self, supervisor_id: int) -> bool:
        return any(m.supervisor_id == supervisor_id for m in self._monitors.values())

    def legs(self) -> list[str]:
        return [m.leg for m in self._monitors.values()]

    async def follow(self, bridge: str | None, target: str | None) -> None:
        """The call's bridge is now `bridge`, where `target` serves the caller (None: no bridge)."""
        self._bridge, self._target = bridge, target
        for monitor in list(self._monitors.values()):
            await self._place(monitor)

    async def add(self, monitor: Monitor) -> None:
        self._monitors[monitor.id] = monitor
        await self._place(monitor)

    async def switch(self, monitor_id: str, mode: MonitorMode) -> None:
        monitor = self._monitors[monitor_id]
        monitor.mode = mode
        if monitor.snoop is not None:
            await self._switch.snoop_mode(monitor.snoop, mode.value)

    async def remove(self, monitor_id: str, reason: MonitoringEnd) -> None:
        """The monitor leaves; a monitor that left by itself (not asked to) tells its owner."""
        monitor = self._monitors.pop(monitor_id, None)
        if monitor is None:
            return
        if monitor.snoop is not None:
            with contextlib.suppress(Exception):  # the bridge may be gone with the call
                await self._switch.unsnoop(monitor.snoop)
        if monitor.owns_leg:
            with contextlib.suppress(Exception):
                await self._switch.hang_up(monitor.leg)
        if reason is not MonitoringEnd.STOPPED:
            monitor.on_end(monitor.id, reason)

    async def end_all(self, reason: MonitoringEnd) -> None:
        for monitor_id in list(self._monitors):
            await self.remove(monitor_id, reason)

    def monitor_of_leg(self, leg: str) -> str | None:
        return next((m.id for m in self._monitors.values() if m.leg == leg), None)

    async def _place(self, monitor: Monitor) -> None:
        monitor.snoop = None
        if self._bridge is None or self._target is None:
            return
        try:
            monitor.snoop = await self._switch.snoop(
                self._bridge, monitor.leg, self._target, monitor.mode.value
            )
        except Exception as exc:  # the bridge changed meanwhile: the next `follow` places it again
            log.warning("monitor %s not placed on bridge %s: %s", monitor.id, self._bridge, exc)
