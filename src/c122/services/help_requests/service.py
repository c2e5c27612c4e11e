"""«Помощь старшего» (raise hand): an operator on a call asks the seniors on shift of their groups for
help; the first senior to take it answers it for the others; the operator may cancel it until then; it
closes when the call ends. Every step is stored (the call record shows it) and told to the desktops."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from c122.domain import help_requests as rules
from c122.domain.clock import Clock
from c122.domain.errors import Conflict, Forbidden, NotFound
from c122.domain.help_requests import HelpMode, HelpRequest, HelpStatus
from c122.domain.users import Actor, Role
from c122.services.events import EventPublisher
from c122.services.help_requests.events import help_request_changed
from c122.services.help_requests.ports import HelpRequestsUnitOfWork, LiveDistribution, LiveOperator
from c122.services.ports import UnitOfWorkFactory

ON_CALL = "on_call"
OFF_SHIFT = "offline"


@dataclass(frozen=True)
class RaisedHelp:
    request: HelpRequest
    seniors_notified: int  # 0: no senior of the operator's groups is on shift now


class HelpRequests:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[HelpRequestsUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        live: LiveDistribution,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._live = live
        # One raise at a time: a double press must not store two requests for one call.
        self._raising = asyncio.Lock()

    async def raise_hand(self, actor: Actor) -> RaisedHelp:
        """The operator asks for help on the call they are talking on (409 without one, or twice)."""
        me = self._live_row(actor.user_id)
        if me is None or me.status != ON_CALL or me.call is None:
            raise Conflict("you are not on a call: help is asked for during a call", code="not_on_call")
        call = me.call
        async with self._raising, self._uow() as uow:
            for existing in await uow.help_requests.active_on_calls([call.call_id]):
                if existing.operator_id == actor.user_id:
                    raise Conflict(
                        f"help is already asked for on this call (request {existing.id})",
                        code="already_raised",
                    )
            now = self._clock.now()
            request = await uow.help_requests.add(
                HelpRequest(
                    id=0,
                    call_id=call.call_id,
                    operator_id=actor.user_id,
                    operator_name=me.full_name,
                    caller=call.caller,
                    queue_id=call.queue_id,
                    group_ids=me.group_ids,
                    raised_at=now,
                )
            )
            await uow.commit()
        seniors = self._seniors_on_shift(request.group_ids)
        self._publisher.publish(help_request_changed(request, seniors, now))
        return RaisedHelp(request, len(seniors))

    async def take(self, actor: Actor, request_id: int, mode: HelpMode) -> HelpRequest:
        """A senior of the request's groups takes it; the others' alerts close (409 naming who was first)."""
        now = self._clock.now()
        async with self._uow() as uow:
            request = await self._get(uow, request_id)
            if not (actor.is_admin or actor.role is Role.SENIOR):
                raise Forbidden("only a senior operator takes a request for help")
            if not any(actor.supervises_group(g) for g in request.group_ids):
                raise Forbidden("this operator is not in any of your groups", code="out_of_scope")
            me = await uow.users.get(actor.user_id)
            result = rules.taken(
                request, actor.user_id, me.full_name if me else str(actor.user_id), mode, now
            )
            if not await uow.help_requests.replace(result, expected=HelpStatus.OPEN):
                rules.refuse_taking(await self._get(uow, request_id))  # another senior was first
            await uow.audit.record(
                at=now,
                actor_id=actor.user_id,
                action="help_request_taken",
                entity="call",
                entity_id=request.call_id,
                detail={"request_id": request.id, "operator_id": request.operator_id, "mode": mode},
            )
            await uow.commit()
        self._tell(result, now)
        return result

    async def cancel(self, actor: Actor, request_id: int) -> HelpRequest:
        """The operator withdraws their own request before a senior has taken it."""
        now = self._clock.now()
        async with self._uow() as uow:
            request = await self._get(uow, request_id)
            result = rules.cancelled(request, actor.user_id, now)
            if not await uow.help_requests.replace(result, expected=HelpStatus.OPEN):
                rules.cancelled(await self._get(uow, request_id), actor.user_id, now)
            await uow.commit()
        self._tell(result, now)
        return result

    async def calls_ended(self, call_ids: Iterable[str]) -> None:
        """The calls are over: their requests close, and every desktop still showing one learns it."""
        ids = sorted(set(call_ids))
        if not ids:
            return
        now = self._clock.now()
        closed: list[HelpRequest] = []
        async with self._uow() as uow:
            for request in await uow.help_requests.active_on_calls(ids):
                result = rules.ended(request, now)
                if await uow.help_requests.replace(result, expected=request.status):
                    closed.append(result)
            await uow.commit()
        for request in closed:
            self._tell(request, now)

    async def active(self, actor: Actor) -> list[HelpRequest]:
        """What the desktop shows after (re)connecting: an operator's own requests, a senior's groups'."""
        async with self._uow() as uow:
            requests = await uow.help_requests.active()
        return [r for r in requests if self._concerns(actor, r)]

    def now(self) -> datetime:
        return self._clock.now()

    async def on_call(self, call_id: str) -> list[HelpRequest]:
        """The call record's history of requests (the caller of this checked the right to the call)."""
        async with self._uow() as uow:
            return await uow.help_requests.on_call(call_id)

    @staticmethod
    def _concerns(actor: Actor, request: HelpRequest) -> bool:
        if request.operator_id == actor.user_id:
            return True
        return (actor.is_admin or actor.role is Role.SENIOR) and any(
            actor.supervises_group(g) for g in request.group_ids
        )

    @staticmethod
    async def _get(uow: HelpRequestsUnitOfWork, request_id: int) -> HelpRequest:
        request = await uow.help_requests.get(request_id)
        if request is None:
            raise NotFound(f"help request {request_id} does not exist", code="unknown_help_request")
        return request

    def _tell(self, request: HelpRequest, at: datetime) -> None:
        self._publisher.publish(help_request_changed(request, self._seniors_on_shift(request.group_ids), at))

    def _live_row(self, user_id: int) -> LiveOperator | None:
        return next((row for row in self._live.live_operators() if row.user_id == user_id), None)

    def _seniors_on_shift(self, group_ids: frozenset[int]) -> list[int]:
        return [
            row.user_id
            for row in self._live.live_operators()
            if row.role == Role.SENIOR.value
            and row.status != OFF_SHIFT
            and not row.group_ids.isdisjoint(group_ids)
        ]
