"""The case types the call path reads for every new call card, kept in memory for `ttl_s` seconds: a
type changes through the organisation's administration, which announces it (`OrganisationChanged`,
cases/reactions.py), and then every type is read again at once (a change made through another node,
within `ttl_s`). A type not found is not kept (it may be created next)."""

from __future__ import annotations

import time
from collections.abc import Callable

from c122.domain.organisation import CaseType
from c122.services.cases.ports import CasesUnitOfWork


class KnownCaseTypes:
    def __init__(self, ttl_s: float = 5.0, now: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._now = now
        self._types: dict[int, tuple[float, CaseType]] = {}  # id: (read at, the type)
        # Bumped by `forget`: a read that began before a change does not keep what it read.
        self._generation = 0

    async def get(self, uow: CasesUnitOfWork, type_id: int) -> CaseType | None:
        known = self._types.get(type_id)
        if known is not None and self._now() - known[0] < self._ttl_s:
            return known[1]
        generation = self._generation
        read_at = self._now()
        case_type = await uow.case_types.get(type_id)
        if case_type is not None and generation == self._generation:
            self._types[type_id] = (read_at, case_type)
        return case_type

    def forget(self) -> None:
        """A case type was created, changed or deleted."""
        self._types.clear()
        self._generation += 1
