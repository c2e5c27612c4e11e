"""The case types the call path reads for every new call card, kept in memory: a type changes through
the organisation's administration, which announces it (`OrganisationChanged`, cases/reactions.py), and
then every type is read again. A type not found is not kept (it may be created next)."""

from __future__ import annotations

from c122.domain.organisation import CaseType
from c122.services.cases.ports import CasesUnitOfWork


class KnownCaseTypes:
    def __init__(self) -> None:
        self._types: dict[int, CaseType] = {}
        # Bumped by `forget`: a read that began before a change does not keep what it read.
        self._generation = 0

    async def get(self, uow: CasesUnitOfWork, type_id: int) -> CaseType | None:
        known = self._types.get(type_id)
        if known is not None:
            return known
        generation = self._generation
        case_type = await uow.case_types.get(type_id)
        if case_type is not None and generation == self._generation:
            self._types[type_id] = case_type
        return case_type

    def forget(self) -> None:
        """A case type was created, changed or deleted."""
        self._types.clear()
        self._generation += 1
