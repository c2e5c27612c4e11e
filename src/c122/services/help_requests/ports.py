"""What «Помощь старшего» needs: its stored requests, and the live picture of who is on which call
(the call distribution's, through the supervision feature's port)."""

from __future__ import annotations

from typing import Protocol

from c122.domain.help_requests import HelpRequest, HelpStatus
from c122.services.accounts.ports import UserRepository
from c122.services.ports import UnitOfWork
from c122.services.supervision.ports import LiveDistribution, LiveOperator

__all__ = ["HelpRequestRepository", "HelpRequestsUnitOfWork", "LiveDistribution", "LiveOperator"]


class HelpRequestRepository(Protocol):
    async def add(self, request: HelpRequest) -> HelpRequest:
        """Stores a new request; returns it with its id."""
        ...

    async def get(self, request_id: int) -> HelpRequest | None: ...

    async def replace(self, request: HelpRequest, expected: HelpStatus) -> bool:
        """Writes the request's new state if the stored one still has `expected` status (False: someone
        changed it first, e.g. another senior took it)."""
        ...

    async def active(self) -> list[HelpRequest]:
        """Open and taken requests, oldest first."""
        ...

    async def active_on_calls(self, call_ids: list[str]) -> list[HelpRequest]: ...

    async def on_call(self, call_id: str) -> list[HelpRequest]:
        """Every request made on a call, in the order raised (the call record's history)."""
        ...


class HelpRequestsUnitOfWork(UnitOfWork, Protocol):
    @property
    def help_requests(self) -> HelpRequestRepository: ...

    @property
    def users(self) -> UserRepository: ...
