"""One INVITE dialog seen from call control: an incoming or an outgoing call leg."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from c122.telephony.sip.derived import authorized_retry, cancel_for
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.dtmf_info import format_dtmf_relay, parse_dtmf_info
from c122.telephony.sip.errors import CallFailed, CallGone, SipParseError
from c122.telephony.sip.events import (
    Answered,
    CallEnded,
    CallEvent,
    Dtmf,
    ReInvited,
    Ringing,
    TransferProgress,
    TransferRequested,
)
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import REASONS, Headers, SipRequest, SipResponse, make_response
from c122.telephony.sip.prack import ReliableProvisionals, parse_rack, wants_100rel
from c122.telephony.sip.refer import SIPFRAG, ReferTo, Replaces, parse_sipfrag, sipfrag
from c122.telephony.sip.sdp import SdpError, SessionDescription, parse_sdp
from c122.telephony.sip.session_timer import Negotiated, SessionTimer
from c122.telephony.sip.timers import TimerHandle
from c122.telephony.sip.transaction import Destination, ServerTransaction, new_tag
from c122.telephony.sip.uri import SipUri

if TYPE_CHECKING:
    from c122.telephony.sip.auth import DigestCredentials
    from c122.telephony.sip.ua import SipStack

log = logging.getLogger(__name__)

ReInviteHandler = Callable[[SessionDescription | None], Awaitable[SessionDescription]]

SDP_TYPE = "application/sdp"


def body_sdp(msg: SipRequest | SipResponse) -> SessionDescription | None:
    if not msg.body or msg.content_type != SDP_TYPE:
        return None
    return parse_sdp(msg.body)


def _add_session_expires(response: SipResponse, negotiated: Negotiated) -> None:
    response.headers.add("Session-Expires", negotiated.header())
    if negotiated.refresher == "uac":
        response.headers.add("Require", "timer")


class Call:
    """State shared by both directions: dialog, SDP, events and in-dialog requests."""

    def __init__(self, stack: SipStack, call_id: str) -> None:
        self.stack = stack
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

    def _end(self, reason: str, status: int | None = None) -> None:
        if self.state == "ended":
            return
        self.state = "ended"
        self._stop_ok_retransmit()
        self._stop_reliable()
        if self.session_timer is not None:
            self.session_timer.cancel()
        self.end_event = CallEnded(reason, status)
        self._emit(self.end_event)
        self.stack._forget_call(self)

    # -- reliable 2xx (§13.3.1.4): the UA core, not the transaction, resends it -------------

    def _send_ok_reliably(self, response: SipResponse, stx: ServerTransaction) -> None:
        stx.respond(response)
        interval = None if stx.reliable else self.stack.timers.t1
        clock = self.stack.clock

        def resend(delay: float) -> None:
            try:
                self.stack.transport.send_response(response, stx.source)
            except OSError as exc:
                log.info("cannot resend 2xx: %s", exc)
            nxt = min(delay * 2, self.stack.timers.t2)
            self._ok_retransmit = clock.call_later(nxt, lambda: resend(nxt))

        if interval is not None:
            self._ok_retransmit = clock.call_later(interval, lambda: resend(interval))
        self._ok_deadline = clock.call_later(self.stack.timers.b, self._no_ack)

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
        self.stack._spawn(self._bye(), "bye after missing ACK")
        self._end("timeout", 408)

    def _ack_received(self, request: SipRequest) -> None:
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

    def _handle_in_dialog(self, request: SipRequest, stx: ServerTransaction, source: Source) -> None:
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
            self.stack._spawn(self._answer_refresh(request, stx), "session refresh")
        elif method == "INFO":
            self._info(request, stx)
        elif method == "OPTIONS":
            stx.respond(self.stack._options_response(request))
        elif method == "REFER":
            self._refer_received(request, stx)
        elif method == "NOTIFY":
            self._notify_received(request, stx)
        elif method == "PRACK" and isinstance(self, IncomingCall):
            self._prack(request, stx)
        else:
            resp = make_response(request, 405)
            resp.headers.add("Allow", self.stack.allow_header)
            stx.respond(resp)

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
        self.stack._spawn(self.notify_transfer(100, "Trying"), "NOTIFY 100")
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
        request = self.stack._dialog_request(self.dialog, "NOTIFY", body, SIPFRAG, extra)
        with contextlib.suppress(Exception):
            await self.stack.send_request(request, self.dialog.destination())

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
        extra = Headers([("Refer-To", str(refer_to)), ("Referred-By", f"<{self.stack.contact_uri}>")])
        request = self.stack._dialog_request(self.dialog, "REFER", extra=extra)
        response = await self.stack.send_request(request, self.dialog.destination())
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
        resp = self.stack._dialog_response(request, 200, self.dialog, answer)
        if self.session_timer is not None:
            self.session_timer.refreshed()
            _add_session_expires(resp, self.session_timer.negotiated)
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

    def _start_session_timer(self, negotiated: Negotiated) -> None:
        """Answering side of RFC 4028: we keep the timer; refreshing is a re-INVITE."""

        def refresh() -> None:
            if self.state == "confirmed" and self.local_sdp is not None:
                self.stack._spawn(self._refresh_session(), "session refresh")

        def expire() -> None:
            if self.state != "ended":
                log.info("session on %s expired without refresh", self.call_id)
                self.stack._spawn(self._bye(), "BYE after session expiry")
                self._end("timeout", 408)

        self.session_timer = SessionTimer(
            self.stack.clock,
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
        request = self.stack._dialog_request(self.dialog, "BYE")
        with contextlib.suppress(Exception):
            await self.stack.send_request(request, self.dialog.destination())

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
            request = self.stack._dialog_request(self.dialog, "INVITE", sdp.encode(), SDP_TYPE)
            response = await self.stack.send_request(request, self.dialog.destination())
        finally:
            self._reinvite_pending = False
        if 200 <= response.status < 300:
            self.stack._ack_2xx(self.dialog, request, response)
            self.dialog.refresh_target(response)
            self.local_sdp = sdp
            answer = self._safe_sdp(response)
            if answer is not None:
                self.remote_sdp = answer
            return answer
        if response.status in (408, 481):
            await self.hangup()  # §14.1: the dialog is gone
        raise CallFailed(response.status, response.reason)

    async def send_dtmf(self, digit: str, duration_ms: int = 160) -> None:
        if self.state != "confirmed" or self.dialog is None:
            raise CallGone("call is not established")
        body = format_dtmf_relay(digit, duration_ms)
        request = self.stack._dialog_request(self.dialog, "INFO", body, "application/dtmf-relay")
        response = await self.stack.send_request(request, self.dialog.destination())
        if response.status >= 300:
            raise CallFailed(response.status, response.reason)


class IncomingCall(Call):
    """A call offered to us; answer, ring or reject it."""

    def __init__(self, stack: SipStack, request: SipRequest, stx: ServerTransaction, source: Source) -> None:
        super().__init__(stack, request.call_id)
        self.request = request
        self.stx = stx
        self.remote = (source.host, source.port)
        self.offer = self._safe_sdp(request)
        self.replaces: Call | None = None  # the dialog an INVITE with Replaces takes over
        self.remote_sdp = self.offer
        self.local_tag = new_tag()
        self.dialog = Dialog.as_uas(request, self.local_tag, stack.contact_for(source.transport), source)
        stx.on_no_ack = lambda: self._end("timeout", 408)
        self._reliable = (
            ReliableProvisionals(stack.clock, stack.timers, stx.respond, self._no_prack)
            if wants_100rel(request)
            else None
        )

    @property
    def caller(self) -> str:
        return self.request.from_.uri.user or ""

    @property
    def caller_display(self) -> str | None:
        return self.request.from_.display

    @property
    def called(self) -> str:
        return self.request.request_uri.user or ""

    @property
    def from_uri(self) -> str:
        return str(self.request.from_.uri)

    @property
    def to_uri(self) -> str:
        return str(self.request.to.uri)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)

    def _check_open(self) -> None:
        if self.state == "ended":
            raise CallGone("the call has ended")
        if self.state == "confirmed" or self._ok_deadline is not None:
            raise CallGone("the call is already answered")

    async def ringing(self, sdp: SessionDescription | None = None) -> None:
        """180, or 183 with early media; sent reliably (returns once PRACKed) when the caller
        supports 100rel."""
        self._check_open()
        assert self.dialog is not None
        if sdp is not None:
            self.local_sdp = sdp
        status = 183 if sdp is not None else 180
        response = self.stack._dialog_response(self.request, status, self.dialog, sdp)
        if self._reliable is None:
            self.stx.respond(response)
            return
        try:
            await self._reliable.send(response, self.request.cseq[0])
        except TimeoutError:
            raise CallGone("no PRACK for the provisional response") from None

    async def answer(self, sdp: SessionDescription | None) -> None:
        self._check_open()
        assert self.dialog is not None
        self.local_sdp = sdp
        response = self.stack._dialog_response(self.request, 200, self.dialog, sdp)
        if self.session_timer is not None:
            _add_session_expires(response, self.session_timer.negotiated)
            self.session_timer.start()
        self._send_ok_reliably(response, self.stx)

    async def reject(self, status: int = 486, reason: str | None = None) -> None:
        self._check_open()
        if not 300 <= status < 700:
            raise ValueError("reject needs a final non-2xx status")
        self.stx.respond(make_response(self.request, status, reason, to_tag=self.local_tag))
        self._end("rejected", status)

    def _stop_reliable(self) -> None:
        if self._reliable is not None:
            self._reliable.stop()

    def _no_prack(self) -> None:
        if self.state == "early" and self._ok_deadline is None:
            self.stx.respond(make_response(self.request, 500, "No PRACK", to_tag=self.local_tag))
            self._end("timeout", 500)

    def _prack(self, request: SipRequest, stx: ServerTransaction) -> None:
        rack = parse_rack(request.headers.get("RAck") or "")
        if self._reliable is None or rack is None or not self._reliable.prack(rack, self.request.cseq[0]):
            stx.respond(make_response(request, 481, "No matching provisional"))
            return
        stx.respond(make_response(request, 200))

    def _cancelled(self) -> None:
        if self.state != "early" or self._ok_deadline is not None:
            return
        self.stx.respond(make_response(self.request, 487, to_tag=self.local_tag))
        self._end("cancelled", 487)

    async def hangup(self) -> None:
        if self.state == "early" and self._ok_deadline is None:
            await self.reject(480)
            return
        await super().hangup()


class OutgoingCall(Call):
    """A call we place; `answered()` waits for the outcome."""

    def __init__(self, stack: SipStack, request: SipRequest, credentials: DigestCredentials | None) -> None:
        super().__init__(stack, request.call_id)
        self.request = request
        self.credentials = credentials
        self.local_sdp = body_sdp(request)
        self._answered: asyncio.Future[SessionDescription | None] = asyncio.get_running_loop().create_future()
        self._answered.add_done_callback(lambda f: f.exception() if not f.cancelled() else None)
        self._ack: SipRequest | None = None
        self._provisional = False
        self._cancel_wanted = False
        self._auth_tried = False
        self._last_rseq: int | None = None
        self.destination: Destination = stack.destination_of(request)

    async def answered(self, timeout: float | None = None) -> SessionDescription | None:
        """The answer SDP once the call is up; raises `CallFailed` when it ends first."""
        return await asyncio.wait_for(asyncio.shield(self._answered), timeout)

    def _fail(self, reason: str, status: int, text: str) -> None:
        if not self._answered.done():
            self._answered.set_exception(CallFailed(status, text))
        self._end(reason, status)

    def _on_response(self, response: SipResponse) -> None:
        status = response.status
        if status < 200:
            self._provisional = True
            if self._cancel_wanted:
                self._send_cancel()
            if status > 100 and response.to.tag:
                if self.dialog is None:
                    self.dialog = self._new_dialog(response)
                if not self._acknowledge_reliable(response):
                    return  # a retransmission of a provisional we already PRACKed
                sdp = self._safe_sdp(response)
                if sdp is not None:
                    self.remote_sdp = sdp
                self._emit(Ringing(status, sdp))
            return
        if status < 300:
            self._on_2xx(response)
            return
        if status in (401, 407) and self.credentials is not None and not self._auth_tried:
            self._auth_tried = True
            retry = authorized_retry(self.request, response, self.credentials)
            if retry is not None:
                self.request = retry
                self.stack._start_invite(self, retry)
                return
        self._fail(
            "cancelled" if status == 487 and self._cancel_wanted else "rejected", status, response.reason
        )

    def _new_dialog(self, response: SipResponse) -> Dialog:
        dialog = Dialog.as_uac(self.request, response, self.stack.transport_of(self.request))
        dest = self.destination
        if dest.transport != "udp":
            # keep using the connection the INVITE went on (WebSocket peers have no other)
            dialog.flow = Source(dest.transport, dest.host, dest.port)
        return dialog

    def _acknowledge_reliable(self, response: SipResponse) -> bool:
        """§4: PRACK a reliable provisional; False for a repeat of one already handled."""
        rseq = response.headers.get("RSeq")
        if "100rel" not in response.header_tokens("Require") or rseq is None or not rseq.strip().isdigit():
            return True
        if self._last_rseq is not None and int(rseq) <= self._last_rseq:
            return False
        self._last_rseq = int(rseq)
        assert self.dialog is not None
        extra = Headers([("RAck", f"{int(rseq)} {self.request.cseq[0]} INVITE")])
        prack = self.stack._dialog_request(self.dialog, "PRACK", extra=extra)
        self.stack._spawn(self.stack.send_request(prack, self.dialog.destination()), "PRACK")
        return True

    def _on_2xx(self, response: SipResponse) -> None:
        if self._ack is not None:
            # retransmitted 2xx: our ACK was lost (§13.2.2.4)
            assert self.dialog is not None
            self.stack._send_ack(self.dialog, self._ack)
            return
        if self.dialog is not None and self.dialog.remote_tag == response.to.tag:
            # the early dialog becomes confirmed: keep its CSeq (PRACKs used numbers) and routes
            self.dialog.refresh_target(response)
        else:
            self.dialog = self._new_dialog(response)
        self._ack = self.stack._ack_2xx(self.dialog, self.request, response)
        if self._cancel_wanted or self.state == "ended":
            self.stack._spawn(self._bye(), "BYE after a cancelled call was answered")
            self._end("local-bye")
            return
        self.remote_sdp = self._safe_sdp(response)
        self.state = "confirmed"
        if not self._answered.done():
            self._answered.set_result(self.remote_sdp)
        self._emit(Answered(self.remote_sdp))

    def _on_timeout(self) -> None:
        self._fail("timeout", 408, "Request Timeout")

    def _send_cancel(self) -> None:
        if self.state != "early":
            return
        cancel = cancel_for(self.request, self.stack.user_agent)
        self.stack._spawn(self.stack.send_request(cancel, self.destination), "CANCEL")

    async def hangup(self) -> None:
        if self.state == "early" and self._ack is None:
            self._cancel_wanted = True
            if self._provisional:
                self._send_cancel()
            return
        await super().hangup()
