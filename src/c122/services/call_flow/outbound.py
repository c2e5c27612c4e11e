"""A call the operator places from the desktop (TEL-03, TEL-18, OPS-21): to a public number through the
trunk of its prefix (with the region's caller ID), or to a colleague. The operator is busy for offers
from the moment they dial (`ContactCenter.dial_for`); the conversation is the same as for a caller."""

from __future__ import annotations

import contextlib
import logging

from c122.domain.acd import CompletedBy, UnknownCall
from c122.domain.calls.record import LegKind
from c122.services.call_flow import messages as m
from c122.services.call_flow.actor import CallActor, CallEnded
from c122.services.call_flow.ports import (
    CARRIER_REFUSED_CREDENTIALS,
    TRUNK_AUTH_FAILED,
    TRUNK_LIMIT,
    LegUnavailable,
    TrunkAtLimit,
)

log = logging.getLogger(__name__)

RINGBACK = "tone:ringback"  # what the operator hears while the far end rings


class OutboundCall(CallActor):
    """`leg` stays empty until the far end answers; `colleague` is set for an internal call."""

    colleague: int | None = None
    dial_refusal: str | None = None  # why no far leg was dialled, when the reason is known

    async def run(self, user_id: int) -> None:
        try:
            if await self._operator_ready(user_id):
                await self._place()
        except CallEnded:
            pass  # the far end hung up; the conversation has closed itself
        except LegUnavailable as exc:
            log.info("outbound call %s: leg %s hung up meanwhile", self.id, exc.leg)
            self.record.end_cause = self.record.end_cause or "caller_hang_up"
            await self._close_conversation(CompletedBy.OPERATOR)
        except Exception:
            log.exception("outbound call %s failed", self.id)
            self.record.end_cause = self.record.end_cause or "error"
            with contextlib.suppress(UnknownCall):
                await self._ctx.center.hang_up(self.id, CompletedBy.OPERATOR)
        finally:
            await self._finish()

    async def _operator_ready(self, user_id: int) -> bool:
        """The operator's own leg: their browser leg, or their SIP phone rung first (click-to-call)."""
        self.operator_id = user_id
        if self._ctx.phones.mode(user_id) == "sip":
            account = self._ctx.phones.account(user_id)
            leg = await self._ctx.switch.ring_phone(account, self._shown_on_phone(), "") if account else None
            if leg is not None:
                self._ringing_leg = leg
                self.claim(leg)
                if not await self._until_answered(leg):
                    self._ringing_leg = None
                    return await self._give_up("operator_unreachable")
        if await self._take_operator(user_id) is None:
            return await self._give_up("operator_unreachable")
        return True

    def _shown_on_phone(self) -> str:
        """Who the operator's own phone shows as calling when it rings first (a SIP URI's user part)."""
        return self.record.called

    async def _place(self) -> None:
        assert self.operator_leg is not None
        tone = await self._ctx.switch.play(self.operator_leg, [RINGBACK], loop=True)
        far = await self._far_leg()
        answered = False
        if far is not None:
            self.claim(far)
            kind: LegKind = (
                "trunk"
                if self.colleague is None
                else "webrtc"
                if far == self._colleague_browser_leg()
                else "sip"
            )
            self.record.dialled_leg(
                far, self._ctx.clock.now(), kind, "operator" if self.colleague else "caller"
            )
            answered = far == self._colleague_browser_leg() or await self._until_answered_or_cancelled(far)
        with contextlib.suppress(Exception):
            await self._ctx.switch.stop_playback(tone)
        if not answered:
            if far is not None and far != self._colleague_browser_leg():
                with contextlib.suppress(Exception):
                    await self._ctx.switch.hang_up(far)
            await self._give_up(self.dial_refusal or ("no_answer" if far is not None else "dial_failed"))
            return
        assert far is not None
        self.leg = far
        self.record.answered_leg(far, self._ctx.clock.now())
        await self._connect(0.0)

    async def _far_leg(self) -> str | None:
        switch = self._ctx.switch
        try:
            if self.colleague is None:
                return await switch.dial(self.record.called, "")
            if self._ctx.phones.mode(self.colleague) == "browser":
                return switch.browser_leg(self.colleague)
            account = self._ctx.phones.account(self.colleague)
            return (
                await switch.ring_phone(account, self.record.caller, self.record.called) if account else None
            )
        except TrunkAtLimit as exc:
            log.warning("outbound call %s to %s refused: %s", self.id, self.record.called, exc)
            self.dial_refusal = TRUNK_LIMIT
            return None
        except Exception as exc:
            log.warning("outbound call %s to %s failed: %s", self.id, self.record.called, exc)
            return None

    def _colleague_browser_leg(self) -> str | None:
        if self.colleague is None or self._ctx.phones.mode(self.colleague) != "browser":
            return None
        return self._ctx.switch.browser_leg(self.colleague)

    async def _until_answered_or_cancelled(self, leg: str) -> bool:
        """Ringing; the operator's hang-up cancels the call."""
        while True:
            message = await self.next_message()
            match message:
                case m.LegAnswered(leg=answered) if answered == leg:
                    return True
                case m.LegGone(leg=gone, cause=cause) if gone in (leg, self.operator_leg):
                    if gone == leg and cause in CARRIER_REFUSED_CREDENTIALS:
                        self.dial_refusal = TRUNK_AUTH_FAILED
                    return False
                case m.OperatorHangUp():
                    return False
                case _:
                    pass

    async def _give_up(self, cause: str) -> bool:
        self.record.end_cause = cause
        with contextlib.suppress(UnknownCall):
            await self._ctx.center.hang_up(self.id, CompletedBy.OPERATOR)
        self._ctx.announce_ended(self, cause)
        if self.operator_leg is not None and self.operator_leg != self._ctx.switch.browser_leg(
            self.operator_id or 0
        ):
            with contextlib.suppress(Exception):
                await self._ctx.switch.hang_up(self.operator_leg)  # the operator's own phone
        self.operator_leg = None
        return False
