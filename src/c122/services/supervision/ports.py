"""What a senior's supervision needs: the operators' accounts and sessions, the live call distribution
(who is in which state, on which call) and how each operator's audio is connected."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from c122.domain.monitoring import MonitorAudio, MonitoringEnd, MonitoringSession, MonitorMode
from c122.domain.organisation import Group
from c122.services.accounts.ports import SessionRepository, UserRepository
from c122.services.calls.ports import CallRecordRepository
from c122.services.ports import EntityRepository, UnitOfWork


class SupervisionUnitOfWork(UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def groups(self) -> EntityRepository[Group]: ...

    @property
    def calls(self) -> CallRecordRepository: ...

    @property
    def monitoring(self) -> MonitoringRepository: ...


class MonitoringRepository(Protocol):
    """Monitoring sessions and their modes (the call's record shows them)."""

    async def add(self, session: MonitoringSession) -> None: ...

    async def switched(self, session_id: str, mode: MonitorMode, at: datetime) -> None:
        """Closes the running mode and opens `mode` at `at`."""
        ...

    async def ended(self, session_id: str, at: datetime, reason: MonitoringEnd) -> None: ...

    async def for_call(self, call_id: str) -> list[MonitoringSession]: ...


@dataclass(frozen=True)
class LiveCall:
    """The call an operator is on, as the call distribution knows it."""

    call_id: str
    caller: str | None  # None: a call the operator placed (the number is on their softphone)
    queue_id: int | None
    direction: Literal["inbound", "outbound"]
    since: float  # connected (or dialled) at, epoch seconds
    held: bool = False  # the operator put the caller on hold


@dataclass(frozen=True)
class CaseInWork:
    """The card of the call an operator is on or wrapping up (its name carries the number)."""

    case_id: int
    name: str
    number: int
    type_name: str


@dataclass(frozen=True)
class LiveOperator:
    """One row of the senior's operators board, from the call distribution's state."""

    user_id: int
    login: str
    full_name: str
    role: str
    group_ids: frozenset[int]
    status: str
    since: float
    reason: str
    note: str
    pending: str | None
    blocked: bool
    calls_answered: int
    calls_missed: int
    break_limit_s: float | None  # the group's allowance for the current break reason
    long_call_s: float | None  # the group's long-call threshold (None: none)
    call: LiveCall | None
    case: CaseInWork | None = None  # on a call or in wrap-up: the call's card


class LiveDistribution(Protocol):
    """The call distribution's live picture (the contact centre implements it)."""

    def live_operators(self) -> list[LiveOperator]: ...

    def group_names(self) -> Mapping[int, str]: ...


AudioMode = Literal["browser", "sip"]


class AudioConnections(Protocol):
    """How each operator takes calls (the phones feature implements it)."""

    def audio_connection(self, user_id: int) -> tuple[AudioMode, bool | None]:
        """The mode, and for a SIP phone whether it is registered now (None: a browser leg)."""
        ...


@dataclass(frozen=True)
class MonitoredCall:
    """A call in progress as monitoring sees it: who talks on it and for which group."""

    call_id: str
    operator_id: int | None  # None: nobody talks on it yet (IVR, queue)
    group_id: int | None  # the queue's group; None for a call an operator placed


@dataclass(frozen=True)
class MonitorJoined:
    monitor_id: str
    audio: MonitorAudio


MonitorEnded = Callable[[str, MonitoringEnd], None]
"""Told once when a monitor leaves its call by itself: (monitor id, why)."""


class CallMonitoring(Protocol):
    """The calls in progress, and a supervisor's audio on them (the call flow implements it)."""

    def live_call(self, call_id: str) -> MonitoredCall | None: ...

    def call_of_operator(self, user_id: int) -> MonitoredCall | None: ...

    async def join(
        self, call_id: str, supervisor_id: int, mode: MonitorMode, on_end: MonitorEnded
    ) -> MonitorJoined:
        """The supervisor's own audio (their browser leg, or their SIP phone rung and answered)
        joins the call in `mode`. Conflict `no_audio_connection` names what to connect."""
        ...

    async def switch(self, monitor_id: str, mode: MonitorMode) -> None: ...

    async def leave(self, monitor_id: str) -> None: ...
