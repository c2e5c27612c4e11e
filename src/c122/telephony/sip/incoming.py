"""A call offered to us: ring, answer or reject it; reliable provisionals and CANCEL."""

from __future__ import annotations

from c122.telephony.sip.call import Call, add_session_expires
from c122.telephony.sip.call_host import CallHost
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.errors import CallGone
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import SipRequest, make_response
from c122.telephony.sip.prack import ReliableProvisionals, parse_rack, wants_100rel
from c122.telephony.sip.sdp import SessionDescription
from c122.telephony.sip.transaction import ServerTransaction, new_tag


class IncomingCall(Call):
    """A call offered to us; answer, ring or reject it."""

    def __init__(self, host: CallHost, request: SipRequest, stx: ServerTransaction, source: Source) -> None:
        super().__init__(host, request.call_id)
        self.request = request
        self.stx = stx
        self.remote = (source.host, source.port)
        self.offer = self._safe_sdp(request)
        self.replaces: Call | None = None  # the dialog an INVITE with Replaces takes over
        self.remote_sdp = self.offer
        self.local_tag = new_tag()
        contact = host.messages.contact_for(source.transport)
        self.dialog = Dialog.as_uas(request, self.local_tag, contact, source)
        stx.on_no_ack = lambda: self._end("timeout", 408)
        self._reliable = (
            ReliableProvisionals(host.clock, host.timers, stx.respond, self._no_prack)
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
        response = self.host.messages.dialog_response(self.request, status, self.dialog, sdp)
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
        response = self.host.messages.dialog_response(self.request, 200, self.dialog, sdp)
        if self.session_timer is not None:
            add_session_expires(response, self.session_timer.negotiated)
            self.session_timer.start()
        self._send_ok_reliably(response, self.stx)

    async def reject(self, status: int = 486, reason: str | None = None) -> None:
        self._check_open()
        if not 300 <= status < 700:
            raise ValueError("reject needs a final non-2xx status")
        self.stx.respond(make_response(self.request, status, reason, to_tag=self.local_tag))
        self._end("rejected", status)

    async def refuse_for_capacity(self, resource: str) -> None:
        """503 with the stack's Retry-After: `resource` ran out after the call was admitted."""
        self._check_open()
        response = make_response(self.request, 503, None, to_tag=self.local_tag)
        response.headers.add("Retry-After", str(self.host.capacity_refused(resource)))
        self.stx.respond(response)
        self._end("rejected", 503)

    def _stop_reliable(self) -> None:
        if self._reliable is not None:
            self._reliable.stop()
            self._reliable = None  # it holds the call's `_no_prack`: a cycle once the call has ended

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

    def receive_cancel(self) -> None:
        """CANCEL for our INVITE transaction: 487, unless the call was answered meanwhile."""
        if self.state != "early" or self._ok_deadline is not None:
            return
        self.stx.respond(make_response(self.request, 487, to_tag=self.local_tag))
        self._end("cancelled", 487)

    async def hangup(self) -> None:
        if self.state == "early" and self._ok_deadline is None:
            await self.reject(480)
            return
        await super().hangup()
