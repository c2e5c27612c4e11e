"""What the abandoned-calls list needs: the call distribution's callback entries, how each operator
takes calls, and the call records (line and topic of each abandoned call)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from c122.services.calls.ports import CallsUnitOfWork


@dataclass(frozen=True)
class CallbackListEntry:
    """A caller who hung up while waiting (or asked to be called back), as the ACD keeps them."""

    entry_id: str  # the abandoned call's id, also its call record's
    queue_id: int
    queue_name: str
    group_id: int
    caller: str
    abandoned_at: float  # epoch seconds
    waited_s: float
    sla_breached: bool  # the wait exceeded the queue's normative maximum (sla_wait_s)
    offered: bool  # an operator's phone is ringing with it now
    claimed_by: int | None
    claimed_by_name: str | None


class CallbackList(Protocol):
    """The call distribution's callback entries (the contact centre implements it)."""

    def callback_entries(self) -> list[CallbackListEntry]: ...

    async def take_callback(self, user_id: int, entry_id: str) -> None:
        """The entry becomes the operator's alone; it is offered to them when they are free."""
        ...

    async def accept_for(self, user_id: int, call_id: str) -> None: ...


class PhoneModes(Protocol):
    """How each operator takes calls (the phones feature implements it)."""

    def mode(self, user_id: int) -> Literal["browser", "sip"]: ...


AbandonedUnitOfWork = CallsUnitOfWork
