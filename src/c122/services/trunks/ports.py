"""What the trunks screen needs stored, and the telephony it drives: trunks applied without a restart
and their live state read back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from c122.domain.trunks import TrunkDraft
from c122.services.ports import UnitOfWork


@dataclass(frozen=True)
class StoredTrunk:
    id: int
    draft: TrunkDraft  # with the stored password: never handed to the API
    updated_at: datetime


@dataclass(frozen=True)
class TrunkLive:
    """`state`: "up" (the carrier answers), "down" (it does not, or its name does not resolve), or
    "unknown" (not probed yet). `latency_ms`: of the last OPTIONS (or REGISTER) answered."""

    state: str
    registered: bool
    latency_ms: float | None
    calls_up: int
    refused_at_limit: int = 0  # calls out refused since start because the trunk carried its max_calls


class TrunkRepository(Protocol):
    async def all(self) -> list[StoredTrunk]: ...

    async def get(self, trunk_id: int) -> StoredTrunk | None: ...

    async def named(self, name: str) -> StoredTrunk | None: ...

    async def add(self, trunk: TrunkDraft, at: datetime) -> int: ...

    async def update(self, trunk_id: int, trunk: TrunkDraft, at: datetime) -> None: ...

    async def delete(self, trunk_id: int) -> None: ...

    async def imported(self) -> bool:
        """The configuration file's trunks were imported once already."""
        ...

    async def mark_imported(self, count: int, at: datetime) -> None: ...


class TrunksUnitOfWork(UnitOfWork, Protocol):
    @property
    def trunks(self) -> TrunkRepository: ...


class TrunkRuntime(Protocol):
    """The telephony that carries calls over the trunks (absent where telephony does not run here)."""

    def apply_trunks(self, trunks: Sequence[TrunkDraft]) -> None:
        """Routes, probes and registrations follow this list from now on; calls up are not touched."""
        ...

    def trunk_live(self, name: str) -> TrunkLive | None: ...
