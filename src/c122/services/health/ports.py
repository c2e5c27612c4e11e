"""What the health check reads: one probe per component (db, socket, sip, media), each answering
with a status and a detail. The adapters that run a component provide its probe."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class ComponentHealth:
    status: Status
    detail: str


Probe = Callable[[], Awaitable[ComponentHealth]]
