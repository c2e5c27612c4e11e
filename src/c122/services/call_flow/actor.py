"""What every call the call flow carries shares: its inbox, ringing the operator, the conversation,
leaving through a trunk, and the record.

A call is an actor: it reads `CallMessage`s from its own queue and acts on each in turn, so timers,
keys, ACD decisions and desktop actions never interleave within a call. The ACD stays the judge of who
takes the call; the actor carries out its decisions on the legs and keeps the call record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from c122.domain.acd import CompletedBy, UnknownCall
from c122.domain.calls.origin import CallOrigin
from c122.domain.calls.record import LegKind
from c122.domain.cases import CallFacts, HandoverKind
from c122.domain.errors import DomainError
from c122.domain.ivr import Executor
from c122.domain.monitoring import MonitoringEnd
from c122.services.call_flow import messages as m
from c122.services.call_flow.conference import CallEndedInConference, Conference, Party
from c122.services.call_flow.consultation import Consultation, ConsultEnd
from c122.services.call_flow.context import CallFlowContext
from c122.services.call_flow.monitoring import CallMonitors
from c122.services.call_flow.ports import TRUNK_LIMIT, TrunkAtLimit
from c122.services.call_flow.record import CallRecordDraft

log = logging.getLogger(__name__)

MISSING_PROMPT = "tone:600:400"  # a prompt whose audio is missing: a short tone keeps the timing
TRANSFER_FAILED = "tone:busy:3000"
CALLER_LEFT = frozenset({"remote-hangup", "cancelled"})  # leg causes that mean the caller hung up


class CallEnded(Exception):
    """The caller's leg is gone: stop whatever the call was doing."""


