"""One inbound call from answer to hang-up: IVR, queue (announcements, music, the callback key,
overflow), then the operator (see `CallActor`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Sequence
from dataclasses import replace
from typing import Any

from c122.domain.acd import CallExited, CompletedBy, UnknownCall
from c122.domain.calls.origin import CallOrigin
from c122.domain.errors import DatabaseUnavailable
from c122.domain.ivr import (
    DigitsCollected,
    Enqueue,
    Executor,
    HangUp,
    MenuChosen,
    Play,
    RequestCallback,
    SetCaseType,
    Step,
    StopPlayback,
    Transfer,
    WaitForDigits,
    position_announcement,
    wait_announcement,
)
from c122.domain.ivr.actions import Action
from c122.domain.routing import ActionKind, Rule, Stage
from c122.services.call_flow import messages as m
from c122.services.call_flow.actor import CALLER_LEFT, MISSING_PROMPT, CallActor, CallEnded
from c122.services.call_flow.context import CallFlowContext
from c122.services.call_flow.ports import KeptCall, LegUnavailable, NoCapacity
from c122.services.call_flow.record import CallRecordDraft
from c122.services.contact_center.ports import OfferContext

log = logging.getLogger(__name__)


_MENU_ENDS = {
    "caller_hang_up": "звонящий положил трубку",
    "ivr_hang_up": "меню завершило звонок",
    "callback_requested": "звонящий заказал обратный звонок",
}
"""How a call that ended in the menu ended, for its card's description."""


