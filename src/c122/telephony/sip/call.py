"""One INVITE dialog seen from call control: what incoming and outgoing call legs share."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace

from c122.domain.clock import TimerHandle
from c122.telephony.sip.builders import SDP_TYPE
from c122.telephony.sip.call_host import CallHost
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.dtmf_info import format_dtmf_relay, parse_dtmf_info
from c122.telephony.sip.errors import CallFailed, CallGone, SipParseError
from c122.telephony.sip.events import (
    Answered,
    CallEnded,
    CallEvent,
    Dtmf,
    ReInvited,
    TransferProgress,
    TransferRequested,
)
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import REASONS, Headers, SipRequest, SipResponse, make_response
from c122.telephony.sip.refer import SIPFRAG, ReferTo, Replaces, parse_sipfrag, sipfrag
from c122.telephony.sip.sdp import SdpError, SessionDescription, parse_sdp
from c122.telephony.sip.session_timer import Negotiated, SessionTimer
from c122.telephony.sip.transaction import ServerTransaction
from c122.telephony.sip.uri import SipUri

log = logging.getLogger(__name__)

ReInviteHandler = Callable[[SessionDescription | None], Awaitable[SessionDescription]]


def body_sdp(msg: SipRequest | SipResponse) -> SessionDescription | None:
    if not msg.body or msg.content_type != SDP_TYPE:
        return None
    return parse_sdp(msg.body)


def add_session_expires(response: SipResponse, negotiated: Negotiated) -> None:
    response.headers.add("Session-Expires", negotiated.header())
    if negotiated.refresher == "uac":
        response.headers.add("Require", "timer")


class Call:
    """State shared by both directions: dialog, SDP, events and in-dialog requests."""

    def __init__(self, host: CallHost, call_id: str) -> None:
        self.host = host
        self.call_id = call_id
        self.state = "early"
        self.dialog: Dialog | None = None
        self.local_sdp: SessionDescription | None = None
        self.remote_sdp: SessionDescription | None = None
        self.on_reinvite: ReInviteHandler | None = None
        self.end_event: CallEnded | None = None
        self._history: list[CallEvent] = []
        self._new_event = asyncio.Event()
        self._ok_retransmit: TimerHandle | None = None
        self._ok_deadline: TimerHandle | None = None
        self._reinvite_pending = False
        self._refer_pending = False
        self.session_timer: SessionTimer | None = None

    # -- events ----------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[CallEvent]:
        """Every event of this call from its start, ending with (and including) `CallEnded`.

        Each iterator sees all events, so several parts of the application can follow a call.
        """
        seen = 0
        while True:
            while seen < len(self._history):
                event = self._history[seen]
                seen += 1
                yield event
                if isinstance(event, CallEnded):
                    return
            await self._new_event.wait()

    def _emit(self, event: CallEvent) -> None:
        self._history.append(event)
        self._new_event.set()
        self._new_event = asyncio.Event()
        self.host.call_event(self, event)

    def _end(self, reason: str, status: int | None = None) -> None:
        if self.state == "ended":
            return
        self.state = "ended"
        self._stop_ok_retransmit()
        self._stop_reliable()
        if self.session_timer is not None:
            self.session_timer.cancel()
        # what points back at the call (its timer's callbacks, the handler's owner) is let go, so
        # that the ended call is freed once nothing else holds it
        self.session_timer = None
        self.on_reinvite = None
        self.end_event = CallEnded(reason, status)
        self._emit(self.end_event)
        self.host.forget_call(self.call_id, self)

    # -- reliable 2xx (§13.3.1.4): the UA core, not the transaction, resends it -------------

    def _send_ok_reliably(self, response: SipResponse, stx: ServerTransaction) -> None:
        stx.respond(response)
        if not stx.reliable:
            self._resend_ok_after(self.host.timers.t1, response, stx.source)
        self._ok_deadline = self.host.clock.call_later(self.host.timers.b, self._no_ack)

    def _resend_ok_after(self, delay: float, response: SipResponse, source: Source) -> None:
        # a method, not a closure that schedules itself: such a closure is a reference cycle that
        # would hold the call until the collector's full pass
        self._ok_retransmit = self.host.clock.call_later(
            delay, functools.partial(self._resend_ok, delay, response, source)
        )

    def _resend_ok(self, delay: float, response: SipResponse, source: Source) -> None:
        try:
            self.host.resend_response(response, source)
        except OSError as exc:
            log.info("cannot resend 2xx: %s", exc)
        self._resend_ok_after(min(delay * 2, self.host.timers.t2), response, source)

    def _stop_reliable(self) -> None:
        """Hook for the answering side's reliable provisionals."""

    def _stop_ok_retransmit(self) -> None:
        for handle in (self._ok_retransmit, self._ok_deadline):
            if handle is not None:
                handle.cancel()
        self._ok_retransmit = self._ok_deadline = None

    def _no_ack(self) -> None:
        self._stop_ok_retransmit()
        if self.state == "ended":
            return
        log.info("no ACK for 2xx on %s; sending BYE", self.call_id)
        self.host.spawn(self._bye(), "bye after missing ACK")
        self._end("timeout", 408)

    def receive_ack(self, request: SipRequest) -> None:
        """The ACK for our 2xx: stop resending it; an answered call is now confirmed."""
        was_waiting = self._ok_deadline is not None
        self._stop_ok_retransmit()
        if not was_waiting:
            return
        if self.state == "early":
            self.state = "confirmed"
            sdp = self._safe_sdp(request) if request.body else None
            if sdp is not None:
                self.remote_sdp = sdp
            self._emit(Answered(self.remote_sdp))

    # -- in-dialog requests from the peer --------------------------------------------------

    def receive_in_dialog(self, request: SipRequest, stx: ServerTransaction, source: Source) -> None:
        """A request the stack matched to this dialog by Call-ID and our tag."""
        dialog = self.dialog
        assert dialog is not None
        if not dialog.accept_remote_cseq(request.cseq[0]):
            stx.respond(make_response(request, 500, "CSeq Out of Order"))
            return
        method = request.method
        if method == "BYE":
            stx.respond(make_response(request, 200))
            self._end("remote-bye")
        elif method in ("INVITE", "UPDATE"):
            self.host.spawn(self._answer_refresh(request, stx), "session refresh")
        elif method == "INFO":
            self._info(request, stx)
        elif method == "OPTIONS":
            stx.respond(self.host.messages.options_response(request))
        elif method == "REFER":
            self._refer_received(request, stx)
        elif method == "NOTIFY":
            self._notify_received(request, stx)
        elif method == "PRACK":
            self._prack(request, stx)
        else:
            self._not_allowed(request, stx)

    def _not_allowed(self, request: SipRequest, stx: ServerTransaction) -> None:
        resp = make_response(request, 405)
        resp.headers.add("Allow", self.host.messages.allow_header)
        stx.respond(resp)

    def _prack(self, request: SipRequest, stx: ServerTransaction) -> None:
        """Only the answering side sends reliable provisionals (and so takes PRACK)."""
        self._not_allowed(request, stx)

    # -- transfer (RFC 3515) ---------------------------------------------------------------

    def _refer_received(self, request: SipRequest, stx: ServerTransaction) -> None:
        value = request.headers.get("Refer-To")
        try:
            refer_to = ReferTo.parse(value or "")
        except SipParseError as exc:
            stx.respond(make_response(request, 400, f"Bad Refer-To: {exc.reason}"[:80]))
            return
        stx.respond(make_response(request, 202))
        self._refer_pending = True
        self.host.spawn(self.notify_transfer(100, "Trying"), "NOTIFY 100")
        self._emit(
            TransferRequested(str(refer_to.target), refer_to.replaces, request.headers.get("Referred-By"))
        )

    async def notify_transfer(self, status: int, reason: str | None = None) -> None:
        """Tell the peer that sent REFER how the transfer goes; a final status ends the subscription."""
        if self.dialog is None or self.state == "ended" or not self._refer_pending:
            return
        final = status >= 200
        if final:
            self._refer_pending = False
        extra = Headers(
            [
                ("Event", "refer"),
                ("Subscription-State", "terminated;reason=noresource" if final else "active;expires=60"),
            ]
        )
        body = sipfrag(status, reason or REASONS.get(status, ""))
        request = self.host.messages.dialog_request(self.dialog, "NOTIFY", body, SIPFRAG, extra)
        with contextlib.suppress(Exception):
            await self.host.send_request(request, self.dialog.destination())

    def _notify_received(self, request: SipRequest, stx: ServerTransaction) -> None:
        if (request.headers.get("Event") or "").split(";")[0].strip().lower() != "refer":
            stx.respond(make_response(request, 489))
            return
        stx.respond(make_response(request, 200))
        status = parse_sipfrag(request.body)
        if status is not None:
            self._emit(TransferProgress(status))

    async def refer(self, target: str, replaces: Replaces | None = None) -> int:
        """Ask the peer to call `target` (blind) or to replace a dialog (attended); returns 202 etc."""
        if self.state != "confirmed" or self.dialog is None:
            raise CallGone("call is not established")
        refer_to = ReferTo(SipUri.parse(target), replaces)
        extra = Headers([("Refer-To", str(refer_to)), ("Referred-By", f"<{self.host.contact_uri}>")])
        request = self.host.messages.dialog_request(self.dialog, "REFER", extra=extra)
        response = await self.host.send_request(request, self.dialog.destination())
        if response.status >= 300:
            raise CallFailed(response.status, response.reason)
        return response.status

    def _info(self, request: SipRequest, stx: ServerTransaction) -> None:
        if not request.body:
            stx.respond(make_response(request, 200))  # INFO keep-alive
            return
        dtmf = parse_dtmf_info(request.content_type, request.body)
        if dtmf is None:
            stx.respond(make_response(request, 415, "Unsupported Media Type"))
            return
        stx.respond(make_response(request, 200))
        self._emit(Dtmf(dtmf[0], dtmf[1]))

    def _safe_sdp(self, msg: SipRequest | SipResponse) -> SessionDescription | None:
        try:
            return body_sdp(msg)
        except SdpError as exc:
            log.info("bad SDP on %s: %s", self.call_id, exc)
            return None

    async def _answer_refresh(self, request: SipRequest, stx: ServerTransaction) -> None:
        assert self.dialog is not None
        if self._reinvite_pending and request.method == "INVITE":
            stx.respond(make_response(request, 491))
            return
        try:
            offer = body_sdp(request)
        except SdpError as exc:
            stx.respond(make_response(request, 488, f"Bad SDP: {exc}"[:80]))
            return
        try:
            answer = await self._refresh_answer(offer)
        except SdpError as exc:
            stx.respond(make_response(request, 488, str(exc)[:80]))
            return
        self.dialog.refresh_target(request)
        if offer is not None:
            self.remote_sdp = offer
        self.local_sdp = answer
        resp = self.host.messages.dialog_response(request, 200, self.dialog, answer)
        if self.session_timer is not None:
            self.session_timer.refreshed()
            add_session_expires(resp, self.session_timer.negotiated)
        if request.method == "INVITE":
            self._send_ok_reliably(resp, stx)
        else:
            stx.respond(resp)
        self._emit(ReInvited(offer, answer))

    async def _refresh_answer(self, offer: SessionDescription | None) -> SessionDescription | None:
        if self.on_reinvite is not None:
            return await self.on_reinvite(offer)
        current = self.local_sdp
        if current is None:
            return None
        # default answer: our current session, direction mirrored, version bumped (RFC 3264 §8)
        media = []
        offered = offer.audio if offer is not None else None
        for m in current.media:
            copy = replace(m)
            if offered is not None and m.media == "audio" and offer is not None:
                copy.direction = offer.media_direction(offered).reverse()
            media.append(copy)
        return SessionDescription(
            origin_address=current.origin_address,
            session_id=current.session_id,
            session_version=current.session_version + 1,
            username=current.username,
            session_name=current.session_name,
            connection=current.connection,
            media=media,
        )

    # -- requests we send ------------------------------------------------------------------

    def start_session_timer(self, negotiated: Negotiated) -> None:
        """Answering side of RFC 4028: we keep the timer; refreshing is a re-INVITE."""

        def refresh() -> None:
            if self.state == "confirmed" and self.local_sdp is not None:
                self.host.spawn(self._refresh_session(), "session refresh")

        def expire() -> None:
            if self.state != "ended":
                log.info("session on %s expired without refresh", self.call_id)
                self.host.spawn(self._bye(), "BYE after session expiry")
                self._end("timeout", 408)

        self.session_timer = SessionTimer(
            self.host.clock,
            negotiated,
            we_refresh=negotiated.refresher == "uas",
            refresh=refresh,
            expire=expire,
        )

    async def _refresh_session(self) -> None:
        assert self.local_sdp is not None
        try:
            await self.reinvite(self.local_sdp)
        except CallFailed as exc:
            log.info("session refresh on %s failed: %s", self.call_id, exc)
        if self.session_timer is not None and self.state == "confirmed":
            self.session_timer.refreshed()

    async def _bye(self) -> None:
        if self.dialog is None:
            return
        request = self.host.messages.dialog_request(self.dialog, "BYE")
        with contextlib.suppress(Exception):
            await self.host.send_request(request, self.dialog.destination())

    async def hangup(self) -> None:
        if self.state == "ended":
            return
        self._end("local-bye")
        await self._bye()

    async def reinvite(self, sdp: SessionDescription) -> SessionDescription | None:
        """Offer a new session (hold: `Direction.SENDONLY`); returns the peer's answer."""
        if self.state != "confirmed" or self.dialog is None:
            raise CallGone("call is not established")
        self._reinvite_pending = True
        try:
            request = self.host.messages.dialog_request(self.dialog, "INVITE", sdp.encode(), SDP_TYPE)
            response = await self.host.send_request(request, self.dialog.destination())
        finally:
            self._reinvite_pending = False
        if 200 <= response.status < 300:
            self._ack_2xx(self.dialog, request)
            self.dialog.refresh_target(response)
            self.local_sdp = sdp
            answer = self._safe_sdp(response)
            if answer is not None:
                self.remote_sdp = answer
            return answer
        if response.status in (408, 481):
            await self.hangup()  # §14.1: the dialog is gone
        raise CallFailed(response.status, response.reason)

    def _ack_2xx(self, dialog: Dialog, invite: SipRequest) -> SipRequest:
        ack = self.host.messages.ack_for_2xx(dialog, invite)
        self.host.send_ack(dialog, ack)
        return ack

    async def send_dtmf(self, digit: str, duration_ms: int = 160) -> None:
        if self.state != "confirmed" or self.dialog is None:
            raise CallGone("call is not established")
        body = format_dtmf_relay(digit, duration_ms)
        request = self.host.messages.dialog_request(self.dialog, "INFO", body, "application/dtmf-relay")
        response = await self.host.send_request(request, self.dialog.destination())
        if response.status >= 300:
            raise CallFailed(response.status, response.reason)
