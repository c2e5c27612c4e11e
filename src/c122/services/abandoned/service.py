"""The abandoned-calls list (TEL-06): callers who hung up while waiting, as the call distribution keeps
them (its callback entries), with the line and topic of their call, for the operators of the queue's
group; one of them takes an entry and calls the applicant back.

Taking is built on the ACD's callbacks: the entry becomes the operator's alone and is offered to them;
an operator who takes calls in the browser is connected at once (one click), a SIP phone rings first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, DomainError, Forbidden, NotFound
from c122.domain.users import Actor
from c122.services.abandoned.ports import AbandonedUnitOfWork, CallbackList, CallbackListEntry, PhoneModes
from c122.services.access_audit import refusals_audited
from c122.services.ports import UnitOfWorkFactory

TakeState = Literal["calling", "ringing", "claimed"]


class CallbackTakenBy(Conflict):
    code = "callback_taken"


@dataclass(frozen=True)
class AbandonedCall:
    entry: CallbackListEntry
    line_number: str | None
    line_name: str | None
    topic: str | None  # the case type chosen in the IVR, or the IVR choice


class AbandonedCalls:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[AbandonedUnitOfWork],
        clock: Clock,
        callbacks: CallbackList,
        phones: PhoneModes,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._callbacks = callbacks
        self._phones = phones

    async def list(self, actor: Actor) -> list[AbandonedCall]:
        """The entries of the reader's groups (an administrator: all); the read is audited."""
        entries = [e for e in self._callbacks.callback_entries() if actor.sees_group(e.group_id)]
        rows: list[AbandonedCall] = []
        async with self._uow() as uow:
            for entry in entries:
                call = await uow.calls.get(entry.entry_id)
                record = call.record if call is not None else None
                rows.append(
                    AbandonedCall(
                        entry,
                        line_number=record.line_number if record else None,
                        line_name=call.line_name if call else None,
                        topic=(call.case_type_name or record.ivr_choice) if call and record else None,
                    )
                )
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id or None,
                action="read",
                entity="abandoned_calls",
                entity_id="list",
                detail={"entries": len(rows)},
            )
            await uow.commit()
        return rows

    async def take(self, actor: Actor, entry_id: str) -> TakeState:
        """An operator of the queue's group takes the entry and calls back: `calling` (connected in the
        browser, the applicant is being dialled), `ringing` (their SIP phone rings), or `claimed` (not
        free now: offered to them, and to nobody else, as soon as they are)."""
        async with refusals_audited(
            self._uow, self._clock, actor, wanted="take_callback", entity="abandoned_call", entity_id=entry_id
        ):
            entry = self._entry(entry_id)
            if entry.group_id not in actor.group_ids:
                raise Forbidden("this abandoned call belongs to another group's queue")
            self._refuse_taken(entry, actor)
            try:
                await self._callbacks.take_callback(actor.user_id, entry_id)
            except Conflict as exc:
                if exc.code == CallbackTakenBy.code:  # taken by someone else a moment ago
                    self._refuse_taken(self._find(entry_id), actor)
                raise
            state = await self._call_back(actor.user_id, entry_id)
        async with self._uow() as uow:
            await uow.audit.record(
                at=self._clock.now(),
                actor_id=actor.user_id,
                action="take_callback",
                entity="abandoned_call",
                entity_id=entry_id,
                detail={"caller": entry.caller, "queue_id": entry.queue_id, "state": state},
            )
            await uow.commit()
        return state

    async def _call_back(self, user_id: int, entry_id: str) -> TakeState:
        taken = self._find(entry_id)
        if taken is None:
            return "calling"  # already accepted (the offer was answered meanwhile)
        if not taken.offered:
            return "claimed"
        if self._phones.mode(user_id) == "sip":
            return "ringing"
        try:
            await self._callbacks.accept_for(user_id, entry_id)
        except DomainError:
            return "claimed"  # the offer ended meanwhile; the entry stays theirs
        return "calling"

    def _entry(self, entry_id: str) -> CallbackListEntry:
        entry = self._find(entry_id)
        if entry is None:
            raise NotFound("no such abandoned call (it may have been called back or closed)")
        return entry

    def _find(self, entry_id: str) -> CallbackListEntry | None:
        return next((e for e in self._callbacks.callback_entries() if e.entry_id == entry_id), None)

    @staticmethod
    def _refuse_taken(entry: CallbackListEntry | None, actor: Actor) -> None:
        if entry is not None and entry.claimed_by not in (None, actor.user_id):
            who = entry.claimed_by_name or f"оператор {entry.claimed_by}"
            raise CallbackTakenBy(f"этому заявителю уже перезванивает {who}")