class InboundCall(CallActor):
    def __init__(
        self,
        ctx: CallFlowContext,
        call_id: str,
        leg: str,
        record: CallRecordDraft,
        offer_context: OfferContext,
        default_case_type_id: int | None = None,
        ivr_group_id: int | None = None,
        origin: CallOrigin | None = None,
    ) -> None:
        super().__init__(ctx, call_id, leg, record)
        self.origin = origin
        self.caller_leg = leg
        self.offer_context = offer_context
        self.default_case_type_id = default_case_type_id  # the line's card type without an IVR choice
        # The group whose desks see the card of a call that ends in the menu (the line's service's
        # first group): such a call never reaches a queue that would name one.
        self.ivr_group_id = ivr_group_id
        self._ivr_path: list[str] = []  # the menu choices, in order ("node:key")
        self._line_id: int | None = None
        self._rule: Rule | None = None  # the routing rule that decided the call (TEL-04)

    def routed(self, line_id: int | None, arrival_rule: Rule | None) -> None:
        """The call came in on `line_id`; `arrival_rule` decided it before the menu (or None)."""
        self._line_id = line_id
        self._rule = arrival_rule

    def service_name(self) -> str:
        return self.offer_context.service_name or ""

    # -- the whole call ----------------------------------------------------------------------------

    @classmethod
    def resumed(cls, ctx: CallFlowContext, kept: KeptCall) -> InboundCall:
        """A conversation taken over after a restart, from what `_flow_state` kept (KeyError, TypeError
        or ValueError when the data is not that)."""
        flow = kept.flow
        record = CallRecordDraft.from_snapshot(dict(flow["record"]))
        context = OfferContext(flow["service_number"], flow["service_name"])
        call = cls(ctx, kept.call_id, kept.caller_leg, record, context)
        call.queue_id = None if flow["queue_id"] is None else int(flow["queue_id"])
        call.operator_id = int(flow["operator_id"])
        call.operator_leg = kept.operator_leg
        call._case_opened = bool(flow["case_opened"])
        return call

    def _flow_state(self) -> dict[str, Any] | None:
        return {
            "record": self.record.snapshot(),
            "queue_id": self.queue_id,
            "operator_id": self.operator_id,
            "service_number": self.offer_context.service_number,
            "service_name": self.offer_context.service_name,
            "case_opened": self._case_opened,
        }

    # -- the whole call ----------------------------------------------------------------------------

    async def run(self, executor: Executor | None) -> None:
        """`executor` is None when the line's route cannot be read (the database is down)."""
        await self._guarded(self._from_answer(executor))

    async def resume(self) -> None:
        """A conversation taken over after a restart: caller and operator hear each other again, the
        recording carries on in its file, and the call goes on as if nothing had happened."""
        await self._guarded(self._talk_again())

    async def _from_answer(self, executor: Executor | None) -> None:
        await self._ctx.switch.answer(self.leg)
        self.record.answered_leg(self.leg, self._ctx.clock.now())
        await self._save()
        action = self._rule.draft.action if self._rule is not None else None
        if action is not None and action.kind is ActionKind.QUEUE and action.queue_id is not None:
            await self._enqueue(action.queue_id, action.priority or 0)
        elif action is not None and action.kind is ActionKind.REFUSE:
            await self._refuse(action.prompt)
        elif executor is None:
            await self._outage()
        else:
            await self._carry_out(await self._run_ivr(executor))

    async def _talk_again(self) -> None:
        assert self.operator_leg is not None
        self._bridge = await self._ctx.switch.connect(self.leg, self.operator_leg)
        await self.monitors.follow(self._bridge, self.operator_leg)  # a senior may listen in again
        if self.record.recording_path is not None:
            self._recording = await self._ctx.switch.start_recording(
                self.record.recording_path, self.leg, self.operator_leg, append=True
            )
        self._ctx.announce_connected(self, self.record.connected_at or self._ctx.clock.now())
        await self._keep()
        if await self._converse():
            await self._wait_in_queue()

    async def _guarded(self, body: Coroutine[Any, Any, None]) -> None:
        """Runs the call's `body`; however it ends, the ACD and the record are told."""
        refused = False
        try:
            await body
        except NoCapacity:
            # Refused with 503 like a call over the admission caps: counted there, no record.
            log.warning("call %s refused: no media ports left", self.id)
            refused = True
        except CallEnded:
            await self._caller_left(hung_up=self.leg_cause in CALLER_LEFT)
        except LegUnavailable as exc:
            # A leg hung up while the call acted on it: the caller's is a hang-up like any other.
            if exc.leg != self.leg:
                log.warning("call %s: the operator's leg %s is gone", self.id, exc.leg)
            self.record.end_cause = self.record.end_cause or (
                "caller_hang_up" if exc.leg == self.leg else "operator_unreachable"
            )
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(self.leg)
            await self._caller_left(hung_up=exc.leg == self.leg)
        except Exception:
            log.exception("call %s failed", self.id)
            self.record.end_cause = self.record.end_cause or "error"
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(self.leg)
            await self._caller_left(hung_up=False)
        finally:
            self._cancel_timer()
            if not refused:
                await self._finish()

    async def _finish(self) -> None:
        await self._card_of_menu_end()
        await super()._finish()

    async def _card_of_menu_end(self) -> None:
        """Every contact is a card (TEL-14): a call that ends in the menu — the caller hangs up there,
        or the flow's hang-up node ends it — before any queue gets one too, with the menu path in its
        description; it is marked missed like a call nobody answered (`_finish`)."""
        if self._case_opened or self.queue_id is not None or self.record.connected_at is not None:
            return
        how = _MENU_ENDS.get(self.record.end_cause or "")
        if how is None:
            return
        path = " → ".join(self._ivr_path) if self._ivr_path else "без выбора"
        await self._open_case(
            self.default_case_type_id,
            group_id=self.ivr_group_id,
            note=f"Звонок завершён в голосовом меню ({how}). Выбор в меню: {path}.",
        )

    async def _carry_out(self, final: Enqueue | Transfer | HangUp | RequestCallback) -> None:
        match final:
            case Enqueue(queue=queue, priority=priority):
                await self._enqueue_as_ruled(int(queue), priority)
            case Transfer(number=number):
                await self._transfer_out(number)
            case HangUp():
                self.record.end_cause = "ivr_hang_up"
                await self._ctx.switch.hang_up(self.leg)
            case RequestCallback():
                await self._callback_from_menu(final)

    async def _enqueue_as_ruled(self, queue_id: int, priority: int) -> None:
        """The menu's queue, unless a routing rule says otherwise: the arrival's rule may have set the
        priority; without one, a rule on the menu's choice may send the call elsewhere."""
        rule = self._rule
        if rule is None and self._ctx.routing is not None and self._line_id is not None:
            rule = self._rule = await self._ctx.routing.rule_for_call(
                self._line_id, self.record.caller, Stage.MENU, self.record.started_at, self.record.ivr_choice
            )
        action = rule.draft.action if rule is not None else None
        if action is None or action.kind is ActionKind.FLOW:
            await self._enqueue(queue_id, priority)
        elif action.kind is ActionKind.REFUSE:
            await self._refuse(action.prompt)
        else:
            priority = action.priority if action.priority is not None else priority
            await self._enqueue(action.queue_id or queue_id, priority)

    async def _refuse(self, prompt: str | None) -> None:
        """A routing rule turns the caller away (a blocked number): a polite prompt, then hang-up."""
        if prompt is not None:
            specs = [await self._prompt(prompt)]
        else:
            words = [self._ctx.settings.routing_refusal]
            specs = await self._ctx.prompts.announcement_specs(words) or [MISSING_PROMPT]
        playback = await self._ctx.switch.play(self.leg, specs)
        await self._until_played(playback)
        self.record.end_cause = "routing_refused"
        await self._ctx.switch.hang_up(self.leg)

    # -- IVR ---------------------------------------------------------------------------------------

    enters_flows = True

    async def _enter_flow(self, executor: Executor) -> None:
        """Transferred to a service's entry: the caller hears its menu and goes where it leads."""
        self.queue_id = None
        await self._carry_out(await self._run_ivr(executor))

    async def _run_ivr(self, executor: Executor) -> Enqueue | Transfer | HangUp | RequestCallback:
        now = self._ctx.clock.now
        step = executor.start(now())
        state = step.state
        while True:
            final = await self._act(step.actions)
            if final is not None:
                return final
            state = step.state
            message = await self.next_message()
            match message:
                case m.Digit(digit=digit):
                    step = executor.on_digit(state, digit, now())
                case m.PlaybackDone(playback=playback, stopped=False) if playback == self._playback:
                    self._playback = None
                    step = executor.on_playback_finished(state, now())
                case m.InputTimeout(generation=generation) if generation == self._generation:
                    step = executor.on_timeout(state, now())
                case _:
                    step = Step((), state)  # nothing the IVR reacts to

    async def _act(self, actions: Sequence[Action]) -> Enqueue | Transfer | HangUp | RequestCallback | None:
        for action in actions:
            match action:
                case Play(prompts=prompts):
                    self._cancel_timer()
                    specs = [await self._prompt(name) for name in prompts]
                    self._playback = await self._ctx.switch.play(self.leg, specs)
                case StopPlayback():
                    await self._stop_playback()
                case WaitForDigits(timeout_s=timeout):
                    self._arm(timeout, m.InputTimeout)
                case MenuChosen(node=node, key=key):
                    self.record.ivr_choice = f"{node}:{key}"
                    self._ivr_path.append(self.record.ivr_choice)
                case DigitsCollected(variable=variable, digits=digits):
                    self.record.collected[variable] = digits
                case SetCaseType(case_type=case_type):
                    self.record.case_type_id = case_type
                case Enqueue() | Transfer() | HangUp() | RequestCallback():
                    await self._stop_playback()
                    self._cancel_timer()
                    return action
        return None

    async def _prompt(self, name: str) -> str:
        try:
            spec = await self._ctx.prompts.media_spec(name)
        except DatabaseUnavailable:
            spec = None
        if spec is None:
            log.warning("call %s: prompt %s has no audio; a tone stands in", self.id, name)
            return MISSING_PROMPT
        return spec

    # -- waiting in the queue ----------------------------------------------------------------------

    async def _enqueue(self, queue_id: int, priority: int) -> None:
        self._in_queue(queue_id)
        # Before the offer, both committed: the card (the desk shows it ringing) and the record's queued
        # phase; the two writers store them side by side, not one after the other.
        await asyncio.gather(self._open_case(self.default_case_type_id), self._save())
        try:
            context = replace(self.offer_context, ivr_choice=self.record.ivr_choice)  # the queues board
            outcome = await self._ctx.center.enqueue(
                self.id, queue_id, self.record.caller, priority=priority, context=context
            )
        except DatabaseUnavailable:
            self.queue_id = None  # the ACD could not store the entry: the caller is in no queue
            await self._outage()
            return
        exited = next((e for e in outcome.events if isinstance(e, CallExited) and e.call_id == self.id), None)
        if exited is not None:  # refused on entry: the queue is full or nobody serves it
            await self._exit(exited.destination, exited.message)
            return
        await self._wait_in_queue()

    async def _wait_in_queue(self) -> None:
        """Position and wait announcements, music between them, the callback key, until an operator."""
        await self._announce()
        while True:
            message = await self.next_message()
            match message:
                case m.PlaybackDone(playback=playback) if playback == self._playback:
                    self._playback = await self._ctx.switch.play(self.leg, [self._ctx.music], loop=True)
                case m.AnnounceDue(generation=generation) if generation == self._generation:
                    await self._stop_playback()
                    await self._announce()
                case m.Digit(digit=digit) if digit == self._ctx.settings.callback_key and self._callbacks():
                    await self._ask_for_callback()
                    return
                case m.Offered() | m.LegAnswered() | m.LegGone() | m.OfferEnded():
                    await self._offer_progress(message)
                case m.Connected(user_id=user_id, waited_s=waited):
                    if not await self._talk(user_id, waited):
                        return
                    await self._announce()  # sent to another queue: waiting again there
                case m.Exited(destination=destination, message=text):
                    await self._exit(destination, text)
                    return
                case _:
                    pass

    async def _announce(self) -> None:
        position = self._ctx.center.waiting_position(self.id)
        words: list[str] = []
        if position is not None:
            place, wait_s = position
            words += position_announcement(place).words
            if wait_s is not None:
                words += wait_announcement(wait_s).words
        if self._callbacks():
            words.append(self._ctx.settings.callback_hint)
        specs = await self._ctx.prompts.announcement_specs(words) if words else []
        if specs:
            self._playback = await self._ctx.switch.play(self.leg, specs)
        else:
            self._playback = await self._ctx.switch.play(self.leg, [self._ctx.music], loop=True)
        self._arm(self._ctx.settings.announce_every_s, m.AnnounceDue)

    def _callbacks(self) -> bool:
        queue = self._ctx.center.queue_settings(self.queue_id) if self.queue_id is not None else None
        return queue is not None and queue.callbacks_enabled

    async def _ask_for_callback(self) -> None:
        """The caller leaves the queue and keeps their place in the callback list (the ACD's abandon)."""
        await self._stop_playback()
        self._cancel_timer()
        self.record.end_cause = "callback_requested"
        with contextlib.suppress(UnknownCall):
            await self._ctx.center.request_callback(self.id)
        specs = await self._ctx.prompts.announcement_specs([self._ctx.settings.callback_confirmation])
        playback = await self._ctx.switch.play(self.leg, specs or [MISSING_PROMPT])
        await self._until_played(playback)
        await self._ctx.switch.hang_up(self.leg)

    async def _callback_from_menu(self, request: RequestCallback) -> None:
        """The caller accepted the menu's callback offer: the request joins the queue's callback list
        (the card shows the call like one that ended in the menu), the confirmation plays, the call ends."""
        try:
            await self._ctx.center.request_callback_from_menu(
                self.id, int(request.queue), self.record.caller, request.priority
            )
        except DatabaseUnavailable:
            await self._outage()  # the request could not be kept: the outage notice says so
            return
        self.record.end_cause = "callback_requested"
        if request.confirm_prompt is not None:
            specs = [await self._prompt(request.confirm_prompt)]
        else:
            words = [self._ctx.settings.callback_confirmation]
            specs = await self._ctx.prompts.announcement_specs(words) or [MISSING_PROMPT]
        playback = await self._ctx.switch.play(self.leg, specs)
        await self._until_played(playback)
        await self._ctx.switch.hang_up(self.leg)

    async def _exit(self, destination: str | None, text: str | None) -> None:
        """The ACD sent the caller away: to another queue, to a number, or a message and hang-up."""
        await self._stop_playback()
        self._cancel_timer()
        if destination is not None and destination.removeprefix("queue:").isdigit():
            await self._enqueue(int(destination.removeprefix("queue:")), 0)
            return
        if destination is not None:
            await self._transfer_out(destination)
            return
        if text:
            playback = await self._ctx.switch.play(
                self.leg, await self._ctx.prompts.announcement_specs([text])
            )
            await self._until_played(playback)
        self.record.end_cause = "queue_exit"
        await self._ctx.switch.hang_up(self.leg)

    async def _outage(self) -> None:
        """The database is down: the caller hears so, then reaches the fallback number or is let go."""
        await self._stop_playback()
        self._cancel_timer()
        self.record.end_cause = "database_unavailable"
        settings = self._ctx.settings
        specs = await self._ctx.prompts.announcement_specs([settings.outage_text])
        playback = await self._ctx.switch.play(self.leg, specs or [MISSING_PROMPT])
        await self._until_played(playback)
        if settings.outage_fallback:
            await self._transfer_out(settings.outage_fallback)
            return
        await self._ctx.switch.hang_up(self.leg)

    async def _caller_left(self, *, hung_up: bool) -> None:
        """The caller hung up, or the call failed (no ACK, a timeout, media, an error): tell the ACD and
        tidy the operator's side. Only a caller who hung up while waiting abandoned the queue (and may be
        called back); a failed call, or one an operator took just as the caller left, is gone, and
        nobody who was offered it pays for it (no missed offer, no wrap-up)."""
        await self._stop_ringing()
        if self.operator_leg is not None:  # gone just as the operator was being connected
            await self._close_conversation(CompletedBy.CALLER)
        elif self.queue_id is None:
            return
        elif hung_up and self._ctx.center.waiting_position(self.id) is not None:
            with contextlib.suppress(UnknownCall):
                await self._ctx.center.hang_up(self.id, CompletedBy.CALLER)
        else:
            log.info(
                "call %s ended (%s) before it was talked: it leaves the ACD", self.id, self.record.end_cause
            )
            reason = "hung_up_while_connecting" if hung_up else "call_failed"
            await self._ctx.center.drop_gone_calls([self.id], reason=reason)
