"""A call we place: provisional and final responses, PRACK, digest retry and CANCEL."""

from __future__ import annotations

import asyncio

from c122.telephony.sip.auth import DigestCredentials
from c122.telephony.sip.builders import authorized_retry
from c122.telephony.sip.call import Call, body_sdp
from c122.telephony.sip.call_host import CallHost
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.errors import CallFailed
from c122.telephony.sip.events import Answered, Ringing
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import Headers, SipRequest, SipResponse
from c122.telephony.sip.sdp import SessionDescription
from c122.telephony.sip.transaction import Destination


class OutgoingCall(Call):
    """A call we place; `answered()` waits for the outcome."""

    def __init__(self, host: CallHost, request: SipRequest, credentials: DigestCredentials | None) -> None:
        super().__init__(host, request.call_id)
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
        self.destination: Destination = host.destination_of(request)

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
            self.receive_2xx(response)
            return
        if status in (401, 407) and self.credentials is not None and not self._auth_tried:
            self._auth_tried = True
            retry = authorized_retry(self.request, response, self.credentials)
            if retry is not None:
                self.request = retry
                self.start()
                return
        self._fail(self._failure(status), status, response.reason)

    def _failure(self, status: int) -> str:
        if status == 487 and self._cancel_wanted:
            return "cancelled"
        if status in (401, 407):
            # challenged again after our credentials (or none to give): failed, never retried in a loop
            return "auth_rejected" if self._auth_tried else "auth_required"
        return "rejected"

    def _new_dialog(self, response: SipResponse) -> Dialog:
        dialog = Dialog.as_uac(self.request, response, self.host.transport_of(self.request))
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
        prack = self.host.messages.dialog_request(self.dialog, "PRACK", extra=extra)
        self.host.spawn(self.host.send_request(prack, self.dialog.destination()), "PRACK")
        return True

    def start(self) -> None:
        """Send `request` (the INVITE, or its retry with credentials) to `destination`."""
        self.host.send_invite(self.request, self.destination, self._on_response, self._on_timeout)

    def receive_2xx(self, response: SipResponse) -> None:
        """A 2xx, also one outside the INVITE transaction (forked or retransmitted, §13.2.2.4)."""
        if self._ack is not None:
            # retransmitted 2xx: our ACK was lost (§13.2.2.4)
            assert self.dialog is not None
            self.host.send_ack(self.dialog, self._ack)
            return
        if self.dialog is not None and self.dialog.remote_tag == response.to.tag:
            # the early dialog becomes confirmed: keep its CSeq (PRACKs used numbers) and routes
            self.dialog.refresh_target(response)
        else:
            self.dialog = self._new_dialog(response)
        self._ack = self._ack_2xx(self.dialog, self.request)
        if self._cancel_wanted or self.state == "ended":
            self.host.spawn(self._bye(), "BYE after a cancelled call was answered")
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
        cancel = self.host.messages.cancel_for(self.request)
        self.host.spawn(self.host.send_request(cancel, self.destination), "CANCEL")

    async def hangup(self) -> None:
        if self.state == "early" and self._ack is None:
            self._cancel_wanted = True
            if self._provisional:
                self._send_cancel()
            return
        await super().hangup()
