"""A text request's card as its chat goes (OPS-25): the operator who accepts the chat offer has the
card, «в работе» by them, as a card taken into work from a call. Events go out only after commit."""

from __future__ import annotations

from c122.domain.cases import take_chat
from c122.domain.clock import Clock
from c122.domain.errors import Conflict
from c122.services.cases.events import CASE_UPDATED, case_event, status_changed
from c122.services.cases.ports import CasesUnitOfWork
from c122.services.events import EventPublisher
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory

CHANGE_ATTEMPTS = 3


class ChatCards:
    """Implements the contact centre's `ChatCases` port."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CasesUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        internal: InternalPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._internal = internal or InternalEventBus()

    async def chat_taken(self, case_id: int, user_id: int) -> None:
        """`user_id` accepted the case's chat; an operator saving the card at the same moment makes the
        version check fail, and the change is applied again to their version."""
        now = self._clock.now()
        for _attempt in range(CHANGE_ATTEMPTS):
            async with self._uow() as uow:
                before = await uow.cases.get_case(case_id)
                if before is None:
                    return
                after = take_chat(before, user_id, at=now)
                if after is before:
                    return
                if not await uow.cases.save_case(before, after):
                    continue
                row = await uow.cases.row(case_id)
                await uow.commit()
            if row is not None:
                self._publisher.publish(case_event(CASE_UPDATED, row, now))
            if after.status is not before.status:
                self._internal.publish(status_changed(after))
            return
        raise Conflict("карточку чата не удалось изменить: её всё время меняют", code="edit_conflict")
