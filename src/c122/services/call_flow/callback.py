"""Calling an applicant back (TEL-07, TEL-18): the ACD offers a callback entry to an operator like a
call; when the operator accepts, the hotline dials the applicant through the trunk of their number
(presenting the region's caller ID) and connects them to the operator."""

from __future__ import annotations

import contextlib
import logging

from c122.domain.acd import CompletedBy, UnknownCall
from c122.services.call_flow import messages as m
from c122.services.call_flow.actor import CallActor, CallEnded
from c122.services.call_flow.ports import LegUnavailable

log = logging.getLogger(__name__)

RINGBACK = "tone:ringback"  # what the operator hears while the applicant's phone rings


class CallbackCall(CallActor):
    """`leg` stays empty until the applicant answers."""

    async def run(self) -> None:
        try:
            await self._wait_for_operator()
        except CallEnded:
            pass  # the applicant hung up; the conversation has closed itself
        except LegUnavailable as exc:
            log.info("callback %s: leg %s hung up meanwhile", self.id, exc.leg)
            self.record.end_cause = self.record.end_cause or "caller_hang_up"
            await self._close_conversation(CompletedBy.OPERATOR)
        except Exception:
            log.exception("callback %s failed", self.id)
            self.record.end_cause = self.record.end_cause or "error"
            await self._stop_ringing()
        finally:
            self._cancel_timer()
            if self.record.connected_at is not None or self.record.end_cause is not None:
                await self._finish()

    async def _wait_for_operator(self) -> None:
        while True:
            match message := await self.next_message():
                case m.Offered() | m.LegAnswered() | m.LegGone() | m.OfferEnded():
                    await self._offer_progress(message)
                case m.Connected(user_id=user_id):
                    await self._call_applicant(user_id)
                    return
                case m.Exited():
                    return  # a senior took the entry off the list
                case _:
                    pass

    async def _call_applicant(self, user_id: int) -> None:
        if await self._take_operator(user_id) is None:
            return
        assert self.operator_leg is not None
        await self._save()
        tone = await self._ctx.switch.play(self.operator_leg, [RINGBACK], loop=True)
        try:
            far = await self._ctx.switch.dial(self.record.called, self.record.caller)
        except Exception as exc:
            log.warning("callback %s: dialling %s failed: %s", self.id, self.record.called, exc)
            far = None
        answered = False
        if far is not None:
            self.claim(far)
            self.record.dialled_leg(far, self._ctx.clock.now(), "trunk")
            answered = await self._until_answered(far)
        with contextlib.suppress(Exception):
            await self._ctx.switch.stop_playback(tone)
        if not answered:
            self.record.end_cause = "no_answer" if far is not None else "dial_failed"
            if far is None:  # never placed: the operator is free again at once, no wrap-up
                await self._ctx.center.drop_gone_calls([self.id], reason="callback_not_placed")
            with contextlib.suppress(UnknownCall):
                await self._ctx.center.hang_up(self.id, CompletedBy.OPERATOR)
            self._ctx.announce_ended(self, self.record.end_cause)
            self.operator_leg = None
            return
        assert far is not None
        self.leg = far
        self.record.answered_leg(far, self._ctx.clock.now())
        await self._connect(0.0)
