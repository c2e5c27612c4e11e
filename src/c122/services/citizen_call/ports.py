"""What a call from the citizen app needs from telephony: a WebRTC leg that enters a line's flow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from c122.domain.calls.origin import CallOrigin
from c122.domain.errors import DomainError, Unavailable
from c122.services.contact_center.ports import CallProgress
from c122.services.phones.softphone import IceServer
from c122.services.ports import UnitOfWork

UNAVAILABLE_RETRY_S = 60


class AppCallState(StrEnum):
    CONNECTING = "connecting"  # the server's offer is out; the app's answer, ICE and DTLS are under way
    CONNECTED = "connected"  # audio flows; the call is in the line's flow (menu, queue, operator)
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class AppCallOffer:
    call_id: str
    sdp: str
    ice_servers: tuple[IceServer, ...]


class LineStage(StrEnum):
    """Where a connected call is in the line's flow, for what the app shows."""

    MENU = "menu"  # the voice menu or the line's announcements
    QUEUE = "queue"  # waiting for an operator
    OPERATOR = "operator"  # talking with an operator


@dataclass(frozen=True, slots=True)
class AppCallStatus:
    call_id: str
    state: AppCallState
    cause: str | None = None  # why it ended: hung_up, hotline_ended, failed, timeout, refused, system_restart
    leg: str | None = None  # the leg the line's flow carries it on, once connected
    stage: LineStage | None = None  # once connected
    queue_position: int | None = None
    estimated_wait_s: float | None = None


class LineProgress(Protocol):
    """Where the line's flow has the call on a leg now."""

    def progress(self, leg: str) -> CallProgress | None:
        """None while no queue or operator holds it (the menu)."""
        ...


RESTART_CAUSE = "system_restart"  # as the call records a restart ended say


@dataclass(frozen=True, slots=True)
class StoredAppCall:
    """A call as stored: whose it is and, once ended, why."""

    call_id: str
    device_id: int
    placed_at: datetime
    ended_at: datetime | None = None
    cause: str | None = None


class AppCallRepository(Protocol):
    async def add_call(self, call: StoredAppCall) -> None: ...

    async def latest_call(self, device_id: int) -> StoredAppCall | None: ...

    async def end_call(self, call_id: str, ended_at: datetime, cause: str) -> None:
        """Once: a call already ended keeps its first cause."""
        ...


class AppCallUnitOfWork(UnitOfWork, Protocol):
    @property
    def citizen_calls(self) -> AppCallRepository: ...


class BadAnswer(DomainError):
    """The app's SDP answer cannot be used (HTTP 400 with the reason)."""

    code = "bad_sdp"


class AppCallMedia(Protocol):
    async def open(self, caller: str, origin: CallOrigin, ice_user: str) -> AppCallOffer:
        """A new leg with the server's offer; it enters the line's flow once the app has connected."""
        ...

    async def accept(self, call_id: str, sdp: str) -> None:
        """The app's answer (with all its candidates); `BadAnswer` when it cannot be used."""
        ...

    def status(self, call_id: str) -> AppCallStatus | None: ...

    async def hang_up(self, call_id: str) -> None: ...

    def dtmf(self, call_id: str, digits: str) -> None:
        """Keys pressed in the app (a menu's choice), as if the caller keyed them on a phone."""
        ...

    def on_ended(self, listener: Callable[[AppCallStatus], None]) -> None:
        """`listener` hears of every call of this process as it ends, however it ends."""
        ...


class NoAppCallMedia:
    """Where this process runs no telephony: every call is refused, clearly (503)."""

    def _refuse(self) -> Unavailable:
        return Unavailable(
            "звонки из приложения на этом сервере не принимаются",
            retry_after=UNAVAILABLE_RETRY_S,
            code="calls_unavailable",
        )

    async def open(self, caller: str, origin: CallOrigin, ice_user: str) -> AppCallOffer:
        raise self._refuse()

    async def accept(self, call_id: str, sdp: str) -> None:
        raise self._refuse()

    def status(self, call_id: str) -> AppCallStatus | None:
        return None

    async def hang_up(self, call_id: str) -> None:
        return None

    def dtmf(self, call_id: str, digits: str) -> None:
        return None

    def on_ended(self, listener: Callable[[AppCallStatus], None]) -> None:
        return None
