"""The user agent core (RFC 3261 §8, §12-§15): request validation, UAS and UAC behaviour."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from c122.domain.clock import Timers as Clock
from c122.telephony.sip.admission import Admission, AdmissionSettings, count_refusal
from c122.telephony.sip.auth import AuthOutcome, DigestCredentials, DigestServer
from c122.telephony.sip.builders import SUPPORTED_EXTENSIONS, MessageFactory, authorized_retry
from c122.telephony.sip.call import Call
from c122.telephony.sip.dialog import Dialog
from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.events import CallEvent
from c122.telephony.sip.flows import Source
from c122.telephony.sip.incoming import IncomingCall
from c122.telephony.sip.message import (
    DEFAULT_MAX_SIZE,
    NO_RESPONSE,
    Headers,
    SipMessage,
    SipRequest,
    SipResponse,
    make_response,
)
from c122.telephony.sip.outgoing import OutgoingCall
from c122.telephony.sip.overload import OverloadSettings
from c122.telephony.sip.protection import Protection, ProtectionSettings
from c122.telephony.sip.refer import Replaces
from c122.telephony.sip.registrar import Registrar
from c122.telephony.sip.sdp import SessionDescription
from c122.telephony.sip.session_timer import SessionTimerSettings, TooSmall, negotiate
from c122.telephony.sip.timers import TimerSettings
from c122.telephony.sip.transaction import Destination, ServerTransaction, TransactionLayer, new_tag
from c122.telephony.sip.transport import TransportLayer
from c122.telephony.sip.trunk import Trunk, TrunkSettings
from c122.telephony.sip.uri import NameAddr, SipUri, Via, bare_host, host_ref
from c122.telephony.sip.validation import check_request

log = logging.getLogger(__name__)

IncomingCallHandler = Callable[[IncomingCall], Awaitable[None]]

UDP_MTU_LIMIT = 1300  # bytes; RFC 3261 §18.1.1 for paths whose MTU is unknown


@dataclass(frozen=True, slots=True)
class SipHealth:
    status: str  # "up" | "degraded" | "down"
    transports: dict[str, bool] = field(default_factory=dict)
    trunks: dict[str, str] = field(default_factory=dict)  # name → "up" | "down" | "unknown"

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "transports": dict(self.transports), "trunks": dict(self.trunks)}


def _server_context(cert: str | Path | None, key: str | Path | None) -> ssl.SSLContext:
    if cert is None:
        raise ValueError("tls_port needs tls_cert (and tls_key unless the key is in the cert file)")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key) if key is not None else None)
    return context


class SipStack:
    """Transports + transactions + UA core; the object call control holds."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        udp_port: int | None = 5060,
        tcp_port: int | None = 5060,
        tls_port: int | None = None,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        tls_client: ssl.SSLContext | None = None,
        ws_port: int | None = None,
        public_host: str | None = None,
        user_agent: str = "C122",
        timers: TimerSettings = TimerSettings(),
        on_incoming_call: IncomingCallHandler | None = None,
        max_message_size: int = DEFAULT_MAX_SIZE,
        digest: DigestServer | None = None,
        trusted_hosts: frozenset[str] = frozenset(),
        registrar: Registrar | None = None,
        registrar_digest: DigestServer | None = None,
        protection: ProtectionSettings | None = ProtectionSettings(),
        trunks: tuple[TrunkSettings, ...] = (),
        session_timers: SessionTimerSettings = SessionTimerSettings(),
        admission: AdmissionSettings | None = None,
        overload: OverloadSettings | None = None,  # early 503 for new INVITEs (overload.py)
        reuse_port: bool = False,  # UDP port shared with other processes (transport.py)
    ) -> None:
        self._calls: dict[str, Call] = {}
        self.session_timers = session_timers
        self.host = host
        self.via_host = host_ref(public_host or host)
        self.user_agent = user_agent
        self.timers = timers
        self.on_incoming_call = on_incoming_call
        self.digest = digest
        self.trusted_hosts = trusted_hosts
        self.registrar = registrar
        # REGISTER is challenged with this one when given, other requests with `digest`: phones
        # authenticate, while calls from the network need no account.
        self.registrar_digest = registrar_digest
        if protection is not None and trusted_hosts:
            protection = replace(protection, exempt_hosts=protection.exempt_hosts | trusted_hosts)
        self.protection = (
            Protection(protection, known_call=self._calls.__contains__) if protection is not None else None
        )
        self.admission = Admission(admission) if admission is not None else None
        self.retry_after = admission.retry_after if admission is not None else 5
        self.draining = False
        """Set by `drain()`: new calls and OPTIONS probes get 503, so a dispatcher (Kamailio) sends
        new calls to another node while the calls here go on to their end."""
        self.transport = TransportLayer(
            host,
            udp_port=udp_port,
            tcp_port=tcp_port,
            tls_port=tls_port,
            tls_server=_server_context(tls_cert, tls_key) if tls_port is not None else None,
            tls_client=tls_client,
            ws_port=ws_port,
            max_size=max_message_size,
            on_message=self._on_message,
            gate=self.protection.allow if self.protection is not None else None,
            overload=replace(
                overload, retry_after=self.retry_after, server=user_agent, known_call=self._calls.__contains__
            )
            if overload is not None
            else None,
            reuse_port=reuse_port,
        )
        self._transactions: TransactionLayer | None = None
        self._clock: Clock | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = False
        self.messages = MessageFactory(user_agent, self.via_host, self.port_for)
        self.allow_header = self.messages.allow_header
        # (source, account or None) for every failed digest check: audit and alerting hook
        self.on_auth_failure: Callable[[Source, str | None], None] | None = None
        # Dialogs kept across restarts (kept_dialogs.py): every call's events, and in-dialog requests
        # for a dialog this process does not hold (the hook answers them and returns True, or not).
        self.on_dialog_event: Callable[[Call, CallEvent], None] | None = None
        self.on_unknown_dialog: Callable[[SipRequest, ServerTransaction], bool] | None = None
        # each INVITE of a call we place (again on an authorised retry), with its next hop
        self.on_invite_sent: Callable[[OutgoingCall, SipRequest, Destination], None] | None = None
        # (trunk name, "up" | "down") whenever a trunk's reachability changes
        self.on_trunk_state: Callable[[str, str], None] | None = None
        self.trunks = {
            t.name: Trunk(
                t, self.send_request, lambda tr: (self.via_host, self.port_for(tr)), self._trunk_state
            )
            for t in trunks
        }

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._clock = loop
        self._transactions = TransactionLayer(
            self.transport,
            loop,
            self.timers,
            on_request=self._on_request,
            on_stray_response=self._on_stray_response,
        )
        await self.transport.start()
        self._running = True
        for trunk in self.trunks.values():
            trunk.start()

    def set_trunks(self, trunks: tuple[TrunkSettings, ...]) -> None:
        """Trunks are probed and registered from now on as listed: a changed or removed trunk stops
        (unregistering), a new or changed one starts; an unchanged one keeps its state."""
        wanted = {t.name: t for t in trunks}
        for name, trunk in list(self.trunks.items()):
            if wanted.get(name) != trunk.settings:
                del self.trunks[name]
                self.spawn(trunk.stop(), f"trunk {name} stop")
        for name, settings in wanted.items():
            if name in self.trunks:
                continue
            trunk = Trunk(
                settings, self.send_request, lambda tr: (self.via_host, self.port_for(tr)), self._trunk_state
            )
            self.trunks[name] = trunk
            if self._running:
                trunk.start()

    def _trunk_state(self, name: str, state: str) -> None:
        if self.on_trunk_state is not None:
            self.on_trunk_state(name, state)

    async def stop(self) -> None:
        self._running = False
        for trunk in self.trunks.values():
            await trunk.stop()
        for call in list(self._calls.values()):
            try:
                await asyncio.wait_for(call.hangup(), 1.0)
            except Exception as exc:  # stopping must finish whatever a peer does
                log.debug("hangup on stop failed: %s", exc)
        for task in list(self._tasks):
            task.cancel()
        await self.transport.stop()

    @property
    def bound_ports(self) -> dict[str, int]:
        return dict(self.transport.bound)

    @property
    def clock(self) -> Clock:
        assert self._clock is not None, "stack not started"
        return self._clock

    @property
    def transactions(self) -> TransactionLayer:
        assert self._transactions is not None, "stack not started"
        return self._transactions

    def health(self) -> SipHealth:
        t = self.transport
        configured = {"udp": t.udp_port, "tcp": t.tcp_port, "tls": t.tls_port, "ws": t.ws_port}
        states = {
            name: self._running and self.transport.is_listening(name)
            for name, port in configured.items()
            if port is not None
        }
        trunks = {name: trunk.state for name, trunk in self.trunks.items()}
        up = sum(states.values())
        status = "up" if states and up == len(states) else ("degraded" if up else "down")
        if status == "up" and ("down" in trunks.values() or self.draining):
            status = "degraded"
        return SipHealth(status, states, trunks)

    def spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.warning("%s failed: %r", what, t.exception())

        task.add_done_callback(done)

    # -- addressing ------------------------------------------------------------------------

    def port_for(self, transport: str) -> int:
        return self.transport.local_port(transport)

    def contact_for(self, transport: str) -> str:
        return self.messages.contact_for(transport)

    @staticmethod
    def transport_of(request: SipRequest) -> str:
        return request.top_via.transport.lower()

    @staticmethod
    def destination_of(request: SipRequest) -> Destination:
        routes = request.headers.get_all("Route")
        uri = NameAddr.parse(routes[0]).uri if routes else request.request_uri
        transport = (uri.params.get("transport") or request.top_via.transport).lower()
        return Destination(transport, bare_host(uri.host), uri.port or 5060)

    # -- receiving -------------------------------------------------------------------------

    def _on_message(self, msg: SipMessage, source: Source) -> None:
        self.transactions.handle(msg, source)

    def _on_stray_response(self, response: SipResponse, source: Source) -> None:
        if 200 <= response.status < 300 and response.cseq[1] == "INVITE":
            call = self._calls.get(response.call_id)
            if isinstance(call, OutgoingCall):
                call.receive_2xx(response)

    def _reject(
        self,
        request: SipRequest,
        stx: ServerTransaction | None,
        status: int,
        reason: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        if stx is None:
            return
        resp = make_response(request, status, reason)
        for name, value in headers or ():
            resp.headers.add(name, value)
        self.messages.add_server(resp)
        stx.respond(resp)

    def _on_request(self, request: SipRequest, source: Source, stx: ServerTransaction | None) -> None:
        if request.method == "ACK":
            self._on_ack(request)
            return
        assert stx is not None
        problem = check_request(
            request,
            allow=self.allow_header,
            supported=SUPPORTED_EXTENSIONS,
            own_host=self.via_host,
            own_ports=set(self.transport.bound.values()),
        )
        if problem is not None:
            self._reject(request, stx, problem.status, problem.reason, Headers(problem.headers))
            return
        if request.method == "CANCEL":
            self._on_cancel(request, stx)
            return
        if request.to.tag is not None:
            call = self._calls.get(request.call_id)
            if call is None or call.dialog is None or call.dialog.local_tag != request.to.tag:
                if self.on_unknown_dialog is None or not self.on_unknown_dialog(request, stx):
                    self._reject(request, stx, 481)
                return
            call.receive_in_dialog(request, stx, source)
            return
        if request.method == "INVITE":
            self._on_invite(request, stx, source)
        elif request.method == "OPTIONS" and self.draining:
            self._reject(request, stx, 503, "Draining", self._retry_header())
        elif request.method == "OPTIONS":
            stx.respond(self.messages.options_response(request))
        elif request.method == "REGISTER":
            self._on_register(request, stx, source)
        elif request.method in ("BYE", "INFO", "UPDATE", "PRACK", "NOTIFY"):
            self._reject(request, stx, 481)
        else:
            self._reject(request, stx, 405, headers=Headers([("Allow", self.allow_header)]))

    def _on_ack(self, request: SipRequest) -> None:
        call = self._calls.get(request.call_id)
        if call is not None and call.dialog is not None and call.dialog.local_tag == request.to.tag:
            call.receive_ack(request)

    def _on_cancel(self, request: SipRequest, stx: ServerTransaction) -> None:
        invite_tx = self.transactions.invite_server_for_cancel(request)
        if invite_tx is None:
            self._reject(request, stx, 481)
            return
        resp = make_response(request, 200)
        self.messages.add_server(resp)
        stx.respond(resp)
        call = self._calls.get(request.call_id)
        if isinstance(call, IncomingCall) and call.stx is invite_tx:
            call.receive_cancel()
        elif invite_tx.last_response is None or invite_tx.last_response.status < 200:
            invite_tx.respond(make_response(invite_tx.request, 487))

    def _authenticate(
        self, request: SipRequest, source: Source, stx: ServerTransaction, digest: DigestServer | None = None
    ) -> str | None:
        """Username when the request may proceed; otherwise the answer is already sent."""
        digest = digest or self.digest
        if digest is None:
            return request.from_.uri.user or ""
        if source.host in self.trusted_hosts:
            return request.from_.uri.user or ""
        header = "Authorization" if request.method == "REGISTER" else "Proxy-Authorization"
        challenge = "WWW-Authenticate" if request.method == "REGISTER" else "Proxy-Authenticate"
        status = 401 if request.method == "REGISTER" else 407
        wait = self.protection.auth_retry_after(source) if self.protection is not None else 0
        if wait:
            retry = Headers([("Retry-After", str(wait))])
            self._reject(request, stx, 403, "Too many failed authentications", retry)
            return None
        result = digest.verify(request.method, request.headers.get_all(header))
        if result.outcome is AuthOutcome.OK:
            if self.protection is not None:
                self.protection.auth_succeeded(source, result.username)
            return result.username
        if result.outcome is AuthOutcome.FAILED:
            if self.protection is not None:
                self.protection.auth_failed(source, result.username)
            if self.on_auth_failure is not None:
                self.on_auth_failure(source, result.username)
        stale = result.outcome is AuthOutcome.STALE
        self._reject(
            request, stx, status, None, Headers([(challenge, c) for c in digest.challenges(stale=stale)])
        )
        return None

    def _on_register(self, request: SipRequest, stx: ServerTransaction, source: Source) -> None:
        if self.registrar is None:
            self._reject(request, stx, 405, headers=Headers([("Allow", self.allow_header)]))
            return
        account = self._authenticate(request, source, stx, self.registrar_digest)
        if account is None:
            return
        if account != (request.to.uri.user or ""):
            self._reject(request, stx, 403, "Account does not match To")
            return
        resp = self.registrar.handle(request, source, account)
        self.messages.add_server(resp)
        stx.respond(resp)

    def _on_invite(self, request: SipRequest, stx: ServerTransaction, source: Source) -> None:
        if self._is_late_retransmission(request):
            stx.terminate()  # our 2xx is already being retransmitted by the call (§13.3.1.4)
            return
        if self.draining and request.headers.get("Replaces") is None:
            self._reject(request, stx, 503, "Draining", self._retry_header())
            return
        trying = make_response(request, 100)
        stx.respond(trying)
        if self._authenticate(request, source, stx) is None:
            return
        if self.on_incoming_call is None or not self._running:
            self._reject(request, stx, 480)
            return
        replaced: Call | None = None
        if request.headers.get("Replaces") is not None:
            try:
                replaced = self._replaced_call(Replaces.parse(request.headers.get("Replaces") or ""))
            except SipParseError as exc:
                self._reject(request, stx, 400, exc.reason)
                return
            if replaced is None:
                self._reject(request, stx, 481, "Replaced dialog not found")
                return
        try:
            negotiated = negotiate(request, self.session_timers)
        except TooSmall:
            self._reject(request, stx, 422, headers=Headers([("Min-SE", str(self.session_timers.min_se))]))
            return
        if replaced is None and not self._admitted(request, stx, source):
            return
        call = IncomingCall(self, request, stx, source)
        call.replaces = replaced
        if negotiated is not None:
            call.start_session_timer(negotiated)
        self._calls[call.call_id] = call
        self.spawn(self._deliver(call), "incoming call handler")

    def drain(self) -> None:
        """From now on this node takes no new call (see `draining`); there is no way back but a restart."""
        if not self.draining:
            log.warning("draining: new calls and OPTIONS get 503 from now on")
        self.draining = True

    def _retry_header(self) -> Headers:
        return Headers([("Retry-After", str(self.retry_after))])

    def _admitted(self, request: SipRequest, stx: ServerTransaction, source: Source) -> bool:
        """A call taking over another (Replaces) adds none, so only new calls are counted."""
        if self.admission is None:
            return True
        refused = self.admission.admit(request.call_id, request.request_uri.user or "", source.host)
        if refused is None:
            return True
        log.info("call %s from %s refused: %s cap reached", request.call_id, source.host, refused)
        self._reject(request, stx, 503, None, Headers([("Retry-After", str(self.retry_after))]))
        return False

    async def _deliver(self, call: IncomingCall) -> None:
        assert self.on_incoming_call is not None
        try:
            await self.on_incoming_call(call)
        except Exception:
            log.exception("incoming call handler failed for %s", call.call_id)
            if (
                call.state == "early"
                and call.stx.last_response is not None
                and call.stx.last_response.status < 200
            ):
                await call.reject(500)

    def _is_late_retransmission(self, request: SipRequest) -> bool:
        """An INVITE copy that outlived its transaction (a peer with a larger T1) is not a new call."""
        call = self._calls.get(request.call_id)
        return (
            isinstance(call, IncomingCall)
            and call.request.from_.tag == request.from_.tag
            and call.request.cseq == request.cseq
        )

    def _replaced_call(self, replaces: Replaces) -> Call | None:
        """RFC 3891 §3: to-tag is our local tag, from-tag the peer's."""
        call = self._calls.get(replaces.call_id)
        if call is None or call.dialog is None or call.state == "ended":
            return None
        if (call.dialog.local_tag, call.dialog.remote_tag) != (replaces.to_tag, replaces.from_tag):
            return None
        if replaces.early_only and call.state == "confirmed":
            return None
        return call

    @property
    def contact_uri(self) -> str:
        return f"sip:{self.via_host}:{self.port_for('udp')}"

    def capacity_refused(self, resource: str) -> int:
        log.info("an admitted call refused with 503: no %s left", resource)
        count_refusal(resource)
        return self.retry_after

    def adopt(self, call: Call) -> None:
        """A call taken over from a stopped process (`ResumedCall`): its requests reach it from now on."""
        if call.call_id in self._calls:
            raise ValueError(f"a call with Call-ID {call.call_id} is already known")
        self._calls[call.call_id] = call

    def forget_call(self, call_id: str, call: object) -> None:
        if self._calls.get(call_id) is call:
            del self._calls[call_id]
        if self.admission is not None and isinstance(call, IncomingCall):
            self.admission.release(call_id)

    # -- sending ---------------------------------------------------------------------------

    def send_invite(
        self,
        request: SipRequest,
        dest: Destination,
        on_response: Callable[[SipResponse], None],
        on_timeout: Callable[[], None],
    ) -> None:
        self.transactions.client(request, dest, on_response, on_timeout)
        call = self._calls.get(request.call_id)
        if self.on_invite_sent is not None and isinstance(call, OutgoingCall):
            self.on_invite_sent(call, request, dest)

    def call_event(self, call: object, event: object) -> None:
        if self.on_dialog_event is not None and isinstance(call, Call) and isinstance(event, CallEvent):
            self.on_dialog_event(call, event)

    def resend_response(self, response: SipResponse, source: Source) -> None:
        self.transport.send_response(response, source)

    def send_ack(self, dialog: Dialog, ack: SipRequest) -> None:
        dest = dialog.destination()
        try:
            self.transport.send(ack.serialize(), dest.transport, dest.host, dest.port)
        except OSError as exc:
            log.info("cannot send ACK: %s", exc)

    async def send_request(
        self,
        request: SipRequest,
        dest: Destination | None = None,
        credentials: DigestCredentials | None = None,
    ) -> SipResponse:
        """Send a non-INVITE (or re-INVITE) request and wait for its final response.

        A transaction timeout yields a locally made 408 response (§8.1.3.1).
        """
        request, dest = self._fit_transport(request, dest or self.destination_of(request))
        loop = asyncio.get_running_loop()
        for attempt in range(2):
            fut: asyncio.Future[SipResponse] = loop.create_future()

            def on_response(resp: SipResponse, fut: asyncio.Future[SipResponse] = fut) -> None:
                if resp.status >= 200 and not fut.done():
                    fut.set_result(resp)

            def on_timeout(fut: asyncio.Future[SipResponse] = fut, request: SipRequest = request) -> None:
                if not fut.done():
                    fut.set_result(make_response(request, 408, NO_RESPONSE))

            self.transactions.client(request, dest, on_response, on_timeout)
            response = await fut
            if response.status not in (401, 407) or credentials is None or attempt:
                return response
            retry = authorized_retry(request, response, credentials)
            if retry is None:
                return response
            request = retry
        return response

    async def invite(
        self,
        target: str,
        *,
        from_uri: str,
        from_display: str | None = None,
        sdp: SessionDescription | None = None,
        credentials: DigestCredentials | None = None,
        transport: str = "udp",
        headers: dict[str, str] | None = None,
        destination: tuple[str, int] | None = None,
    ) -> OutgoingCall:
        """Start an outgoing call; see `OutgoingCall.answered()` for the outcome.

        `destination` overrides the next hop (e.g. a phone's registered source address).
        """
        uri = SipUri.parse(target)
        from_addr = NameAddr(SipUri.parse(from_uri), from_display, {"tag": new_tag()})
        request = self.messages.invite(uri, from_addr, transport, headers, sdp)
        call = OutgoingCall(self, request, credentials)
        if destination is not None:
            call.destination = Destination(transport, bare_host(destination[0]), destination[1])
        else:
            dest = self.destination_of(request)
            host = await self._resolve(dest.host)
            call.destination = Destination(transport, host, dest.port)
        call.request, call.destination = self._fit_transport(request, call.destination)
        self._calls[call.call_id] = call
        call.start()
        return call

    def _fit_transport(self, request: SipRequest, dest: Destination) -> tuple[SipRequest, Destination]:
        """§18.1.1: a request near the path MTU goes over TCP when UDP was chosen."""
        if dest.transport != "udp" or "tcp" not in self.transport.bound:
            return request, dest
        if len(request.serialize()) <= UDP_MTU_LIMIT:
            return request, dest
        vias = request.headers.get_all("Via")
        top = Via.parse(vias[0])
        top = Via("TCP", top.host, self.port_for("tcp"), top.params)
        request.headers.remove("Via")
        request.headers.add("Via", str(top))
        for value in vias[1:]:
            request.headers.add("Via", value)
        request.invalidate()
        return request, Destination("tcp", dest.host, dest.port)

    @staticmethod
    async def _resolve(host: str) -> str:
        if host.replace(".", "").isdigit() or ":" in host:
            return host
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        return str(infos[0][4][0])
