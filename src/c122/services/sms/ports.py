"""What the SMS channel needs: its stored messages (the outbox among them) and a gateway that takes a
message for sending (Kannel's smsbox in production, channels/sms/kannel.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.intake import Delivered, IncomingText
from c122.domain.sms import Sms, SmsState
from c122.services.ports import UnitOfWork


@dataclass(frozen=True)
class CasePeople:
    """Whose desktops hear of a case's SMS: its operator and its group."""

    operator_id: int | None
    group_id: int | None


class SmsRepository(Protocol):
    async def add(self, sms: Sms) -> Sms:
        """Stores a new message; returns it with its id."""
        ...

    async def get(self, sms_id: int) -> Sms | None: ...

    async def save(self, sms: Sms, expected: SmsState) -> bool:
        """Writes the message's state, attempts, next attempt and problem if its stored state is still
        `expected` (False: a delivery report moved it on meanwhile)."""
        ...

    async def due(self, now: datetime, limit: int) -> list[Sms]:
        """Queued outbound messages whose next attempt is due, oldest first."""
        ...

    async def of_case(self, case_id: int) -> list[Sms]:
        """Every message linked to the case, oldest first."""
        ...

    async def open_case_of(self, phone: str) -> int | None:
        """The newest case still in work (new or in work) of an applicant with this number, if any."""
        ...

    async def case_people(self, case_id: int) -> CasePeople | None: ...

    async def counts(self) -> dict[str, int]:
        """Outbound messages per state (what the gateway screen shows)."""
        ...


class TextIntake(Protocol):
    """The intake of text channels (services/intake): an SMS continues its sender's open case's
    conversation or opens a new request, routed to the SMS queue."""

    async def deliver(self, incoming: IncomingText) -> Delivered: ...


class SmsUnitOfWork(UnitOfWork, Protocol):
    @property
    def sms(self) -> SmsRepository: ...


class GatewayUnavailable(Exception):
    """The gateway did not take the message now (down, timed out, 5xx): the message stays queued."""


class GatewayRefused(Exception):
    """The gateway refused the message itself (4xx): trying again will not help."""


@dataclass(frozen=True)
class OutgoingSms:
    sms_id: int
    phone: str
    text: str


class SmsGateway(Protocol):
    async def send(self, message: OutgoingSms) -> None:
        """Hands the message over; raises GatewayUnavailable or GatewayRefused."""
        ...

    async def probe(self) -> str | None:
        """None when the gateway answers and takes our credentials, else what is wrong (health)."""
        ...

    async def close(self) -> None: ...
