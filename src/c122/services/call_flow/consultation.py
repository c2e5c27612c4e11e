"""Consultation (TEL-17, OPS-20): the caller waits with music while the operator talks to a colleague
or an outside number; the operator swaps between the two any number of times, then completes it as a
transfer (the caller goes to the consultant) or as a three-way conference, or cancels it.

Owned by the `CallActor`, it reads the call's own messages while the consultation lasts, so everything
else the call hears meanwhile (the caller hanging up, the consultant hanging up) is handled in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from c122.domain.calls.record import LegKind
from c122.services.call_flow import messages as m
from c122.services.call_flow.context import CallFlowContext
from c122.services.call_flow.record import CallRecordDraft

log = logging.getLogger(__name__)


class ConsultEnd(StrEnum):
    BACK = "back"  # cancelled, or the consultant left: the operator talks to the caller again
    TRANSFERRED = "transferred"  # caller and consultant talk; the operator has left
    CONFERENCE = "conference"  # all three talk in one mixing bridge


@dataclass
class _Consult:
    leg: str
    kind: LegKind
    party: str
    waiting_music: str | None = None  # music to whoever waits: the caller, or the consultant
    talking_to: str = "consultant"
    colleague: int | None = None  # a colleague at their browser desk: their desk follows the call
    desk_told: bool = False  # their desk was offered the call (and must hear when it ends)
    answered: bool = False  # they answered at their desk


class ConsultingCall(Protocol):
    """What a consultation reads of its call and how it reconnects the call's legs."""

    @property
    def id(self) -> str: ...

    @property
    def leg(self) -> str: ...

    @property
    def operator_leg(self) -> str | None: ...

    @property
    def operator_id(self) -> int | None: ...

    @property
    def queue_id(self) -> int | None: ...

    @property
    def record(self) -> CallRecordDraft: ...

    async def connect(self, a: str, b: str) -> None:
        """Two legs hear each other, in place of whatever the call's bridge held; their conversation
        is the recording's next segment."""

    async def conference(self, legs: Sequence[str]) -> None:
        """All `legs` hear each other, in place of whatever the call's bridge held; recorded mixed as
        the next segment."""

    async def disconnect(self) -> None:
        """The call's bridge is taken down (and its segment of the recording ends); its legs stay up."""

    def post(self, message: m.CallMessage) -> None:
        """A message to the call's own inbox (a timer's)."""

    def service_name(self) -> str: ...

    async def next_message(self) -> m.CallMessage:
        """The next message of the call's inbox; raises when the caller leaves."""

    def claim(self, leg: str) -> None:
        """A leg placed for the consultant reports to the call."""


