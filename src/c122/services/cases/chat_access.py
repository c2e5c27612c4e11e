"""The citizen feature's `CaseAccess` port: who may read and write a case's conversation is who may see
and work on its card (access.py); a refusal is audited like any refused card."""

from __future__ import annotations

from c122.domain.cases import Case
from c122.domain.clock import Clock
from c122.domain.users import Actor
from c122.services.access_audit import refusals_audited
from c122.services.cases.access import require_visible, require_worker
from c122.services.cases.ports import CasesUnitOfWork
from c122.services.ports import UnitOfWorkFactory


class CardAccess:
    def __init__(self, uow_factory: UnitOfWorkFactory[CasesUnitOfWork], clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def check(self, actor: Actor, case_id: int, *, write: bool) -> None:
        wanted = "write_chat" if write else "view_chat"
        async with refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity="case", entity_id=case_id
        ):
            if write:
                require_worker(actor)
            async with self._uow() as uow:
                require_visible(actor, await uow.cases.get_case(case_id))

    async def check_case(self, actor: Actor, case_id: int, case: Case | None, *, write: bool) -> Case:
        wanted = "write_chat" if write else "view_chat"
        async with refusals_audited(
            self._uow, self._clock, actor, wanted=wanted, entity="case", entity_id=case_id
        ):
            if write:
                require_worker(actor)
            return require_visible(actor, case)
