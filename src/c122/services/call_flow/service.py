"""The call flow: a call on a line runs the line's IVR flow, waits in a queue, and reaches an operator.

Telephony tells this service about legs (`incoming`, `leg_answered`, `leg_dtmf`, `playback_finished`,
`leg_gone`); the ACD tells it about its decisions (an outcome listener); the operator's desktop asks for
hang-up and hold. Each is routed, as a message, to the call it concerns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable

from c122.domain.acd import (
    CallCompleted,
    CallConnected,
    CallExited,
    CallOffered,
    CallTransferred,
    CompletedBy,
    OfferRejected,
    OfferWithdrawn,
    Outcome,
)
from c122.domain.calls.invitation import invitation_ticket, invited_by
from c122.domain.calls.origin import CallOrigin
from c122.domain.calls.record import Direction
from c122.domain.errors import (
    Conflict,
    DatabaseUnavailable,
    DomainError,
    FieldProblem,
    InvalidFields,
    NotFound,
)
from c122.domain.ivr import Executor, Flow
from c122.domain.monitoring import MonitorAudio, MonitoringEnd, MonitorMode
from c122.domain.phones import InvalidPhone, normalize_phone
from c122.domain.routing import ActionKind, Rule, Stage
from c122.services.call_flow import messages as m
from c122.services.call_flow.actor import CallActor
from c122.services.call_flow.callback import CallbackCall
from c122.services.call_flow.conference import MAX_PARTIES, Party
from c122.services.call_flow.conference_call import ConferenceCall
from c122.services.call_flow.context import CallFlowContext
from c122.services.call_flow.inbound import InboundCall
from c122.services.call_flow.monitoring import Monitor
from c122.services.call_flow.outbound import OutboundCall
from c122.services.call_flow.ports import KeptCall
from c122.services.call_flow.record import CallRecordDraft
from c122.services.call_flow.routes import AllLines, FlowLookup, LineLookup, Routes, ServiceNames
from c122.services.contact_center.ports import OfferContext
from c122.services.supervision.ports import MonitoredCall, MonitorEnded, MonitorJoined

log = logging.getLogger(__name__)

#: Ids of the calls this service places in the ACD (inbound, placed by operators, callbacks of inbound
#: calls, and the colleagues they hold: "<id>:..."); other call sources use other prefixes.
CALL_ID_PREFIXES = ("call-", "out-", "conf-")
#: A call reaches the ACD a moment before this service may name it (an operator's own call is entered
#: first): the reconciliation leaves calls younger than this alone.
RECONCILE_GRACE_S = 30.0
_PAST_THE_MENU = (ActionKind.QUEUE, ActionKind.REFUSE)  # rules whose call never hears the line's menu
#: A desk's transfer, consultation or conference asked the moment the ACD connected the operator waits
#: this long, looking every poll, for the call to take the operator up (`_operator_call_taken`).
TAKE_UP_WAIT_SECONDS = 3.0
TAKE_UP_POLL_SECONDS = 0.02


def owns_call(call_id: str) -> bool:
    return call_id.startswith(CALL_ID_PREFIXES)


#: How long a senior's SIP phone may ring before monitoring gives up on it.
SUPERVISOR_PHONE_ANSWER_S = 20.0


class NoCall(Conflict):
    code = "no_call"


class NoAudioConnection(Conflict):
    """A senior who would listen in has no browser leg and no registered phone; says which to connect."""

    code = "no_audio_connection"


def caller_number(presented: str) -> str:
    """The caller's number in E.164 (+7…) when it is a phone number; withheld or odd ids as they came."""
    try:
        return normalize_phone(presented)
    except InvalidPhone:
        return presented