class CallActor:
    """The caller's side is `leg` (empty until a call the hotline places is answered); the operator's
    is `operator_leg` while they talk."""

    def __init__(self, ctx: CallFlowContext, call_id: str, leg: str, record: CallRecordDraft) -> None:
        self.id = call_id
        self.leg = leg
        self.record = record
        self.queue_id: int | None = None
        self.operator_id: int | None = None
        self.operator_leg: str | None = None
        self._ctx = ctx
        self._inbox: asyncio.Queue[m.CallMessage] = asyncio.Queue()
        self._playback: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._generation = 0
        self._ringing_leg: str | None = None  # an operator's SIP phone ringing for this call
        self._headset_tone: tuple[str, str] | None = None  # (leg, playback) tone to a browser operator
        self._hop_to: int | None = None  # the operator reached through a media hop to another node
        self._bridge: str | None = None
        self._recording: str | None = None
        self._held = False
        self._case_opened = False
        self._card_holder: int | None = None  # the last operator who had the call (and its card)
        self._engaged: list[str] = []  # the ACD's holds on colleagues this call reached
        # The ACD's hold on the operator who took the call over from a colleague (a transfer to their
        # desk): let go when their part ends, as the ACD's own call was finished by the transfer.
        self._operator_engaged: str | None = None
        self._taken_over_at_desk = False  # the operator took it over from a colleague (not the ACD's)
        self.leg_cause: str | None = None  # why the caller's leg ended, once it has
        self._consultation = Consultation(self, ctx)
        self._conference = Conference(self, ctx)
        self.monitors = CallMonitors(ctx.switch)  # seniors listening in follow the call's bridge
        self.origin: CallOrigin | None = None  # a call from the citizen app: its source and location

    # Whether a transfer to a service's entry can run its flow for this call: only a caller who came in
    # on a line can (`InboundCall` runs it), and the call flow refuses the others first.
    enters_flows = False

    async def _enter_flow(self, executor: Executor) -> None:
        raise DomainError("only a call that came in on a line enters a service's flow")

    @property
    def consulting(self) -> bool:
        return self._consultation.active

    @property
    def consultation(self) -> Consultation:
        return self._consultation

    @property
    def conference_room(self) -> Conference:
        """The call's conference (TEL-21), `active` while it lasts."""
        return self._conference

    @property
    def bridge(self) -> str | None:
        return self._bridge

    @property
    def held(self) -> bool:
        return self._held

    def acd_ids(self) -> tuple[str, ...]:
        """The ids this call holds in the ACD: its own and the colleagues it keeps from offers."""
        taken_over = (self._operator_engaged,) if self._operator_engaged is not None else ()
        return (self.id, *self._engaged, *taken_over)

    def hold_colleague(self, engaged: str) -> None:
        """A colleague this call reaches is kept from offers until the call lets them go."""
        self._engaged.append(engaged)

    async def _let_colleague_go(self, engaged: str | None) -> None:
        if engaged is None or engaged not in self._engaged:
            return
        self._engaged.remove(engaged)
        with contextlib.suppress(DomainError):  # logged out meanwhile: nothing to let go
            await self._ctx.center.hang_up(engaged, CompletedBy.OPERATOR)

    # -- the outside posts, the actor reads ---------------------------------------------------------

    def claim(self, leg: str) -> None:
        """A leg placed for this call (a phone, a consultant, a transfer target) reports to it."""
        self._ctx.leg_owners[leg] = self

    def post(self, message: m.CallMessage) -> None:
        self._inbox.put_nowait(message)

    async def next_in_conference(self) -> m.CallMessage:
        """The caller leaving does not end a conference: the others go on talking."""
        try:
            return await self.next_message()
        except CallEnded as exc:
            raise CallEndedInConference from exc

    async def next_message(self) -> m.CallMessage:
        message = await self._inbox.get()
        if isinstance(message, m.LegGone) and message.leg == self.leg:
            self.leg_cause = message.cause
            cause = "caller_hang_up" if message.cause in CALLER_LEFT else message.cause
            self.record.end_cause = self.record.end_cause or cause
            raise CallEnded
        return message

    # -- the operator ------------------------------------------------------------------------------

    async def _ring_operator(self, user_id: int) -> None:
        self.operator_id = user_id
        if self._ctx.phones.mode(user_id) == "sip":
            account = self._ctx.phones.account(user_id)
            leg = (
                await self._ctx.switch.ring_phone(account, self.record.caller, self.record.called)
                if account is not None
                else None
            )
            if leg is None:
                log.warning("call %s: operator %s has no registered phone", self.id, user_id)
                with contextlib.suppress(DomainError):
                    await self._ctx.center.reject_for(user_id, self.id)
                return
            self._ringing_leg = leg
            self.claim(leg)
            return
        browser = self._ctx.switch.browser_leg(user_id)
        if browser is None:  # their desk may be on another node: a media hop reaches it
            browser = await self._ctx.switch.reach_browser(user_id)
            if browser is not None:
                self._hop_to = user_id
                self.claim(browser)  # the hop ending (the other node gone) reaches this call
        if browser is None:
            log.warning("call %s: operator %s has no audio connection", self.id, user_id)
            with contextlib.suppress(DomainError):
                await self._ctx.center.reject_for(user_id, self.id)
            return
        tone = await self._ctx.switch.play(browser, [self._ctx.settings.headset_tone], loop=True)
        self._headset_tone = (browser, tone)
        queue = self._ctx.center.queue_settings(self.queue_id) if self.queue_id is not None else None
        if queue is not None and queue.auto_answer:
            with contextlib.suppress(DomainError):
                await self._ctx.center.accept_for(user_id, self.id)

    async def _offer_progress(self, message: m.Offered | m.LegAnswered | m.LegGone | m.OfferEnded) -> None:
        """While the ACD offers the call: ring the operator, turn their phone's answer or refusal
        into accept or reject, and stop ringing when the offer ends."""
        match message:
            case m.Offered(user_id=user_id):
                self.record.offered(self._ctx.clock.now())
                await self._ring_operator(user_id)
            case m.LegAnswered(leg=leg) if leg == self._ringing_leg and self.operator_id is not None:
                await self._phone_answered(self.operator_id)
            case m.LegGone(leg=leg) if leg == self._ringing_leg and self.operator_id is not None:
                self._ringing_leg = None
                with contextlib.suppress(DomainError):
                    await self._ctx.center.reject_for(self.operator_id, self.id)
            case m.OfferEnded():
                await self._stop_ringing()
                await self._release_hop()
                self.operator_id = None
            case _:
                pass

    async def _release_hop(self) -> None:
        if self._hop_to is not None:
            user_id, self._hop_to = self._hop_to, None
            with contextlib.suppress(Exception):
                await self._ctx.switch.release_browser(user_id)

    async def _phone_answered(self, user_id: int) -> None:
        try:
            await self._ctx.center.accept_for(user_id, self.id)
        except DomainError:
            await self._stop_ringing()  # the offer ended meanwhile

    async def _stop_ringing(self) -> None:
        if self._headset_tone is not None:
            _leg, tone = self._headset_tone
            self._headset_tone = None
            with contextlib.suppress(Exception):
                await self._ctx.switch.stop_playback(tone)
        if self._ringing_leg is not None:
            leg, self._ringing_leg = self._ringing_leg, None
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(leg)

    async def _talk(self, user_id: int, waited_s: float) -> bool:
        """The conversation; True when the operator sent the caller to another queue."""
        if await self._take_operator(user_id) is None:
            await self._ctx.switch.hang_up(self.leg)
            return False
        return await self._connect(waited_s)

    async def _take_operator(self, user_id: int) -> str | None:
        """The operator accepted: their leg (the phone that answered, or the browser leg) for the call."""
        operator_leg = self._ringing_leg or self._ctx.switch.browser_leg(user_id)
        kind: LegKind = "sip" if self._ringing_leg is not None else "webrtc"
        self._ringing_leg = None
        # Before any await: the desk shows the operator talking from the ACD's accept, and a transfer or
        # a conference asked meanwhile waits for this (`CallFlowService._operator_call_taken`).
        self.operator_id = user_id
        self.operator_leg = operator_leg
        await self._stop_ringing()
        await self._stop_playback()
        self._cancel_timer()
        if operator_leg is None:
            log.warning("call %s: operator %s lost the audio connection before answering", self.id, user_id)
            with contextlib.suppress(UnknownCall):
                await self._ctx.center.hang_up(self.id, CompletedBy.OPERATOR)
            self.record.end_cause = "operator_unreachable"
            return None
        self.record.operator_leg(operator_leg, kind, user_id, self._ctx.clock.now())
        return operator_leg

    async def _connect(self, waited_s: float) -> bool:
        """Caller and operator hear each other, recorded; then the conversation."""
        assert self.operator_leg is not None
        assert self.operator_id is not None
        now = self._ctx.clock.now()
        self.record.connected(self.operator_id, waited_s, now)
        self._bridge = await self._ctx.switch.connect(self.leg, self.operator_leg)
        await self.monitors.follow(self._bridge, self.operator_leg)
        await self._record_segment((self.leg, self.operator_leg))
        self._ctx.announce_connected(self, now)
        await self._save()
        await self._card_to(self.operator_id, HandoverKind.ANSWERED)
        await self._keep()
        return await self._converse()

    async def _record_segment(self, legs: Sequence[str], *, mixed: bool = False) -> None:
        """Every conversation of the call goes into its one recording, each as the next segment with
        who was in it (the caller with an operator, the operator with a consultant, a conference, the
        caller after a transfer), so its compression, checksum and retention hold for all
        (docs/contact-center/journal.md). `legs[0]` is the left channel; the right is `legs[1]`, or
        with `mixed` what `legs[0]` hears from the conference's mix."""
        await self._stop_recording()
        now = self._ctx.clock.now()
        path = self.record.recording_path or str(self._ctx.recording_path(self.id, now))
        right = None if mixed else legs[1]
        self._recording = await self._ctx.switch.start_recording(
            path, legs[0], right, append=self.record.recording_path is not None, mixed=mixed
        )
        self.record.recording_path = path
        self.record.segment_started(tuple(legs), now, mixed=mixed)
        if self._ctx.video is not None:
            await self._ctx.video.segment(self.id, self.record.group_id, legs, path)

    async def _record_bridge(self, legs: Sequence[str], *, mixed: bool = False) -> None:
        """A consultation rebuilt the call's bridge: what it carries now is the next segment. A
        recording that cannot start does not stop the conversation."""
        try:
            await self._record_segment(legs, mixed=mixed)
        except Exception as exc:
            log.warning("call %s: the segment of %s is not recorded: %s", self.id, ", ".join(legs), exc)

    async def _stop_recording(self) -> None:
        if self._recording is not None:
            recording, self._recording = self._recording, None
            recorded_s: float | None = None
            with contextlib.suppress(Exception):
                recorded_s = await self._ctx.switch.stop_recording(recording)
            self.record.segment_ended(self._ctx.clock.now(), recorded_s)

    # -- kept for a restart (docs/operations.md, "What survives a restart") ---------------------------

    def _flow_state(self) -> dict[str, Any] | None:
        """What a restarted process needs to carry this conversation on; None: a restart ends it."""
        return None

    async def _keep(self) -> None:
        """A plain conversation (caller and operator, no hold, no consultation) is kept for a restart."""
        keeper = self._ctx.conversations
        state = self._flow_state()
        if keeper is None or state is None or self.operator_leg is None or self._held or self.consulting:
            return
        if self._taken_over_at_desk:  # taken over from a colleague: a restart ends it
            return
        if self._hop_to is not None:  # a media hop to another node: a restart ends it
            return
        try:
            await keeper.keep(self.id, self.leg, self.operator_leg, state)
        except Exception:  # the conversation goes on; only a restart would end it
            log.exception("call %s: cannot keep the conversation for a restart", self.id)

    def _unkeep(self) -> None:
        if self._ctx.conversations is not None:
            self._ctx.conversations.forget(self.id)

    async def _open_case(
        self, default_type_id: int | None = None, *, group_id: int | None = None, note: str = ""
    ) -> None:
        """An inbound call gets its case card when it reaches its queue, before any operator rings, so
        the desk shows it with the offer (TEL-14, OPS-18): the IVR's type, else the line's default. A
        transferred call keeps the card (it names the call), so the next operator finds it. A failing
        card never fails the call."""
        type_id = self.record.case_type_id or default_type_id
        if self._case_opened or type_id is None or self.record.direction != "inbound":
            return
        self._case_opened = True
        try:
            await self._ctx.cases.create_case_for_call(
                caller=self.record.caller,
                type_id=type_id,
                call_id=self.id,
                group_id=self.record.group_id or group_id,
                description=note,
                origin=self.origin,
            )
        except Exception as exc:
            log.warning("call %s: no case card: %s", self.id, getattr(exc, "message", exc))

    async def _card_to(self, user_id: int, kind: HandoverKind) -> None:
        """The card follows the call to `user_id` (a history row of who had it)."""
        if not self._case_opened:
            return
        holder, self._card_holder = self._card_holder, user_id
        if kind is HandoverKind.ANSWERED and holder is not None:
            kind = HandoverKind.QUEUE  # answered again after the operator sent it to a queue
        facts = CallFacts(
            self.record.caller, self.record.line_number or self.record.called, self.service_name()
        )
        try:
            await self._ctx.cases.call_taken(self.id, user_id, kind=kind, from_user_id=holder, call=facts)
        except Exception as exc:
            log.warning("call %s: the card did not follow to %s: %s", self.id, user_id, exc)

    def service_name(self) -> str:
        """The name of the service the caller dialled (an inbound call knows it)."""
        return ""

    async def _card_missed(self) -> None:
        if not self._case_opened or self._card_holder is not None:
            return
        try:
            await self._ctx.cases.call_missed(self.id)
        except Exception as exc:
            log.warning("call %s: the card is not marked missed: %s", self.id, exc)

    async def _converse(self) -> bool:
        while True:
            try:
                message = await self.next_message()
            except CallEnded:
                await self._close_conversation(CompletedBy.CALLER)
                raise
            match message:
                case m.LegGone(leg=leg) if leg == self.operator_leg:
                    await self._close_conversation(CompletedBy.OPERATOR)
                    await self._ctx.switch.hang_up(self.leg)
                    return False
                case m.OperatorHangUp():
                    await self._close_conversation(CompletedBy.OPERATOR)
                    await self._ctx.switch.hang_up(self.leg)
                    return False
                case m.Completed() if not self._taken_over_at_desk:
                    # A senior logged the operator out: the call ends with the shift. (One taken over
                    # from a colleague is no longer the ACD's call: its completion is the transfer's.)
                    self.record.end_cause = "operator_logged_out"
                    await self._close_conversation(None, cause="operator_logged_out")
                    await self._ctx.switch.hang_up(self.leg)
                    return False
                case m.TransferRequested(queue_id=int(queue_id)):
                    in_acd = self._ctx.center.holds_call(self.id)
                    await self._close_conversation(None, cause="transferred")
                    if in_acd:
                        await self._ctx.center.transfer(self.id, queue_id)
                    else:  # taken over from a colleague: the ACD finished its call with that transfer
                        await self._ctx.center.enqueue(self.id, queue_id, self.record.caller)
                    self._in_queue(queue_id)
                    self.operator_id = None
                    return True
                case m.TransferRequested(number=str(number)):
                    await self._close_conversation(CompletedBy.OPERATOR, cause="transferred")
                    await self._transfer_out(number)
                    return False
                case m.TransferRequested(entry=Executor() as entry) if self.enters_flows:
                    await self._close_conversation(CompletedBy.OPERATOR, cause="transferred")
                    self.operator_id = None
                    await self._enter_flow(entry)
                    return False
                case m.OperatorHold(held=held) if held != self._held:
                    await (self._ctx.switch.hold(self.leg) if held else self._ctx.switch.unhold(self.leg))
                    self._held = held
                    self.record.hold_changed(held, self._ctx.clock.now())
                    self._ctx.announce_hold(self, held)
                    if held:
                        self._unkeep()  # music on hold is not taken over: kept again once back
                    else:
                        await self._keep()
                case m.Digit(digit=digit) if self.operator_leg is not None:
                    await self._ctx.switch.send_dtmf(self.operator_leg, digit)
                case m.ConsultRequested() as request if not self.consulting:
                    self._unkeep()  # a consultation, a conference, are not taken over
                    ended = await self._consultation.run(request)
                    if ended is ConsultEnd.BACK:
                        await self._let_colleague_go(request.engaged)
                        await self._keep()
                    if ended is ConsultEnd.TRANSFERRED and request.user_id is not None:
                        kind = HandoverKind.BLIND if request.blind else HandoverKind.CONSULTED
                        await self._card_to(request.user_id, kind)
                    if ended is ConsultEnd.TRANSFERRED:
                        successor = self._consultation.desk_colleague()
                        await self._close_conversation(
                            CompletedBy.OPERATOR, cause="transferred", keep_bridge=True
                        )
                        self.record.end_cause = "transferred"
                        if successor is not None:
                            self._taken_over(*successor, engaged=request.engaged)
                            await self._record_segment((self.leg, successor[1]))
                            continue
                        await self._until_caller_or_consultant_leaves()
                        return False
                case m.ColleagueHangUp(user_id=user_id) if user_id == self._consultation.talking_colleague:
                    await self._consultation.colleague_left()  # from a three-way conference
                case m.ConferenceStart() if not self.consulting and not self._held:
                    self._unkeep()  # a conference is not taken over by a restart
                    caller_gone = await self._conference.run()
                    self.record.end_cause = self.record.end_cause or "conference_ended"
                    if caller_gone:
                        await self._close_conversation(CompletedBy.CALLER)
                        raise CallEnded
                    await self._close_conversation(CompletedBy.OPERATOR)
                    with contextlib.suppress(Exception):
                        await self._ctx.switch.hang_up(self.leg)
                    return False
                case _:
                    pass

    def _taken_over(self, user_id: int, leg: str, *, engaged: str | None) -> None:
        """A colleague answered at their desk a call put through to them: they are its operator now
        (hold, hang-up, transfer from their desk); the caller already hears them."""
        self._consultation.forget()
        self._taken_over_at_desk = True
        self.operator_id = user_id
        self.record.operator_id = user_id  # the journal names who had the caller last
        self.operator_leg = leg
        if engaged is not None and engaged in self._engaged:
            self._engaged.remove(engaged)
            self._operator_engaged = engaged

    async def _until_caller_or_consultant_leaves(self) -> None:
        """After a consultation completed as a transfer: the caller talks to the consultant."""
        consultant = self._consultation.consultant_leg
        try:
            if consultant is not None:
                await self._record_segment((self.leg, consultant))
                await self._until_gone(consultant)
            await self._ctx.switch.hang_up(self.leg)
        except CallEnded:
            await self._consultation.drop_consultant()
            raise
        finally:
            await self._stop_recording()
        self._consultation.forget()

    async def _close_conversation(
        self, by: CompletedBy | None, *, cause: str | None = None, keep_bridge: bool = False
    ) -> None:
        """Ends the operator's part: recording, bridge, the ACD's call (unless a transfer ends it there),
        a SIP phone's leg; the desktop hears `call.ended`."""
        self._unkeep()
        ended = cause or (f"{by.value}_hang_up" if by is not None else "transferred")
        if cause is None:
            self.record.end_cause = self.record.end_cause or ended
        if self._held:
            self.record.hold_changed(False, self._ctx.clock.now())
            self._held = False
            with contextlib.suppress(Exception):  # the caller may be gone already
                await self._ctx.switch.unhold(self.leg)
        await self._stop_recording()
        if self._bridge is not None and not keep_bridge:
            bridge, self._bridge = self._bridge, None
            with contextlib.suppress(Exception):
                await self._ctx.switch.disconnect(bridge)
            await self.monitors.follow(None, None)
        if not keep_bridge:
            await self._consultation.drop_consultant()  # a conference ends with the operator's part
        if by is not None:
            with contextlib.suppress(UnknownCall):
                await self._ctx.center.hang_up(self.id, by)
        operator_leg = self.operator_leg
        if operator_leg is not None and operator_leg != self._ctx.switch.browser_leg(self.operator_id or 0):
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(operator_leg)  # a SIP phone's call ends; a browser leg stays
        await self._release_hop()  # the hop to another node's browser leg does not
        if self.operator_id is not None:
            self._ctx.announce_ended(self, ended)
        self.operator_leg = None
        if self._operator_engaged is not None:  # the colleague who took the call over is free again
            engaged, self._operator_engaged = self._operator_engaged, None
            self._engaged.append(engaged)
            await self._let_colleague_go(engaged)

    # -- the call's bridge ---------------------------------------------------------------------------

    async def connect(self, a: str, b: str) -> None:
        await self.disconnect()
        self._bridge = await self._ctx.switch.connect(a, b)
        await self.monitors.follow(self._bridge, self._serving([a, b]))
        await self._record_bridge((b, a) if a == self.operator_leg else (a, b))  # the operator right

    async def conference(self, legs: Sequence[str]) -> None:
        """A conference without a call starts with its organiser alone: recorded once someone joins."""
        await self.disconnect()
        self._bridge = await self._ctx.switch.conference(legs)
        await self.monitors.follow(self._bridge, self._serving(legs))
        if len(legs) > 1:
            await self.record_conference(legs)

    async def record_conference(self, legs: Sequence[str]) -> None:
        """A conference's parties changed: the next segment is its mix as the caller hears it (as the
        first party does, once the caller has left)."""
        first = self.leg if self.leg in legs else legs[0]
        await self._record_bridge([first, *(leg for leg in legs if leg != first)], mixed=True)

    async def organiser_left(self, successor: Party | None) -> None:
        """The organiser's part of the call ends as after a transfer (wrap-up, `call.ended` to their
        desk); the colleague `successor` is the call's operator from now on."""
        await self._close_conversation(CompletedBy.OPERATOR, cause="conference_left", keep_bridge=True)
        if successor is not None and successor.user_id is not None and successor.leg is not None:
            self._taken_over(successor.user_id, successor.leg, engaged=successor.engaged)
            self._ctx.announce_connected(self, self._ctx.clock.now())

    async def let_colleague_go(self, engaged: str | None) -> None:
        await self._let_colleague_go(engaged)

    async def withdraw_invitation(self, ticket: str) -> None:
        """Nobody was offered it: it leaves the queue without counting as an abandoned call."""
        if ticket in self._engaged:
            self._engaged.remove(ticket)
        try:
            await self._ctx.center.drop_gone_calls([ticket], reason="conference_invitation_withdrawn")
        except Exception:
            log.exception("call %s: invitation %s stays queued until the reconciliation", self.id, ticket)

    async def disconnect(self) -> None:
        """The bridge comes down and with it the segment it carried: nothing is recorded while the
        operator rings a consultant."""
        await self._stop_recording()
        if self._bridge is not None:
            bridge, self._bridge = self._bridge, None
            with contextlib.suppress(Exception):
                await self._ctx.switch.disconnect(bridge)
            await self.monitors.follow(None, None)

    def _serving(self, legs: Sequence[str]) -> str:
        """Who a whispering senior speaks to on a bridge: the operator, or whoever took the caller over."""
        if self.operator_leg is not None and self.operator_leg in legs:
            return self.operator_leg
        return next((leg for leg in legs if leg != self.leg), legs[-1])

    # -- leaving through a trunk -------------------------------------------------------------------

    async def _transfer_out(self, number: str) -> None:
        """A blind transfer to an outside number: dial it through the trunks, then join the caller to it."""
        await self._stop_playback()
        self.record.transferred_to = number
        try:
            far = await self._ctx.switch.dial(number, self.record.called)
        except TrunkAtLimit as exc:
            log.warning("call %s: transfer to %s refused: %s", self.id, number, exc)
            await self._busy_and_hang_up(TRUNK_LIMIT)
            return
        except Exception as exc:
            log.warning("call %s: transfer to %s failed: %s", self.id, number, exc)
            await self._busy_and_hang_up("transfer_failed")
            return
        self.claim(far)
        # The outside party is a leg of the record, so the caller's talk with it is the next segment.
        self.record.consultant_leg(far, "trunk", number, self._ctx.clock.now())
        try:
            if not await self._until_answered(far):
                await self._busy_and_hang_up("transfer_failed")
                return
            self.record.answered_leg(far, self._ctx.clock.now())
            self._bridge = await self._ctx.switch.connect(self.leg, far)
            await self.monitors.follow(self._bridge, far)
            self.record.end_cause = "transferred"
            await self._record_bridge((self.leg, far))
            await self._until_gone(far)
            await self._ctx.switch.hang_up(self.leg)
        except CallEnded:
            await self._ctx.switch.hang_up(far)
            raise
        finally:
            await self._stop_recording()

    async def _until_answered(self, leg: str) -> bool:
        while True:
            message = await self.next_message()
            if isinstance(message, m.LegAnswered) and message.leg == leg:
                return True
            if isinstance(message, m.LegGone) and message.leg == leg:
                return False

    async def _until_gone(self, leg: str) -> None:
        while True:
            message = await self.next_message()
            if isinstance(message, m.LegGone) and message.leg == leg:
                return

    async def _busy_and_hang_up(self, cause: str) -> None:
        self.record.end_cause = cause
        playback = await self._ctx.switch.play(self.leg, [TRANSFER_FAILED])
        await self._until_played(playback)
        await self._ctx.switch.hang_up(self.leg)

    async def _finish(self) -> None:
        """The call is over: colleagues it held take offers again, and its record is stored."""
        self._unkeep()
        await self._release_hop()
        await self.monitors.end_all(MonitoringEnd.CALL_ENDED)
        for engaged in list(self._engaged):
            await self._let_colleague_go(engaged)
        await self._card_missed()
        self.record.ended(self._ctx.clock.now(), self._ctx.switch.quality(self.leg))
        with contextlib.suppress(Exception):
            await self._save()
        if self._ctx.video is not None:
            await self._ctx.video.finish(self.id)

    def _in_queue(self, queue_id: int) -> None:
        self.queue_id = queue_id
        queue = self._ctx.center.queue_settings(queue_id)
        group_id, sla = (queue.group_id, queue.sla_wait_s) if queue else (None, None)
        self.record.queued(queue_id, group_id, self._ctx.clock.now(), sla)

    # -- helpers -----------------------------------------------------------------------------------

    async def _until_played(self, playback: str) -> None:
        while True:
            message = await self.next_message()
            if isinstance(message, m.PlaybackDone) and message.playback == playback:
                return

    async def _stop_playback(self) -> None:
        playback, self._playback = self._playback, None
        if playback is not None:
            with contextlib.suppress(Exception):
                await self._ctx.switch.stop_playback(playback)

    def _arm(self, seconds: float, kind: type[m.InputTimeout] | type[m.AnnounceDue]) -> None:
        self._cancel_timer()
        self._generation += 1
        message = kind(self._generation)
        self._timer = asyncio.get_running_loop().call_later(seconds, self.post, message)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._generation += 1

    async def _save(self) -> None:
        await self._ctx.save_record(self.record)
