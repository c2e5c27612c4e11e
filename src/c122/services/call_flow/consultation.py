"""Consultation (TEL-17, OPS-20): the caller waits with music while the operator talks to a colleague
or an outside number; the operator swaps between the two any number of times, then completes it as a
transfer (the caller goes to the consultant) or as a three-way conference, or cancels it.

A mixin of `CallActor`: it reads the call's own messages while the consultation lasts, so everything
else the call hears meanwhile (the caller hanging up, the consultant hanging up) is handled in order.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

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


class Consulting:
    """Needs the attributes and methods of `CallActor` (declared here for the type checker)."""

    id: str
    leg: str
    operator_leg: str | None
    operator_id: int | None
    record: CallRecordDraft
    _ctx: CallFlowContext
    _bridge: str | None
    _consultation: _Consult | None = None

    if TYPE_CHECKING:  # provided by CallActor

        async def _next(self) -> m.CallMessage: ...

        def _claim(self, leg: str) -> None: ...

    @property
    def consulting(self) -> bool:
        return self._consultation is not None

    async def _consult(self, request: m.ConsultRequested) -> ConsultEnd:
        assert self.operator_leg is not None
        await self._disconnect()
        caller_music = await self._ctx.switch.play(self.leg, [self._ctx.music], loop=True)
        consult_leg, kind, party = await self._reach(request)
        if consult_leg is None:
            self._tell("failed", party)
            await self._back_to_caller(caller_music)
            return ConsultEnd.BACK
        self._claim(consult_leg)
        state = self._consultation = _Consult(consult_leg, kind, party, waiting_music=caller_music)
        self.record.consultant_leg(consult_leg, kind, party, self._ctx.clock.now())
        self._tell("ringing", party)
        try:
            if kind == "webrtc" or await self._answered(state):
                return await self._talk_to_consultant(state)
        except BaseException:
            await self._drop_consultant()
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
            leg = (
                await switch.ring_phone(account, self.record.caller, self.record.called) if account else None
            )
            return leg, "sip", party
        assert request.number is not None
        try:
            return await switch.dial(request.number, self.record.called), "sip", request.number
        except Exception as exc:
            log.warning("call %s: consulting %s failed: %s", self.id, request.number, exc)
            return None, "sip", request.number

    async def _answered(self, state: _Consult) -> bool:
        """Waits for the consultant to answer; the operator may cancel meanwhile."""
        while True:
            message = await self._next()
            match message:
                case m.LegAnswered(leg=leg) if leg == state.leg:
                    return True
                case m.LegGone(leg=leg) if leg == state.leg:
                    self._consultation = None
                    return False
                case m.ConsultCancel():
                    await self._drop_consultant(keep_caller_music=True)
                    return False
                case _:
                    pass

    async def _talk_to_consultant(self, state: _Consult) -> ConsultEnd:
        assert self.operator_leg is not None
        self._bridge = await self._ctx.switch.connect(self.operator_leg, state.leg)
        self._tell("talking", state.party, talking_to="consultant")
        while True:
            message = await self._next()
            match message:
                case m.ConsultSwap():
                    await self._swap(state)
                case m.ConsultComplete(conference=False) | m.OperatorHangUp():
                    await self._join_caller_to_consultant(state)
                    return ConsultEnd.TRANSFERRED
                case m.ConsultComplete(conference=True):
                    await self._stop_music(state)
                    await self._disconnect()
                    self._bridge = await self._ctx.switch.conference([self.leg, self.operator_leg, state.leg])
                    self._tell("conference", state.party)
                    return ConsultEnd.CONFERENCE
                case m.ConsultCancel():
                    caller_music = state.waiting_music if state.talking_to == "consultant" else None
                    await self._drop_consultant(keep_caller_music=True)
                    await self._back_to_caller(caller_music)
                    self._tell("ended", state.party)
                    return ConsultEnd.BACK
                case m.LegGone(leg=leg) if leg == state.leg:
                    self._consultation = None
                    await self._back_to_caller(
                        state.waiting_music if state.talking_to == "consultant" else None
                    )
                    self._tell("ended", state.party)
                    return ConsultEnd.BACK
                case _:
                    pass

    async def _swap(self, state: _Consult) -> None:
        """The operator talks to the other party; the one left waits with music."""
        assert self.operator_leg is not None
        await self._disconnect()
        await self._stop_music(state)
        if state.talking_to == "consultant":
            state.waiting_music = await self._ctx.switch.play(state.leg, [self._ctx.music], loop=True)
            self._bridge = await self._ctx.switch.connect(self.leg, self.operator_leg)
            state.talking_to = "caller"
        else:
            state.waiting_music = await self._ctx.switch.play(self.leg, [self._ctx.music], loop=True)
            self._bridge = await self._ctx.switch.connect(self.operator_leg, state.leg)
            state.talking_to = "consultant"
        self._tell("talking", state.party, talking_to=state.talking_to)

    async def _join_caller_to_consultant(self, state: _Consult) -> None:
        await self._stop_music(state)
        await self._disconnect()
        self._bridge = await self._ctx.switch.connect(self.leg, state.leg)
        self._tell("transferred", state.party)

    async def _back_to_caller(self, caller_music: str | None) -> None:
        assert self.operator_leg is not None
        if caller_music is not None:
            with contextlib.suppress(Exception):
                await self._ctx.switch.stop_playback(caller_music)
        await self._disconnect()
        self._bridge = await self._ctx.switch.connect(self.leg, self.operator_leg)

    async def _drop_consultant(self, *, keep_caller_music: bool = False) -> None:
        """A colleague's browser leg stays up for their own calls; a phone or an outside call is hung up."""
        state, self._consultation = self._consultation, None
        if state is None:
            return
        await self._stop_music(state, keep_caller=keep_caller_music)
        if state.kind == "sip":
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(state.leg)

    async def _stop_music(self, state: _Consult, *, keep_caller: bool = False) -> None:
        if state.waiting_music is not None and not (keep_caller and state.talking_to == "consultant"):
            with contextlib.suppress(Exception):
                await self._ctx.switch.stop_playback(state.waiting_music)
            state.waiting_music = None

    async def _disconnect(self) -> None:
        if self._bridge is not None:
            bridge, self._bridge = self._bridge, None
            with contextlib.suppress(Exception):
                await self._ctx.switch.disconnect(bridge)

    def _tell(self, state: str, party: str, *, talking_to: str | None = None) -> None:
        if self.operator_id is not None:
            self._ctx.tell(
                self.operator_id,
                "call.consultation_changed",
                {"call_id": self.id, "state": state, "consultant": party, "talking_to": talking_to},
            )
