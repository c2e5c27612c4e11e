"""What the intake needs: the addresses each case's conversation is reached at, the case cards and the
conversation (through the citizen feature's ports), and the distribution that offers a text request to
an operator."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from c122.domain.citizen import Channel
from c122.domain.intake import TextWork
from c122.services.citizen.ports import CitizenUnitOfWork


class ContactRepository(Protocol):
    async def open_case_of(self, channel: Channel, address: str) -> int | None:
        """The newest case still in work (new or in work) whose conversation is reached at this address
        of this channel; for SMS also a case of an applicant with this phone number."""
        ...

    async def add_contact(self, case_id: int, channel: Channel, address: str, at: datetime) -> None:
        """Remembers that the case's conversation is reached at the address (no-op when known)."""
        ...

    async def contact_of(self, case_id: int, channel: Channel) -> str | None:
        """The address the case's conversation is reached at on the channel, newest first."""
        ...


class IntakeUnitOfWork(CitizenUnitOfWork, Protocol):
    @property
    def contacts(self) -> ContactRepository: ...


class TextDistribution(Protocol):
    """Implemented by the contact centre: queues the case's conversation as a text work item and offers
    it to an operator. A case already waiting or held by an operator is left as it is."""

    async def route_text(self, work: TextWork) -> None: ...


class ReplySender(Protocol):
    """A channel's way out: sends an operator's answer to the address (a messenger's chat). Raises
    `c122.domain.errors.Conflict` when the channel cannot take it now (the operator is told, and the
    answer is not stored)."""

    async def send_reply(self, address: str, text: str, case_id: int) -> None: ...

    async def send_photo(self, address: str, content: bytes, case_id: int) -> None:
        """An operator's photo (checked and stripped of its metadata already); `Conflict` as above."""
        ...
