"""Storage and telephony ports of the operators' phone settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.services.accounts.ports import UserRepository
from c122.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class PhoneRecord:
    user_id: int
    mode: str  # "browser" | "sip"
    ha1_md5: str | None
    ha1_sha256: str | None


class OperatorPhoneRepository(Protocol):
    async def all(self) -> list[PhoneRecord]: ...

    async def put(self, record: PhoneRecord, at: datetime) -> None: ...


class PhonesUnitOfWork(UnitOfWork, Protocol):
    @property
    def phones(self) -> OperatorPhoneRepository: ...

    @property
    def users(self) -> UserRepository: ...
