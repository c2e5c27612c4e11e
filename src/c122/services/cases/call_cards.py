"""A call's case card as the call goes (TEL-14, OPS-18, OPS-20): opened when the call reaches the queue,
so the desk shows it while the phone rings; handed to each operator who takes the call (a history of
who had it); marked missed when nobody answered; found by the call's id; linked to the calls an
operator places from it. Events go out only after commit.

The changes the call path makes to its cards (taken, missed) go through one writer, as the new cards
do (`BatchedWrites`): the changes of the calls at the same moment are stored in one transaction, each
call waiting for its own change's commit. One transaction each, a burst of calls ending together took
every connection of the pool and, on SQLite, queued a write each at the write gate ahead of the ACD's
and the call records' writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from c122.domain.calls.origin import CallOrigin
from c122.domain.cases import CallFacts, Case, HandoverKind, hand_over, link_call, mark_missed
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, DomainError, NotFound
from c122.domain.users import Actor
from c122.services.access_audit import refusals_audited
from c122.services.batched_writes import BatchedWrites
from c122.services.cases.access import require_visible, require_worker
from c122.services.cases.call_card_writer import CallCardRequest, CallCardWriter
from c122.services.cases.cards import CaseCard, load_card
from c122.services.cases.events import CASE_UPDATED, call_case_changed, case_event, handed_over_event
from c122.services.cases.ports import CaseRow, CasesUnitOfWork
from c122.services.events import EventPublisher
from c122.services.internal_events import InternalEventBus, InternalPublisher
from c122.services.ports import UnitOfWorkFactory

if TYPE_CHECKING:
    from c122.services.cases.service import CaseDesk


CHANGE_ATTEMPTS = 3
CHANGES_PER_TRANSACTION = 100

ChangedCard = tuple[Case | None, CaseRow | None]


@dataclass(frozen=True)
class _CardChange:
    call_id: str
    change: Callable[[Case], Case]


class CallCards:
    """Implements the call flow's `CallCases` port, and the desk's look-ups by call."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CasesUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        desk: CaseDesk,
        internal: InternalPublisher | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._desk = desk
        self._internal = internal or InternalEventBus()
        self._new_cards = CallCardWriter(desk.create_cases_for_calls)
        self._changes: BatchedWrites[_CardChange, ChangedCard] = BatchedWrites(
            self._store_changes, max_batch=CHANGES_PER_TRANSACTION, what="call card changes"
        )

    # --- the call flow's side ------------------------------------------------------------------

    async def create_case_for_call(
        self,
        *,
        caller: str,
        type_id: int,
        call_id: str,
        group_id: int | None,
        description: str = "",
        origin: CallOrigin | None = None,
    ) -> Case:
        """The call's card, made together with the cards of the calls arriving at the same moment."""
        return await self._new_cards.create(
            CallCardRequest(caller, type_id, call_id, group_id, description, origin)
        )

    async def call_taken(
        self,
        call_id: str,
        user_id: int,
        *,
        kind: HandoverKind,
        from_user_id: int | None = None,
        call: CallFacts | None = None,
    ) -> int | None:
        """`user_id` now has the call: the card is theirs, with a history row. A transfer straight to a
        colleague also tells the colleague's desk to open it (`case.handed_over`). The card's id, or
        None when the call has no card."""
        now = self._clock.now()
        case, row = await self._change_call_case(
            call_id, lambda c: hand_over(c, user_id, kind=kind, call_id=call_id, at=now)
        )
        if case is None:
            return None
        if row is not None:
            self._publisher.publish(case_event(CASE_UPDATED, row, now))
            self._internal.publish(call_case_changed(row, (call_id,)))
        if kind in (HandoverKind.BLIND, HandoverKind.CONSULTED):
            names = await self._names(case, from_user_id)
            facts = call or CallFacts("", "")
            self._publisher.publish(
                handed_over_event(case, user_id, from_user_id, call_id, facts, names, now)
            )
        return case.id

    async def _names(self, case: Case, from_user_id: int | None) -> tuple[str, str]:
        """The transferring operator's name and the card's group name, for the receiving desk."""
        async with self._uow() as uow:
            user = await uow.users.get(from_user_id) if from_user_id is not None else None
            group = await uow.groups.get(case.group_id) if case.group_id is not None else None
        return (user.full_name if user else "", group.name if group else "")

    async def call_missed(self, call_id: str) -> None:
        """The call ended before any operator answered: its card stays, marked missed."""
        now = self._clock.now()
        _case, row = await self._change_call_case(call_id, lambda c: mark_missed(c, at=now))
        if row is not None:
            self._publisher.publish(case_event(CASE_UPDATED, row, now))

    # --- the desk's side -------------------------------------------------------------------------

    async def card_of_call(self, actor: Actor, call_id: str) -> CaseCard:
        """The card the call belongs to, as `actor` may see it (404 like an unknown call otherwise)."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="view_card", entity="call", entity_id=call_id
        ):
            now = self._clock.now()
            async with self._uow() as uow:
                case_id = await uow.cases.case_of_call(call_id)
                if case_id is None:
                    raise NotFound("этот звонок без карточки")
                card = await load_card(uow, actor, case_id, now)
                await uow.commit()  # the audit entry of the personal data shown
            return card

    async def link_placed_call(self, actor: Actor, case_id: int, call_id: str) -> None:
        """A call the operator placed from the card joins it (its history), not a new card."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="edit_card", entity="case", entity_id=case_id
        ):
            require_worker(actor)
            now = self._clock.now()
            async with self._uow() as uow:
                case = require_visible(actor, await uow.cases.get_case(case_id))
                row = await self._store(uow, case, link_call(case, call_id, at=now))
            if row is not None:
                self._publisher.publish(case_event(CASE_UPDATED, row, now))
                self._internal.publish(call_case_changed(row, (call_id,)))

    async def check_linkable(self, actor: Actor, case_id: int) -> None:
        """Before a call is placed from a card: the card exists for `actor` and they work on cards."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="edit_card", entity="case", entity_id=case_id
        ):
            require_worker(actor)
            async with self._uow() as uow:
                require_visible(actor, await uow.cases.get_case(case_id))

    # --- helpers ---------------------------------------------------------------------------------

    async def _change_call_case(
        self, call_id: str, change: Callable[[Case], Case]
    ) -> tuple[Case | None, CaseRow | None]:
        """Applies `change` to the call's card (with the changes of other calls waiting at that moment,
        in one transaction); an operator saving the card at the same moment makes the version check
        fail, and the change is applied again to their version."""
        for _attempt in range(CHANGE_ATTEMPTS):
            try:
                return await self._changes.submit(_CardChange(call_id, change))
            except Conflict:
                continue
        raise Conflict("карточку звонка не удалось изменить: её всё время меняют", code="edit_conflict")

    async def _store_changes(self, changes: Sequence[_CardChange]) -> list[ChangedCard | Exception]:
        """One transaction: per change, the card before it and its list row (None: no change), or
        the refusal of that change alone (a version check that failed: `Conflict`). The cards are read
        together and their rows after the last change, so a batch costs a few statements besides
        each change's own update (two changes of one card in a batch both get its row after both)."""
        outcomes: list[tuple[Case | None, int | None] | Exception] = []  # the card, its id if changed
        async with self._uow() as uow:
            cards = await uow.cases.cases_of_calls(list(dict.fromkeys(c.call_id for c in changes)))
            changed: dict[int, Case] = {}  # by id: each card as this batch left it so far
            for item in changes:
                stored = cards.get(item.call_id)
                if stored is None or stored.id is None:
                    outcomes.append((None, None))
                    continue
                case_id = stored.id
                case = changed.get(case_id, stored)
                try:
                    after = item.change(case)
                    saved = await self._save(uow, case, after)
                except DomainError as refusal:  # this change alone: the others go on
                    outcomes.append(refusal)
                    continue
                if saved:
                    changed[case_id] = after
                outcomes.append((case, case_id if saved else None))
            rows = await uow.cases.rows(sorted(changed))
            await uow.commit()
        return [_with_row(outcome, rows) for outcome in outcomes]

    @classmethod
    async def _store(cls, uow: CasesUnitOfWork, before: Case, after: Case) -> CaseRow | None:
        """Stores a change and commits (None when there was none); the list row for the event."""
        if not await cls._save(uow, before, after):
            return None
        assert before.id is not None
        row = await uow.cases.row(before.id)
        await uow.commit()
        return row

    @staticmethod
    async def _save(uow: CasesUnitOfWork, before: Case, after: Case) -> bool:
        """Saves a change in the open transaction (False when there was none). `Conflict` when the
        card changed meanwhile (its version check failed)."""
        if after is before:
            return False
        if not await uow.cases.save_case(before, after):
            raise Conflict("карточку звонка только что изменили: повторите", code="edit_conflict")
        return True


def _with_row(
    outcome: tuple[Case | None, int | None] | Exception, rows: dict[int, CaseRow]
) -> ChangedCard | Exception:
    if isinstance(outcome, Exception):
        return outcome
    case, changed_id = outcome
    return case, None if changed_id is None else rows.get(changed_id)