class Consultation:
    """The operator's consultation on one call; at most one at a time."""

    def __init__(self, call: ConsultingCall, ctx: CallFlowContext) -> None:
        # The call owns its consultation: the way back is weak, so that an ended call is freed at once
        # rather than by the collector's full pass over everything long-lived.
        self._owner = weakref.ref(call)
        self._ctx = ctx
        self._current: _Consult | None = None

    @property
    def _call(self) -> ConsultingCall:
        call = self._owner()
        assert call is not None, "a consultation ends with its call"
        return call

    @property
    def active(self) -> bool:
        return self._current is not None

    @property
    def consultant_leg(self) -> str | None:
        return self._current.leg if self._current is not None else None

    @property
    def colleague(self) -> int | None:
        """The colleague at their browser desk this consultation reached, if that is who it reached."""
        return self._current.colleague if self._current is not None else None

    @property
    def ringing_colleague(self) -> int | None:
        """The colleague whose desk rings with this call now."""
        state = self._current
        return state.colleague if state is not None and state.desk_told and not state.answered else None

    @property
    def talking_colleague(self) -> int | None:
        """The colleague at their desk who answered and talks in the consultation or conference."""
        state = self._current
        return state.colleague if state is not None and state.answered else None

    def desk_colleague(self) -> tuple[int, str] | None:
        """(user id, browser leg) when the consultant is a colleague at their desk: after a transfer
        they take the call over as its operator."""
        state = self._current
        if state is None or state.colleague is None or state.kind != "webrtc":
            return None
        return state.colleague, state.leg

    def forget(self) -> None:
        """The consultant's leg is no longer this call's concern (they left after a transfer, or took
        the call over)."""
        self._current = None

    async def run(self, request: m.ConsultRequested) -> ConsultEnd:
        """From the request until the operator is back with the caller, gone, or in a conference."""
        assert self._call.operator_leg is not None
        await self._call.disconnect()
        caller_music = await self._ctx.switch.play(self._call.leg, [self._ctx.music], loop=True)
        consult_leg, kind, party = await self._reach(request)
        if consult_leg is None:
            self._tell("failed", party)
            await self._back_to_caller(caller_music)
            return ConsultEnd.BACK
        self._call.claim(consult_leg)
        state = self._current = _Consult(
            consult_leg, kind, party, waiting_music=caller_music, colleague=request.user_id
        )
        self._call.record.consultant_leg(consult_leg, kind, party, self._ctx.clock.now())
        self._tell("ringing", party)
        try:
            answered = await (self._desk_answered(state) if kind == "webrtc" else self._answered(state))
            if answered:
                if request.blind:
                    await self._join_caller_to_consultant(state)
                    return ConsultEnd.TRANSFERRED
                return await self._talk_to_consultant(state)
        except BaseException:
            await self.drop_consultant()
            raise
        self._tell("failed", party)
        await self._back_to_caller(state.waiting_music)
        return ConsultEnd.BACK

    async def _reach(self, request: m.ConsultRequested) -> tuple[str | None, LegKind, str]:
        """The consultant's leg: a colleague's browser leg or SIP phone, or a public number."""
        switch = self._ctx.switch
        if request.user_id is not None:
            party = str(request.user_id)
            if self._ctx.phones.mode(request.user_id) == "browser":
                return switch.browser_leg(request.user_id), "webrtc", party
            account = self._ctx.phones.account(request.user_id)
            record = self._call.record
            leg = await switch.ring_phone(account, record.caller, record.called) if account else None
            return leg, "sip", party
        assert request.number is not None
        try:
            return await switch.dial(request.number, self._call.record.called), "trunk", request.number
        except Exception as exc:
            log.warning("call %s: consulting %s failed: %s", self._call.id, request.number, exc)
            return None, "trunk", request.number

    async def _answered(self, state: _Consult) -> bool:
        """Waits for the consultant to answer; the operator may cancel meanwhile."""
        while True:
            message = await self._call.next_message()
            match message:
                case m.LegAnswered(leg=leg) if leg == state.leg:
                    return True
                case m.LegGone(leg=leg) if leg == state.leg:
                    self._current = None
                    return False
                case m.ConsultCancel():
                    await self.drop_consultant(keep_caller_music=True)
                    return False
                case _:
                    pass

    async def _desk_answered(self, state: _Consult) -> bool:
        """A colleague at their browser desk: the desk rings (`call.offered`, a tone in the headset)
        until they answer or decline there, the ring time passes, or the operator cancels."""
        assert state.colleague is not None
        tone: str | None = None
        with contextlib.suppress(Exception):  # no tone is no reason not to ring the desk
            tone = await self._ctx.switch.play(state.leg, [self._ctx.settings.headset_tone], loop=True)
        state.desk_told = True
        self._ctx.offer_to_colleague(self._call, state.colleague, self._call.operator_id)
        timer = asyncio.get_running_loop().call_later(
            self._ctx.settings.colleague_ring_s, self._call.post, m.ColleagueRingTimeout(state.leg)
        )
        try:
            while True:
                message = await self._call.next_message()
                match message:
                    case m.ColleagueAnswer(user_id=user_id, answered=True) if user_id == state.colleague:
                        state.answered = True
                        self._ctx.announce_colleague_connected(self._call, user_id)
                        return True
                    case m.ColleagueAnswer(user_id=user_id, answered=False) if user_id == state.colleague:
                        await self.drop_consultant(keep_caller_music=True, cause="declined")
                        return False
                    case m.ColleagueRingTimeout(leg=leg) if leg == state.leg:
                        await self.drop_consultant(keep_caller_music=True, cause="no_answer")
                        return False
                    case m.LegGone(leg=leg) if leg == state.leg:
                        await self.drop_consultant(keep_caller_music=True, cause="colleague_unreachable")
                        return False
                    case m.ConsultCancel():
                        await self.drop_consultant(keep_caller_music=True)
                        return False
                    case _:
                        pass
        finally:
            timer.cancel()
            if tone is not None:
                with contextlib.suppress(Exception):
                    await self._ctx.switch.stop_playback(tone)

    async def _talk_to_consultant(self, state: _Consult) -> ConsultEnd:
        operator_leg = self._call.operator_leg
        assert operator_leg is not None
        await self._call.connect(operator_leg, state.leg)
        self._tell("talking", state.party, talking_to="consultant")
        while True:
            message = await self._call.next_message()
            match message:
                case m.ConsultSwap():
                    await self._swap(state)
                case m.ConsultComplete(conference=False) | m.OperatorHangUp():
                    await self._join_caller_to_consultant(state)
                    return ConsultEnd.TRANSFERRED
                case m.ConsultComplete(conference=True):
                    await self._stop_music(state)
                    await self._call.conference([self._call.leg, operator_leg, state.leg])
                    self._tell("conference", state.party)
                    return ConsultEnd.CONFERENCE
                case m.ConsultCancel():
                    caller_music = state.waiting_music if state.talking_to == "consultant" else None
                    await self.drop_consultant(keep_caller_music=True)
                    await self._back_to_caller(caller_music)
                    self._tell("ended", state.party)
                    return ConsultEnd.BACK
                case m.LegGone(leg=leg) if leg == state.leg:
                    self._current = None
                    await self._back_to_caller(
                        state.waiting_music if state.talking_to == "consultant" else None
                    )
                    self._tell("ended", state.party)
                    return ConsultEnd.BACK
                case m.ColleagueHangUp(user_id=user_id) if user_id == state.colleague:
                    caller_music = state.waiting_music if state.talking_to == "consultant" else None
                    await self.drop_consultant(keep_caller_music=True)
                    await self._back_to_caller(caller_music)
                    self._tell("ended", state.party)
                    return ConsultEnd.BACK
                case _:
                    pass

    async def _swap(self, state: _Consult) -> None:
        """The operator talks to the other party; the one left waits with music."""
        operator_leg = self._call.operator_leg
        assert operator_leg is not None
        await self._call.disconnect()
        await self._stop_music(state)
        if state.talking_to == "consultant":
            state.waiting_music = await self._ctx.switch.play(state.leg, [self._ctx.music], loop=True)
            await self._call.connect(self._call.leg, operator_leg)
            state.talking_to = "caller"
        else:
            state.waiting_music = await self._ctx.switch.play(self._call.leg, [self._ctx.music], loop=True)
            await self._call.connect(operator_leg, state.leg)
            state.talking_to = "consultant"
        self._tell("talking", state.party, talking_to=state.talking_to)

    async def _join_caller_to_consultant(self, state: _Consult) -> None:
        await self._stop_music(state)
        await self._call.connect(self._call.leg, state.leg)
        self._tell("transferred", state.party)

    async def _back_to_caller(self, caller_music: str | None) -> None:
        operator_leg = self._call.operator_leg
        assert operator_leg is not None
        if caller_music is not None:
            with contextlib.suppress(Exception):
                await self._ctx.switch.stop_playback(caller_music)
        await self._call.connect(self._call.leg, operator_leg)

    async def drop_consultant(
        self, *, keep_caller_music: bool = False, cause: str = "consultation_ended"
    ) -> None:
        """A colleague's browser leg stays up for their own calls (their desk hears `call.ended`); a
        phone or an outside call is hung up."""
        state, self._current = self._current, None
        if state is None:
            return
        await self._stop_music(state, keep_caller=keep_caller_music)
        if state.kind != "webrtc":  # a phone, or an outside number
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(state.leg)
        elif state.colleague is not None and state.desk_told:
            self._ctx.tell(state.colleague, "call.ended", {"call_id": self._call.id, "cause": cause})

    async def colleague_left(self) -> None:
        """The colleague in a three-way conference hung up at their desk: the operator and the caller
        go on talking."""
        state = self._current
        if state is None:
            return
        await self.drop_consultant()
        operator_leg = self._call.operator_leg
        if operator_leg is not None:
            await self._call.connect(self._call.leg, operator_leg)
        self._tell("ended", state.party)

    async def _stop_music(self, state: _Consult, *, keep_caller: bool = False) -> None:
        if state.waiting_music is not None and not (keep_caller and state.talking_to == "consultant"):
            with contextlib.suppress(Exception):
                await self._ctx.switch.stop_playback(state.waiting_music)
            state.waiting_music = None

    def _tell(self, state: str, party: str, *, talking_to: str | None = None) -> None:
        operator_id = self._call.operator_id
        if operator_id is not None:
            self._ctx.tell(
                operator_id,
                "call.consultation_changed",
                {"call_id": self._call.id, "state": state, "consultant": party, "talking_to": talking_to},
            )
