"""Listen, whisper, barge (TEL-22, TEL-23, SUP-06, SUP-07): a senior's own audio on an operator's call of
their groups, switched between the modes without re-dialling. Every session and each of its modes is
stored (the call's record shows them), written to the audit log, and announced to the senior (and to
the operator when their group shows it)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from c122.domain.clock import Clock
from c122.domain.errors import Conflict, Forbidden, NotFound
from c122.domain.monitoring import ModeSpan, MonitoringEnd, MonitoringSession, MonitorMode
from c122.domain.users import Actor, Role
from c122.services.access_audit import record_refusal
from c122.services.events import EventPublisher
from c122.services.ports import UnitOfWorkFactory
from c122.services.supervision.events import (
    MONITORING_ENDED,
    MONITORING_MODE_CHANGED,
    MONITORING_STARTED,
    monitoring_event,
)
from c122.services.supervision.ports import CallMonitoring, MonitoredCall, SupervisionUnitOfWork

log = logging.getLogger(__name__)


class Monitoring:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[SupervisionUnitOfWork],
        clock: Clock,
        publisher: EventPublisher,
        calls: CallMonitoring | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._publisher = publisher
        self._calls = calls
        self._live: dict[str, MonitoringSession] = {}  # by session id (= the call flow's monitor id)
        self._gone_while_joining: dict[str, MonitoringEnd] = {}  # ended before `start` stored them
        self._tasks: set[asyncio.Task[None]] = set()

    def active(self, actor: Actor) -> list[MonitoringSession]:
        """The viewer's own sessions in progress."""
        return [s for s in self._live.values() if s.supervisor_id == actor.user_id]

    async def start(
        self, actor: Actor, mode: MonitorMode, *, call_id: str | None = None, operator_id: int | None = None
    ) -> MonitoringSession:
        """Joins the senior's audio to a call (named, or the one the operator is on) in `mode`."""
        entity, entity_id = ("call", call_id) if call_id is not None else ("user", operator_id)
        try:
            if not (actor.is_admin or actor.role is Role.SENIOR):
                raise Forbidden("calls are monitored by senior operators and administrators")
            call = await self._call(actor, call_id, operator_id)
            notified, group_id = await self._check_scope(actor, call)
        except (Forbidden, NotFound) as refusal:  # a probe of a call the senior may not hear leaves a trace
            await record_refusal(
                self._uow, self._clock, actor, "monitor_call", entity, entity_id, refusal.code
            )
            raise
        assert call.operator_id is not None
        if self._calls is None:
            raise Conflict("this server runs no telephony", code="no_telephony")
        joined = await self._calls.join(call.call_id, actor.user_id, mode, self._left_by_itself)
        now = self._clock.now()
        session = MonitoringSession(
            id=joined.monitor_id,
            call_id=call.call_id,
            supervisor_id=actor.user_id,
            operator_id=call.operator_id,
            group_id=group_id,
            audio=joined.audio,
            started_at=now,
            modes=(ModeSpan(mode, now),),
            operator_notified=notified,
        )
        self._live[session.id] = session
        try:
            async with self._uow() as uow:
                await uow.monitoring.add(session)
                await self._audit(uow, actor.user_id, "monitoring_started", session)
                await uow.commit()
        except BaseException:
            self._live.pop(session.id, None)
            await self._calls.leave(session.id)
            raise
        self._publisher.publish(monitoring_event(MONITORING_STARTED, session, now))
        gone = self._gone_while_joining.pop(session.id, None)
        if gone is not None:  # the call ended while the senior's audio was joining it
            return await self._end(session.id, gone, None) or session
        return session

    async def switch(self, actor: Actor, session_id: str, mode: MonitorMode) -> MonitoringSession:
        session = self._own(actor, session_id)
        if session.mode is mode:
            return session
        assert self._calls is not None
        await self._calls.switch(session_id, mode)
        now = self._clock.now()
        session = self._live[session_id] = session.switched(mode, now)
        async with self._uow() as uow:
            await uow.monitoring.switched(session_id, mode, now)
            await self._audit(uow, actor.user_id, "monitoring_mode_changed", session)
            await uow.commit()
        self._publisher.publish(monitoring_event(MONITORING_MODE_CHANGED, session, now))
        return session

    async def stop(self, actor: Actor, session_id: str) -> MonitoringSession:
        session = self._own(actor, session_id)
        assert self._calls is not None
        await self._calls.leave(session_id)
        return await self._end(session_id, MonitoringEnd.STOPPED, actor.user_id) or session

    # -- inside ------------------------------------------------------------------------------------

    async def _call(self, actor: Actor, call_id: str | None, operator_id: int | None) -> MonitoredCall:
        if call_id is None and operator_id is None:
            raise NotFound("name a call or an operator", code="unknown_call")
        if self._calls is not None:
            call = (
                self._calls.live_call(call_id)
                if call_id is not None
                else self._calls.call_of_operator(operator_id or 0)
            )
            if call is not None and call.operator_id is not None:
                return call
            if call is not None:
                raise Conflict("nobody talks on this call yet (IVR or queue)", code="call_not_connected")
        if call_id is None:
            raise Conflict("this operator is not on a call", code="operator_not_on_call")
        async with self._uow() as uow:
            row = await uow.calls.get(call_id)
            if row is None:
                raise NotFound("no such call", code="unknown_call")
            ended = MonitoredCall(call_id, row.record.operator_id, row.record.group_id)
        await self._check_scope(actor, ended)  # another group's ended call is theirs to know about
        raise Conflict("the call has ended", code="call_ended")

    async def _check_scope(self, actor: Actor, call: MonitoredCall) -> tuple[bool, int | None]:
        """403 outside the senior's groups (the call's queue's group, else the operator's groups);
        returns whether the operator is shown that they are monitored, and the group."""
        async with self._uow() as uow:
            operator = await uow.users.get(call.operator_id) if call.operator_id is not None else None
            groups = set(operator.group_ids) if operator is not None else set()
            if call.group_id is not None:
                groups = {call.group_id}
            if not actor.is_admin and not any(actor.supervises_group(g) for g in groups):
                raise Forbidden("this call belongs to another group", code="out_of_scope")
            shown = False
            for group_id in sorted(groups):
                group = await uow.groups.get(group_id)
                shown = shown or (group is not None and group.monitoring_shown)
        return shown, call.group_id if call.group_id is not None else min(groups, default=None)

    def _own(self, actor: Actor, session_id: str) -> MonitoringSession:
        session = self._live.get(session_id)
        if session is None:
            raise Conflict("this monitoring has ended", code="monitoring_ended")
        if session.supervisor_id != actor.user_id:
            raise Forbidden("this monitoring session is another senior's", code="not_your_session")
        return session

    def _left_by_itself(self, session_id: str, reason: MonitoringEnd) -> None:
        """The call ended, or the senior's audio went away: the session ends and the senior hears so."""
        if session_id not in self._live:
            self._gone_while_joining[session_id] = reason
            return
        self._spawn(self._end(session_id, reason, None))

    async def _end(
        self, session_id: str, reason: MonitoringEnd, actor_id: int | None
    ) -> MonitoringSession | None:
        session = self._live.pop(session_id, None)
        if session is None:
            return None
        now = self._clock.now()
        session = session.ended(now, reason)
        try:
            async with self._uow() as uow:
                await uow.monitoring.ended(session_id, now, reason)
                await self._audit(uow, actor_id or session.supervisor_id, "monitoring_ended", session)
                await uow.commit()
        finally:
            self._publisher.publish(monitoring_event(MONITORING_ENDED, session, now))
        return session

    @staticmethod
    async def _audit(
        uow: SupervisionUnitOfWork, actor_id: int, action: str, session: MonitoringSession
    ) -> None:
        await uow.audit.record(
            at=session.ended_at or session.modes[-1].started_at,
            actor_id=actor_id,
            action=action,
            entity="call",
            entity_id=session.call_id,
            detail={
                "session_id": session.id,
                "operator_id": session.operator_id,
                "mode": session.mode.value,
                "audio": session.audio,
                **({"reason": session.end_reason.value} if session.end_reason else {}),
            },
        )

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        async def run() -> None:
            try:
                await coroutine
            except Exception:
                log.exception("monitoring: the end of a session was not stored")

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