class CallFlowService:
    def __init__(
        self,
        ctx: CallFlowContext,
        *,
        line_for: LineLookup,
        flow_for: FlowLookup,
        service_name: ServiceNames,
        lines: AllLines | None = None,
        callback_caller_id: str = "",
    ) -> None:
        self._callback_caller_id = callback_caller_id  # presented when no trunk names its own
        self._ctx = ctx
        self._routes = Routes(line_for, flow_for, service_name)
        self._lines = lines
        self._calls: dict[str, CallActor] = {}
        self._executors: dict[tuple[str, int], Executor] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._taking_calls = asyncio.Event()  # cleared while a restart ends what the last run left
        self._taking_calls.set()
        self._monitor_legs: dict[str, str] = {}  # a supervisor's leg -> the call it listens to
        self._answering: dict[str, asyncio.Future[bool]] = {}  # supervisors' phones ringing
        ctx.center.add_listener(self._on_outcome)
        ctx.center.add_remote_listener(self._on_remote_outcome)

    # -- legs (telephony) ----------------------------------------------------------------------------

    async def incoming(self, leg: str, caller: str, called: str, origin: CallOrigin | None = None) -> None:
        """A new inbound leg: a line's call runs its flow; anything else is refused. While the database
        is down and the number's route was never read, the caller still gets the outage notice. `origin`:
        a call from the citizen app, whose card names that source and the device's location."""
        await self._taking_calls.wait()
        try:
            route = await self._routes.route(called)
        except DatabaseUnavailable:
            log.warning("inbound call from %s to %s: the database is down, no route known", caller, called)
            self._start_inbound(leg, caller, called, None, OfferContext(called, None), None, origin=origin)
            return
        line, flow = route.line, route.flow
        if line is None:
            log.warning("inbound call from %s to %s: no such line, refused with 404", caller, called)
            await self._ctx.switch.reject(leg, 404)
            return
        rule = await self._arrival_rule(line.id, caller)
        if rule is not None and rule.draft.action.kind is ActionKind.FLOW:
            flow = await self._rule_flow(rule) or flow
        if flow is None and (rule is None or rule.draft.action.kind not in _PAST_THE_MENU):
            log.warning(
                "inbound call from %s to line %s (%s): the line has no call flow, refused with 480",
                caller,
                line.number,
                line.name,
            )
            await self._ctx.switch.reject(leg, 480)
            return
        context = OfferContext(service_number=line.number, service_name=route.service_name)
        groups = self._ctx.center.service_groups(line.service_id) if line.service_id is not None else []
        self._start_inbound(
            leg,
            caller,
            called,
            line.number,
            context,
            self._executor(flow) if flow is not None else None,
            line.default_case_type_id,
            ivr_group_id=min(groups) if groups else None,
            origin=origin,
            line_id=line.id,
            arrival_rule=rule,
        )

    async def _arrival_rule(self, line_id: int, caller: str) -> Rule | None:
        """The line's routing rule deciding the call before its menu (TEL-04), if any."""
        if self._ctx.routing is None:
            return None
        return await self._ctx.routing.rule_for_call(
            line_id, caller_number(caller), Stage.ARRIVAL, self._ctx.clock.now()
        )

    async def _rule_flow(self, rule: Rule) -> Flow | None:
        """The flow a rule names; None (the line's flow plays) when it cannot be read."""
        name = rule.draft.action.flow or ""
        try:
            flow = await self._routes.flow(name)
        except DatabaseUnavailable:
            flow = None
        if flow is None:
            log.warning(
                "routing rule «%s»: flow «%s» cannot be read; the line's flow plays", rule.draft.name, name
            )
        return flow

    def _start_inbound(
        self,
        leg: str,
        caller: str,
        called: str,
        line_number: str | None,
        context: OfferContext,
        executor: Executor | None,
        default_case_type_id: int | None = None,
        *,
        ivr_group_id: int | None = None,
        origin: CallOrigin | None = None,
        line_id: int | None = None,
        arrival_rule: Rule | None = None,
    ) -> None:
        caller = caller_number(caller)
        call_id = f"call-{uuid.uuid4().hex[:16]}"
        draft = CallRecordDraft.inbound(call_id, leg, line_number, caller, called, self._ctx.clock.now())
        call = InboundCall(
            self._ctx, call_id, leg, draft, context, default_case_type_id, ivr_group_id, origin
        )
        call.routed(line_id, arrival_rule)
        self._calls[call_id] = call
        self._ctx.leg_owners[leg] = call
        self._spawn(self._run(call, executor))

    def forget_routes(self) -> None:
        """Lines or services changed: the next call reads its routing afresh (and all are read again
        now, to be at hand if the database goes down)."""
        self._routes.forget()
        self._spawn(self.warm())

    async def warm(self) -> None:
        """Reads every line's route, the prompts its flow plays and the outage notice ahead, so calls
        keep their IVR while the database is down (the process keeps what it read last)."""
        try:
            await self._ctx.prompts.announcement_specs([self._ctx.settings.outage_text])
            if self._lines is None:
                return
            await self._routes.warm(self._lines)
            for name in self._routes.prompts():
                await self._ctx.prompts.media_spec(name)
        except DatabaseUnavailable as exc:
            log.warning("call routes not refreshed: %s", exc.message)

    def leg_answered(self, leg: str) -> None:
        answering = self._answering.get(leg)
        if answering is not None and not answering.done():
            answering.set_result(True)
        self._post_leg(leg, m.LegAnswered(leg))

    def leg_dtmf(self, leg: str, digit: str) -> None:
        self._post_leg(leg, m.Digit(digit))

    def playback_finished(self, leg: str, playback: str, stopped: bool) -> None:
        self._post_leg(leg, m.PlaybackDone(playback, stopped))

    def leg_gone(self, leg: str, cause: str) -> None:
        answering = self._answering.get(leg)
        if answering is not None and not answering.done():
            answering.set_result(False)
        call_id = self._monitor_legs.get(leg)
        call = self._calls.get(call_id) if call_id is not None else None
        if call is not None:
            monitor_id = call.monitors.monitor_of_leg(leg)
            if monitor_id is not None:
                self._spawn(call.monitors.remove(monitor_id, MonitoringEnd.AUDIO_LOST))
        self._post_leg(leg, m.LegGone(leg, cause))
        self._ctx.leg_owners.pop(leg, None)

    def call_of_leg(self, leg: str) -> str | None:
        """The id of the call a leg belongs to (the distribution and the records know it by that id)."""
        call = self._ctx.leg_owners.get(leg)
        return call.id if call is not None else None

    # -- seniors listening in (supervision's CallMonitoring) -------------------------------------------

    def live_call(self, call_id: str) -> MonitoredCall | None:
        call = self._calls.get(call_id)
        return self._monitored(call) if call is not None else None

    def call_of_operator(self, user_id: int) -> MonitoredCall | None:
        call = self._talking(user_id)
        return self._monitored(call) if call is not None else None

    @staticmethod
    def _monitored(call: CallActor) -> MonitoredCall:
        talking = call.operator_id if call.operator_leg is not None else None
        return MonitoredCall(call.id, talking, call.record.group_id)

    def _talking(self, user_id: int) -> CallActor | None:
        return next(
            (c for c in self._calls.values() if c.operator_id == user_id and c.operator_leg is not None), None
        )

    async def join(
        self, call_id: str, supervisor_id: int, mode: MonitorMode, on_end: MonitorEnded
    ) -> MonitorJoined:
        call = self._calls.get(call_id)
        if call is None or call.operator_leg is None:
            raise NoCall("nobody talks on this call now", code="call_not_connected")
        if self._talking(supervisor_id) is not None:
            raise Conflict("you are on a call yourself; finish it first", code="supervisor_on_call")
        if call.operator_id == supervisor_id:
            raise Conflict("this is your own call", code="own_call")
        leg, audio, owns_leg = await self._supervisor_leg(supervisor_id, call)
        if leg in self._monitor_legs:
            raise Conflict("you already listen to a call; leave it first", code="already_monitoring")

        def ended(monitor_id: str, reason: MonitoringEnd) -> None:
            self._monitor_legs.pop(leg, None)
            on_end(monitor_id, reason)

        if call_id not in self._calls:  # the call ended while the phone rang
            if owns_leg:
                await self._ctx.switch.hang_up(leg)
            raise Conflict("the call has ended", code="call_ended")
        monitor = Monitor(f"mon-{uuid.uuid4().hex[:16]}", supervisor_id, leg, mode, ended, owns_leg)
        self._monitor_legs[leg] = call_id
        await call.monitors.add(monitor)
        return MonitorJoined(monitor.id, audio)

    async def _supervisor_leg(self, supervisor_id: int, call: CallActor) -> tuple[str, MonitorAudio, bool]:
        """The senior's own audio: their browser leg, or their SIP phone rung (answering by itself)."""
        switch = self._ctx.switch
        if self._ctx.phones.mode(supervisor_id) == "browser":
            leg = switch.browser_leg(supervisor_id)
            if leg is None:
                raise NoAudioConnection(
                    "connect the browser audio first: start your shift so the softphone connects "
                    "(allow the microphone), or switch to a registered SIP phone"
                )
            return leg, "browser", False
        account = self._ctx.phones.account(supervisor_id)
        if account is None or not switch.phone_registered(account):
            raise NoAudioConnection(
                f"register your SIP phone (account {account or 'not set'}) or switch to browser audio"
            )
        ringing = await switch.ring_phone(account, call.record.caller, call.record.called, auto_answer=True)
        if ringing is None:
            raise NoAudioConnection(f"register your SIP phone (account {account}) or switch to browser audio")
        answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._answering[ringing] = answered
        try:
            ok = await asyncio.wait_for(answered, SUPERVISOR_PHONE_ANSWER_S)
        except TimeoutError:
            ok = False
        finally:
            self._answering.pop(ringing, None)
        if not ok:
            await switch.hang_up(ringing)
            raise Conflict(f"your SIP phone ({account}) did not answer", code="phone_not_answered")
        return ringing, "sip", True

    def _monitoring_call(self, monitor_id: str) -> CallActor | None:
        return next((c for c in self._calls.values() if monitor_id in c.monitors), None)

    async def switch(self, monitor_id: str, mode: MonitorMode) -> None:
        call = self._monitoring_call(monitor_id)
        if call is None:
            raise Conflict("this monitoring has ended", code="monitoring_ended")
        await call.monitors.switch(monitor_id, mode)

    async def leave(self, monitor_id: str) -> None:
        call = self._monitoring_call(monitor_id)
        if call is None:
            return
        for leg in call.monitors.legs():
            if call.monitors.monitor_of_leg(leg) == monitor_id:
                self._monitor_legs.pop(leg, None)
        await call.monitors.remove(monitor_id, MonitoringEnd.STOPPED)

    # -- the operator's desktop ------------------------------------------------------------------------

    def hang_up(self, user_id: int) -> None:
        """The operator's conversation ends; a colleague taking part in someone's consultation or
        conference leaves it (the others go on)."""
        joined = next(
            (
                c
                for c in self._calls.values()
                if c.consultation.talking_colleague == user_id or c.conference_room.joined_guest(user_id)
            ),
            None,
        )
        if joined is not None and self._talking(user_id) is None:
            joined.post(m.ColleagueHangUp(user_id))
            return
        if self._sent_to_call_node(user_id, "hang_up"):
            return
        self._operator_call(user_id).post(m.OperatorHangUp())

    def _sent_to_call_node(self, user_id: int, action: str, queue_id: int | None = None) -> bool:
        """The operator talks on a call another node carries (through the media hop): the action goes
        there. False when this node has the call, or nobody has."""
        if self._talking(user_id) is not None:
            return False
        call_id = self._ctx.center.call_elsewhere(user_id)
        if call_id is None:
            return False
        self._ctx.center.to_call_node(call_id, user_id, action, queue_id)
        return True

    def desk_action_here(self, call_id: str, user_id: int, action: str, queue_id: int | None) -> None:
        """A desk on another node acts on a call this node carries; a call not here is left alone."""
        call = self._calls.get(call_id)
        if call is None or call.operator_id != user_id or call.operator_leg is None:
            return
        match action:
            case "hang_up":
                call.post(m.OperatorHangUp())
            case "hold" | "unhold":
                call.post(m.OperatorHold(action == "hold"))
            case "transfer" if queue_id is not None:
                call.post(m.TransferRequested(queue_id=queue_id))
            case _:
                log.warning("call %s: unknown desk action %r from another node", call_id, action)

    def answer_put_through(self, user_id: int, call_id: str, *, answered: bool) -> None:
        """The colleague a call is put through to (a transfer or a consultation) answers it at their
        desk, or declines it (the caller goes back to the operator who tried). 409 `no_call` when their
        desk does not ring with that call (any more)."""
        call = self._calls.get(call_id)
        if call is None or (
            call.consultation.ringing_colleague != user_id and not call.conference_room.ringing_desk(user_id)
        ):
            raise NoCall(f"call {call_id} is not put through to you")
        call.post(m.ColleagueAnswer(user_id, answered))

    def hold(self, user_id: int, held: bool) -> None:
        if self._sent_to_call_node(user_id, "hold" if held else "unhold"):
            return
        self._operator_call(user_id).post(m.OperatorHold(held))

    async def transfer(
        self,
        user_id: int,
        *,
        queue_id: int | None = None,
        number: str | None = None,
        group_id: int | None = None,
        service_id: int | None = None,
        colleague: int | None = None,
    ) -> None:
        """Blind transfer of the operator's caller (TEL-12, TEL-18): to a queue, to a group (its queue),
        to a service (its line's entry flow: the caller hears the service's menu), to a colleague (with
        the card; one on a break, away or not on shift is refused with 409 `colleague_unavailable` and
        the reason, and the call stays), or out to a number. On a call another node carries (the desk
        reaches it through the media hop) only a queue or a group is a target here: the others get 409
        `call_on_another_node`."""
        if group_id is not None and self._ctx.center.call_elsewhere(user_id) is not None:
            queue_id = self._ctx.center.group_queue(group_id)
            if queue_id is None:
                raise InvalidFields([FieldProblem("group_id", "no_queue", "у этой группы нет очереди")])
        if queue_id is not None and self._ctx.center.queue_settings(queue_id) is None:
            raise NotFound(f"queue {queue_id} does not exist")
        if queue_id is not None and self._sent_to_call_node(user_id, "transfer", queue_id):
            return
        call = await self._operator_call_taken(user_id)
        if colleague is not None:
            if call.consulting:
                raise Conflict("a consultation is in progress", code="consulting")
            self._check_colleague(user_id, colleague)
            engaged = f"{call.id}:transfer:{uuid.uuid4().hex[:8]}"
            await self._ctx.center.engage_for(colleague, engaged, must_be_available=True)
            call.hold_colleague(engaged)
            call.post(m.ConsultRequested(user_id=colleague, engaged=engaged, blind=True))
            return
        if group_id is not None:
            queue_id = self._ctx.center.group_queue(group_id)
            if queue_id is None:
                raise InvalidFields([FieldProblem("group_id", "no_queue", "у этой группы нет очереди")])
        if queue_id is not None:
            if self._ctx.center.queue_settings(queue_id) is None:
                raise NotFound(f"queue {queue_id} does not exist")
            call.post(m.TransferRequested(queue_id=queue_id))
            return
        if service_id is not None:
            if not call.enters_flows:
                raise Conflict(
                    "only a caller who came in on a line can be sent to a service's entry",
                    code="not_a_line_call",
                )
            call.post(m.TransferRequested(entry=await self._service_entry(service_id)))
            return
        call.post(m.TransferRequested(number=self._dialable(number)))

    async def _service_entry(self, service_id: int) -> Executor:
        """The entry flow of the service's first line that has one."""
        if await self._routes.service_name(service_id) is None:
            raise NotFound(f"service {service_id} does not exist", code="unknown_service")
        lines = await self._lines() if self._lines is not None else []
        for line in sorted(lines, key=lambda line: line.id):
            if line.service_id == service_id and line.entry_flow:
                route = await self._routes.route(line.number)
                if route.flow is not None:
                    return self._executor(route.flow)
        raise InvalidFields(
            [FieldProblem("service_id", "no_entry", "у этой службы нет линии с голосовым меню")]
        )

    async def _colleague_in(self, user_id: int, group_id: int | None, service_id: int | None) -> int | None:
        """A call or consultation to a group or a service reaches its longest-idle free operator
        (TEL-17); None when neither is given. 409 `no_free_operator` when nobody is free there."""
        if group_id is None and service_id is None:
            return None
        if group_id is not None:
            self._ctx.center.group_queue(group_id)  # NotFound for no such group
            groups = [group_id]
        else:
            assert service_id is not None
            if await self._routes.service_name(service_id) is None:
                raise NotFound(f"service {service_id} does not exist", code="unknown_service")
            groups = self._ctx.center.service_groups(service_id)
        colleague = self._ctx.center.free_operator(groups, excluding=user_id)
        if colleague is None:
            where = "в группе" if group_id is not None else "в службе"
            raise Conflict(f"{where} сейчас нет свободных операторов", code="no_free_operator")
        return colleague

    async def consult(
        self,
        user_id: int,
        *,
        colleague: int | None = None,
        number: str | None = None,
        group_id: int | None = None,
        service_id: int | None = None,
    ) -> None:
        """Consultation (TEL-17): the caller waits with music while the operator calls a colleague, a
        group or a service (their longest-idle free operator) or a public number. A colleague on a call
        is refused (409 `colleague_busy`); one who takes calls gets no offers until the consultation
        lets them go."""
        call = await self._operator_call_taken(user_id)
        if call.consulting:
            raise Conflict("a consultation is already in progress", code="consulting")
        colleague = await self._colleague_in(user_id, group_id, service_id) or colleague
        if colleague is not None:
            self._check_colleague(user_id, colleague)
            engaged = f"{call.id}:consult:{uuid.uuid4().hex[:8]}"
            if await self._ctx.center.engage_for(colleague, engaged):
                call.hold_colleague(engaged)
                call.post(m.ConsultRequested(user_id=colleague, engaged=engaged))
            else:
                call.post(m.ConsultRequested(user_id=colleague))
            return
        call.post(m.ConsultRequested(number=self._dialable(number)))

    # -- conferences (TEL-21) ------------------------------------------------------------------------------

    async def conference_start(
        self,
        user_id: int,
        *,
        colleague: int | None = None,
        number: str | None = None,
        group_id: int | None = None,
    ) -> str:
        """The operator's call in progress becomes a conference of its caller and them; with no call,
        the operator starts one with the first invitee given (`ConferenceCall`). Its id is the call's.
        409 `no_call` (no call and nobody invited), `consulting`, `on_hold`, `in_conference`; an
        invitee given with a call in progress is invited as by `conference_invite`."""
        invites = (colleague, number, group_id) != (None, None, None)
        try:
            call = await self._operator_call_taken(user_id)
        except NoCall:
            if not invites:
                raise
            return await self._conference_without_call(user_id, colleague, number, group_id)
        if call.consulting:
            raise Conflict("a consultation is in progress", code="consulting")
        if call.conference_room.active:
            raise Conflict("the call is a conference already", code="in_conference")
        if call.held:
            raise Conflict("take the caller off hold first", code="on_hold")
        call.conference_room.open()
        call.post(m.ConferenceStart())
        if invites:
            call.post(await self._invitation(call, user_id, colleague, number, group_id))
        return call.id

    async def _conference_without_call(
        self, user_id: int, colleague: int | None, number: str | None, group_id: int | None
    ) -> str:
        """No call in progress: a conference of the operator and the first invitee. The operator must be
        ready or in wrap-up, as for a call they place (409 otherwise)."""
        login = self._ctx.phones.account(user_id) or str(user_id)
        call_id = f"conf-{uuid.uuid4().hex[:16]}"
        draft = CallRecordDraft.placed(call_id, "internal", login, "", self._ctx.clock.now())
        call = ConferenceCall(self._ctx, call_id, "", draft)
        first = await self._invitation(call, user_id, colleague, number, group_id)
        try:
            await self._ctx.center.dial_for(user_id, call_id)
        except DomainError:
            for held in call.acd_ids()[1:]:  # the colleague invited is free again
                with contextlib.suppress(DomainError):
                    await self._ctx.center.hang_up(held, CompletedBy.OPERATOR)
            raise
        if isinstance(first, m.ConferenceQueue):
            draft.called = first.queue_name
        elif first.user_id is not None:
            draft.called = self._ctx.phones.account(first.user_id) or str(first.user_id)
        else:
            draft.called = first.number or ""
        call.first = first
        self._calls[call_id] = call
        self._spawn(self._run_outbound(call, user_id))
        return call_id

    async def conference_invite(
        self,
        user_id: int,
        *,
        colleague: int | None = None,
        number: str | None = None,
        group_id: int | None = None,
    ) -> str:
        """Calls a colleague, a group's longest-idle free operator or a number into the organiser's
        conference; the party's id. With nobody of the group free the invitation waits in the group's
        queue. 409 `conference_full` past five parties, `colleague_busy` for a colleague on a call (as
        for a consultation), `already_in_conference`."""
        call = self._conference_of(user_id)
        invitation = await self._invitation(call, user_id, colleague, number, group_id)
        call.post(invitation)
        return invitation.party_id

    async def _invitation(
        self,
        call: CallActor,
        user_id: int,
        colleague: int | None,
        number: str | None,
        group_id: int | None,
    ) -> m.ConferenceInvite | m.ConferenceQueue:
        """The invitation's checks and its place in the conference (reserved against the limit, the
        colleague held from offers); the call reads it as a message."""
        room = call.conference_room
        if room.size >= MAX_PARTIES:
            raise Conflict(
                f"в аудиоконференции уже {MAX_PARTIES} участников: можно пригласить до пяти",
                code="conference_full",
            )
        party_id = f"p-{uuid.uuid4().hex[:8]}"
        if group_id is not None:
            queue_id = self._ctx.center.group_queue(group_id)  # NotFound for no such group
            if self._ctx.center.free_operator([group_id], excluding=user_id) is None:
                return self._queue_invitation(call, party_id, queue_id)
        colleague = await self._colleague_in(user_id, group_id, None) or colleague
        if colleague is None:
            dialled = self._dialable(number)
            room.reserve(party_id)
            return m.ConferenceInvite(party_id, number=dialled)
        self._check_colleague(user_id, colleague)
        if room.has_user(colleague):
            raise Conflict("this colleague is in the conference already", code="already_in_conference")
        engaged = f"{call.id}:conference:{party_id}"
        held = await self._ctx.center.engage_for(colleague, engaged)  # 409 colleague_busy
        if room.size >= MAX_PARTIES:  # another invitation took the last place meanwhile
            if held:
                await self._ctx.center.hang_up(engaged, CompletedBy.OPERATOR)
            raise Conflict(
                f"в аудиоконференции уже {MAX_PARTIES} участников: можно пригласить до пяти",
                code="conference_full",
            )
        if held:
            call.hold_colleague(engaged)
        room.reserve(party_id)
        return m.ConferenceInvite(party_id, user_id=colleague, engaged=engaged if held else None)

    def _queue_invitation(self, call: CallActor, party_id: str, queue_id: int | None) -> m.ConferenceQueue:
        """The invitation waits in the group's queue as its own ACD entry, held by the call (so it goes
        with the call however it ends); the ACD's offer of it reaches the call (`_on_outcome`)."""
        queue = self._ctx.center.queue_settings(queue_id) if queue_id is not None else None
        if queue is None:
            raise InvalidFields([FieldProblem("group_id", "no_queue", "у этой группы нет очереди")])
        ticket = invitation_ticket(call.id, party_id)
        call.hold_colleague(ticket)
        call.conference_room.reserve(party_id)
        return m.ConferenceQueue(party_id, queue.id, queue.name, ticket)

    def _invited_by(self, acd_id: str) -> CallActor | None:
        """The conference whose queued invitation the ACD offers."""
        call_id = invited_by(acd_id)
        return self._calls.get(call_id) if call_id is not None else None

    def conference_mute(self, user_id: int, party_id: str, muted: bool) -> None:
        """The organiser mutes or unmutes any party; every other operator in the conference their own
        microphone (409 `not_organiser` for someone else's)."""
        room_call = self._conference_joined(user_id)
        call = room_call if room_call is not None else self._conference_of(user_id)
        party = self._conference_party(call, party_id)
        if call.conference_room.organiser_id() != user_id and party.user_id != user_id:
            raise Conflict("микрофон другого участника выключает организатор", code="not_organiser")
        call.post(m.ConferenceMute(party_id, muted))

    def _conference_joined(self, user_id: int) -> CallActor | None:
        """The conference the user is in (as its organiser or as a colleague who joined it)."""
        for call in self._calls.values():
            room = call.conference_room
            if room.active and room.party_of(user_id) is not None:
                return call
        return None

    def conference_remove(self, user_id: int, party_id: str) -> None:
        """409 `organiser` for the organiser: they leave (or end the conference) instead."""
        call = self._conference_of(user_id)
        if self._conference_party(call, party_id).role == "organiser":
            raise Conflict(
                "организатор не может удалить себя: выйдите из конференции или завершите её",
                code="organiser",
            )
        call.post(m.ConferenceRemove(party_id))

    def conference_leave(self, user_id: int) -> None:
        self._conference_of(user_id).post(m.ConferenceLeave())

    def conference_end(self, user_id: int) -> None:
        self._conference_of(user_id).post(m.ConferenceEnd())

    def conference_of(self, user_id: int) -> dict[str, object] | None:
        """The conference the user takes part in now, as the desk shows it (None: none)."""
        for call in self._calls.values():
            room = call.conference_room
            if room.active and room.has_user(user_id):
                return room.view()
        return None

    def _conference_of(self, user_id: int) -> CallActor:
        """The organiser's conference: 409 `no_call` without a call, `no_conference` when it is none."""
        call = self._operator_call(user_id)
        if not call.conference_room.active:
            raise Conflict("the call is not a conference", code="no_conference")
        return call

    @staticmethod
    def _conference_party(call: CallActor, party_id: str) -> Party:
        party = call.conference_room.party(party_id)
        if party is None:
            raise NotFound(f"no party {party_id} in the conference", code="unknown_party")
        return party

    def _check_colleague(self, user_id: int, colleague: int) -> None:
        if colleague == user_id:
            raise InvalidFields(problems=[FieldProblem("user_id", "self", "call someone else")])
        if not self._ctx.center.takes_calls(colleague):
            raise NotFound(f"user {colleague} is not an operator")

    def consult_swap(self, user_id: int) -> None:
        self._consulting_call(user_id).post(m.ConsultSwap())

    def consult_complete(self, user_id: int, *, conference: bool) -> None:
        self._consulting_call(user_id).post(m.ConsultComplete(conference))

    def consult_cancel(self, user_id: int) -> None:
        self._consulting_call(user_id).post(m.ConsultCancel())

    def _consulting_call(self, user_id: int) -> CallActor:
        call = self._operator_call(user_id)
        if not call.consulting:
            raise Conflict("there is no consultation in progress", code="not_consulting")
        return call

    def _dialable(self, number: str | None) -> str:
        if number is None:
            raise InvalidFields(problems=[FieldProblem("number", "required", "give a colleague or a number")])
        try:
            e164 = normalize_phone(number)
        except InvalidPhone as exc:
            raise InvalidFields(problems=[FieldProblem("number", "invalid_phone", str(exc))]) from None
        if not self._ctx.switch.can_dial(e164):
            raise InvalidFields(problems=[FieldProblem("number", "no_trunk", f"no trunk serves {e164}")])
        return e164

    async def dial(
        self,
        user_id: int,
        *,
        colleague: int | None = None,
        number: str | None = None,
        group_id: int | None = None,
        service_id: int | None = None,
    ) -> str:
        """The operator places a call (TEL-03, OPS-21, TEL-18): to a public number over its trunk, to a
        colleague, or to a group or a service (their longest-idle free operator); returns the call id.
        The operator must be ready or in wrap-up (409 otherwise)."""
        colleague = await self._colleague_in(user_id, group_id, service_id) or colleague
        login = self._ctx.phones.account(user_id) or str(user_id)
        call_id = f"out-{uuid.uuid4().hex[:16]}"
        engaged: str | None = None
        if colleague is not None:
            self._check_colleague(user_id, colleague)
            direction: Direction = "internal"
            called = self._ctx.phones.account(colleague) or str(colleague)
            engaged = f"{call_id}:colleague"
            if not await self._ctx.center.engage_for(colleague, engaged):
                engaged = None
        else:
            direction, called = "outbound", self._dialable(number)
        try:
            await self._ctx.center.dial_for(user_id, call_id)
        except DomainError:
            if engaged is not None:  # the operator may not dial now: the colleague is free again
                await self._ctx.center.hang_up(engaged, CompletedBy.OPERATOR)
            raise
        draft = CallRecordDraft.placed(call_id, direction, login, called, self._ctx.clock.now())
        call = OutboundCall(self._ctx, call_id, "", draft)
        call.colleague = colleague
        if engaged is not None:
            call.hold_colleague(engaged)
        self._calls[call_id] = call
        self._spawn(self._run_outbound(call, user_id))
        return call_id

    async def _run_outbound(self, call: OutboundCall, user_id: int) -> None:
        try:
            await call.run(user_id)
        finally:
            await self._forget(call)

    def active_calls(self) -> int:
        return len(self._calls)

    def hold_new_calls(self) -> None:
        """New inbound calls wait (after `100 Trying`) until `take_new_calls`: a restart's clean-up first."""
        self._taking_calls.clear()

    def take_new_calls(self) -> None:
        self._taking_calls.set()

    async def resume(self, kept: list[KeptCall]) -> list[str]:
        """Carries on the conversations the telephony took over after a restart (before new calls are
        taken); returns their ids. One whose stored state is unusable is ended: both legs hang up."""
        resumed: list[str] = []
        for one in kept:
            try:
                call = InboundCall.resumed(self._ctx, one)
            except (KeyError, TypeError, ValueError) as exc:
                log.warning("restart: call %s cannot be carried on, it is ended: %r", one.call_id, exc)
                for leg in (one.caller_leg, one.operator_leg):
                    await self._ctx.switch.hang_up(leg)
                continue
            self._calls[call.id] = call
            self._ctx.leg_owners[one.caller_leg] = call
            self._ctx.leg_owners[one.operator_leg] = call
            self._spawn(self._resume(call))
            resumed.append(call.id)
        if resumed:
            log.warning("restart: %d conversation(s) carried on", len(resumed))
        return resumed

    async def _resume(self, call: InboundCall) -> None:
        try:
            await call.resume()
        finally:
            await self._forget(call)

    def live_call_ids(self) -> set[str]:
        """The ACD ids of every call this service carries now (see `CallActor.acd_ids`)."""
        return {acd_id for call in self._calls.values() for acd_id in call.acd_ids()}

    async def reconcile(self) -> list[str]:
        """The safety net, run every few seconds: calls the ACD holds for this service that it no longer
        carries are dropped (counted in `c122_acd_gone_calls_total{reason="reconciled"}`)."""
        if not self._ctx.center.started:
            return []
        return await self._ctx.center.drop_calls_not_in(
            self.live_call_ids, owns=owns_call, older_than_s=RECONCILE_GRACE_S, reason="reconciled"
        )

    # -- inside ----------------------------------------------------------------------------------------

    async def _operator_call_taken(self, user_id: int) -> CallActor:
        """`_operator_call`, waiting a moment for a call of this node the ACD has just connected the
        operator to: the desk shows the conversation from the ACD's decision, while the call itself may
        still be storing it before it takes the operator up (hundreds of milliseconds on a busy node)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TAKE_UP_WAIT_SECONDS
        while True:
            try:
                return self._operator_call(user_id)
            except NoCall:
                call_id = self._ctx.center.talking_on(user_id)
                call = self._calls.get(call_id) if call_id is not None else None
                if call is None or call.operator_leg is not None or loop.time() >= deadline:
                    raise
            await asyncio.sleep(TAKE_UP_POLL_SECONDS)

    def _operator_call(self, user_id: int) -> CallActor:
        for call in self._calls.values():
            if call.operator_id == user_id and call.operator_leg is not None:
                return call
        if self._ctx.center.call_elsewhere(user_id) is not None:
            raise Conflict(
                "the call is carried by another node: from this desk it can be held, put on a queue or "
                "hung up; move the desktop to the call's node for the rest",
                code="call_on_another_node",
            )
        raise NoCall("there is no call in progress at this workstation")

    def _executor(self, flow: Flow) -> Executor:
        key = (flow.name, flow.version)
        executor = self._executors.get(key)
        if executor is None:
            executor = self._executors[key] = Executor(flow)
        return executor

    async def _run(self, call: InboundCall, executor: Executor | None) -> None:
        try:
            await call.run(executor)
        finally:
            await self._forget(call)

    async def _forget(self, call: CallActor) -> None:
        """The call is over. Whatever it still holds in the ACD (its own clean-up could not say so: the
        store failed, an error) goes now rather than at the next reconciliation."""
        if self._calls.get(call.id) is call:
            del self._calls[call.id]
        for leg, owner in list(self._ctx.leg_owners.items()):
            if owner is call:
                del self._ctx.leg_owners[leg]
        held = [acd_id for acd_id in call.acd_ids() if self._ctx.center.holds_call(acd_id)]
        if held and call.id not in self._calls:
            try:
                await self._ctx.center.drop_gone_calls(held, reason="call_ended")
            except Exception:
                log.exception("call %s: the ACD could not be told it ended; the reconciliation will", call.id)

    def _post_leg(self, leg: str, message: m.CallMessage) -> None:
        call = self._ctx.leg_owners.get(leg)
        if call is not None:
            call.post(message)

    def _on_remote_outcome(self, outcome: Outcome) -> None:
        """Decided by the leader on another node: only the calls this node carries act on it; a
        callback is placed, and a call nobody carries is dropped, by the leader."""
        self._on_outcome(outcome, decided_here=False)

    def _on_outcome(self, outcome: Outcome, *, decided_here: bool = True) -> None:
        for event in outcome.events:
            match event:
                case CallOffered(offer=offer) if offer.call_id in self._calls:
                    self._calls[offer.call_id].post(m.Offered(int(offer.operator_id)))
                case CallOffered(offer=offer) if (inviting := self._invited_by(offer.call_id)) is not None:
                    inviting.post(m.ConferenceQueueOffer(offer.call_id, int(offer.operator_id)))
                case CallOffered() if not decided_here:
                    pass
                case CallOffered(offer=offer) if offer.is_callback:
                    self._start_callback(offer.call_id).post(m.Offered(int(offer.operator_id)))
                case CallOffered(offer=offer) if owns_call(offer.call_id) and not (
                    self._ctx.center.carried_elsewhere(offer.call_id)
                ):
                    # No call carries it (ended unheard, or before a restart): it goes, the operator
                    # is not kept ringing for it.
                    self._spawn(self._drop_gone(offer.call_id))
                case OfferRejected(call_id=call_id, operator_id=operator_id, cause=cause) if (
                    call_id in self._calls
                ):
                    self._calls[call_id].post(m.OfferEnded(int(operator_id), cause))
                case OfferWithdrawn(call_id=call_id, operator_id=operator_id, cause=cause) if (
                    call_id in self._calls
                ):
                    self._calls[call_id].post(m.OfferEnded(int(operator_id), cause))
                case CallConnected(call_id=call_id, operator_id=operator_id, waited_s=waited) if (
                    call_id in self._calls
                ):
                    self._calls[call_id].post(m.Connected(int(operator_id), waited))
                case CallCompleted(call_id=call_id, by=by) if call_id in self._calls:
                    self._calls[call_id].post(m.Completed(by))
                case CallTransferred(call_id=call_id) if call_id in self._calls:
                    pass  # the call asked for it and already carries on in `to_queue`
                case CallExited(call_id=call_id, destination=destination, message=text, reason=reason) if (
                    call_id in self._calls
                ):
                    self._calls[call_id].post(m.Exited(destination, text, reason.value))
                case _:
                    pass

    async def _drop_gone(self, call_id: str) -> None:
        if call_id not in self._calls:
            await self._ctx.center.drop_gone_calls([call_id], reason="offer_to_gone_call")

    def _start_callback(self, call_id: str) -> CallActor:
        """The first offer of a callback entry starts its call (the entry may be offered again after
        a restart, when no call exists for it yet)."""
        applicant = self._ctx.center.waiting_caller(call_id) or ""
        draft = CallRecordDraft.callback(call_id, self._callback_caller_id, applicant, self._ctx.clock.now())
        call = CallbackCall(self._ctx, call_id, "", draft)
        self._calls[call_id] = call
        self._spawn(self._run_callback(call))
        return call

    async def _run_callback(self, call: CallbackCall) -> None:
        try:
            await call.run()
        finally:
            await self._forget(call)

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        async def run() -> None:
            await coroutine

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
