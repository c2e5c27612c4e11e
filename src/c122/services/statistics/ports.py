"""What the shift statistics need stored: the organisation's shifts."""

from __future__ import annotations

from typing import Protocol

from c122.domain.shifts import Shift
from c122.services.ports import EntityRepository, UnitOfWork


class StatisticsUnitOfWork(UnitOfWork, Protocol):
    @property
    def shifts(self) -> EntityRepository[Shift]: ...
