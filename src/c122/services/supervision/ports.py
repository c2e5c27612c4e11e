"""What a senior's supervision needs: the operators' accounts and sessions, the live call distribution
(who is in which state, on which call) and how each operator's audio is connected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from c122.services.accounts.ports import SessionRepository, UserRepository
from c122.services.ports import UnitOfWork


class SupervisionUnitOfWork(UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...


@dataclass(frozen=True)
class LiveCall:
    """The call an operator is on, as the call distribution knows it."""

    call_id: str
    caller: str | None  # None: a call the operator placed (the number is on their softphone)
    queue_id: int | None
    direction: Literal["inbound", "outbound"]
    since: float  # connected (or dialled) at, epoch seconds


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
    call: LiveCall | None


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
