"""The case types the call path reads for every new call card, held in memory (`HeldAnswers`): a type
changes through the organisation's administration, which announces it (`OrganisationChanged`,
cases/reactions.py). A type not found is not held (it may be created next)."""

from __future__ import annotations

import time
from collections.abc import Callable

from c122.domain.organisation import CaseType
from c122.services.cases.ports import CasesUnitOfWork
from c122.services.held_answers import HeldAnswers


class KnownCaseTypes:
    def __init__(self, ttl_s: float = 5.0, now: Callable[[], float] = time.monotonic) -> None:
        self._held: HeldAnswers[int, CaseType | None] = HeldAnswers(ttl_s, now)

    async def get(self, uow: CasesUnitOfWork, type_id: int) -> CaseType | None:
        return await self._held.get(
            type_id, lambda: uow.case_types.get(type_id), keeps=lambda found: found is not None
        )

    def forget(self) -> None:
        """A case type was created, changed or deleted."""
        self._held.forget()
