"""What a senior's supervision needs stored: the operators' accounts and sessions."""

from __future__ import annotations

from typing import Protocol

from c122.services.accounts.ports import SessionRepository, UserRepository
from c122.services.ports import UnitOfWork


class SupervisionUnitOfWork(UnitOfWork, Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...
