"""The four transaction state machines of RFC 3261 §17 (with the RFC 6026 2xx fixes).

Transactions own retransmission and absorption of duplicates; they know nothing of dialogs.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from c122.domain.clock import TimerHandle
from c122.domain.clock import Timers as Clock
from c122.telephony.sip.flows import Source
from c122.telephony.sip.message import Headers, SipMessage, SipRequest, SipResponse, make_response
from c122.telephony.sip.timers import TimerSettings

log = logging.getLogger(__name__)

MAGIC_COOKIE = "z9hG4bK"


def new_branch() -> str:
    return MAGIC_COOKIE + secrets.token_hex(8)


def new_tag() -> str:
    return secrets.token_hex(6)


class Sender(Protocol):
    def send(self, data: bytes, transport: str, host: str, port: int) -> None: ...

    def send_response(self, response: SipResponse, source: Source | None = None) -> None: ...


@dataclass(frozen=True, slots=True)
class Destination:
    transport: str  # "udp" | "tcp"
    host: str
    port: int

    @property
    def reliable(self) -> bool:
        return self.transport != "udp"


class State(StrEnum):
    CALLING = "calling"
    TRYING = "trying"
    PROCEEDING = "proceeding"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class _Transaction:
    def __init__(self, layer: TransactionLayer, key: tuple[str, str]) -> None:
        self.layer = layer
        self.key = key
        self.state = State.TRYING
        self._timers: dict[str, TimerHandle] = {}

    def _start(self, name: str, delay: float, fire: Callable[[], None]) -> None:
        self._stop(name)
        self._timers[name] = self.layer.clock.call_later(delay, fire)

    def _stop(self, name: str) -> None:
        handle = self._timers.pop(name, None)
        if handle is not None:
            handle.cancel()

    def terminate(self) -> None:
        self.state = State.TERMINATED
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self.layer.forget(self)


ResponseCallback = Callable[[SipResponse], None]


class ClientTransaction(_Transaction):
    """INVITE (§17.1.1) and non-INVITE (§17.1.2) client transactions."""

    def __init__(
        self,
        layer: TransactionLayer,
        request: SipRequest,
        dest: Destination,
        on_response: ResponseCallback,
        on_timeout: Callable[[], None],
    ) -> None:
        super().__init__(layer, (request.top_via.branch or "", request.method))
        self.request = request
        self.dest = dest
        self.on_response = on_response
        self.on_timeout = on_timeout
        self.is_invite = request.method == "INVITE"
        self.state = State.CALLING if self.is_invite else State.TRYING
        self._data = request.serialize()
        self._interval = layer.timers.t1
        self._ack: bytes | None = None

    def start(self) -> None:
        self._transmit()
        if not self.dest.reliable:
            self._start("retransmit", self._interval, self._retransmit)
        self._start("timeout", self.layer.timers.b, self._timed_out)

    def _transmit(self) -> None:
        try:
            self.layer.sender.send(self._data, self.dest.transport, self.dest.host, self.dest.port)
        except OSError as exc:
            log.info("transport error for %r: %s", self.request, exc)
            self._timed_out()

    def _retransmit(self) -> None:
        if self.state not in (State.CALLING, State.TRYING, State.PROCEEDING):
            return
        if self.is_invite and self.state == State.PROCEEDING:
            return  # timer A stops once a provisional response arrived
        self._transmit()
        t = self.layer.timers
        if self.is_invite:
            self._interval *= 2  # timer A doubles without limit
        elif self.state == State.PROCEEDING:
            self._interval = t.t2
        else:
            self._interval = min(self._interval * 2, t.t2)
        self._start("retransmit", self._interval, self._retransmit)

    def _timed_out(self) -> None:
        if self.state in (State.CALLING, State.TRYING, State.PROCEEDING):
            self.terminate()
            self.on_timeout()
        elif self.state != State.TERMINATED:
            self.terminate()

    def receive(self, response: SipResponse) -> None:
        status = response.status
        if self.state in (State.CALLING, State.TRYING, State.PROCEEDING):
            if status < 200:
                if self.is_invite:
                    self._stop("retransmit")
                self.state = State.PROCEEDING
                self.on_response(response)
                return
            self._stop("retransmit")
            self._stop("timeout")
            if self.is_invite and status < 300:
                # RFC 6026: stay to pass 2xx retransmissions to the core, which ACKs them
                self.state = State.ACCEPTED
                self._start("timeout", self.layer.timers.b, self.terminate)
            elif self.is_invite:
                self.state = State.COMPLETED
                self._send_ack(response)
                self._start("timeout", self.layer.timers.d(self.dest.reliable), self.terminate)
            else:
                self.state = State.COMPLETED
                self._start("timeout", self.layer.timers.k(self.dest.reliable), self.terminate)
            self.on_response(response)
        elif self.state == State.ACCEPTED and 200 <= status < 300:
            self.on_response(response)
        elif self.state == State.COMPLETED and self.is_invite and status >= 300 and self._ack:
            self.layer.sender.send(self._ack, self.dest.transport, self.dest.host, self.dest.port)

    def _send_ack(self, response: SipResponse) -> None:
        """ACK for a non-2xx final is part of the transaction (§17.1.1.3)."""
        req = self.request
        headers = Headers()
        headers.add("Via", req.headers.get_all("Via")[0])
        for name in ("Route",):
            for value in req.headers.get_all(name):
                headers.add(name, value)
        headers.add("Max-Forwards", "70")
        headers.add("From", req.headers.get("From") or "")
        headers.add("To", response.headers.get("To") or "")
        headers.add("Call-ID", req.call_id)
        headers.add("CSeq", f"{req.cseq[0]} ACK")
        self._ack = SipRequest("ACK", req.uri, headers).serialize()
        self.layer.sender.send(self._ack, self.dest.transport, self.dest.host, self.dest.port)

    def cancel_timers(self) -> None:
        self.terminate()


class ServerTransaction(_Transaction):
    """INVITE (§17.2.1) and non-INVITE (§17.2.2) server transactions."""

    def __init__(self, layer: TransactionLayer, key: tuple[str, str], request: SipRequest, source: Source):
        super().__init__(layer, key)
        self.request = request
        self.source = source
        self.is_invite = request.method == "INVITE"
        self.state = State.PROCEEDING if self.is_invite else State.TRYING
        self.reliable = source.transport != "udp"
        self.last_response: SipResponse | None = None
        self._interval = layer.timers.t1
        self.on_no_ack: Callable[[], None] | None = None
        self.on_ack: Callable[[SipRequest], None] | None = None
        self.merge_key: tuple[str, str, str] | None = None

    def respond(self, response: SipResponse) -> None:
        if self.state in (State.COMPLETED, State.CONFIRMED, State.ACCEPTED, State.TERMINATED):
            log.debug("response %s after the transaction ended; ignored", response.status)
            return
        self.last_response = response
        self._send(response)
        status = response.status
        if status < 200:
            self.state = State.PROCEEDING
            return
        t = self.layer.timers
        if self.is_invite and status < 300:
            # RFC 6026 Accepted: absorb INVITE retransmissions; the UA core resends the 2xx
            self.state = State.ACCEPTED
            self._start("timeout", t.b, self.terminate)
        elif self.is_invite:
            self.state = State.COMPLETED
            if not self.reliable:
                self._start("retransmit", self._interval, self._retransmit)
            self._start("timeout", t.b, self._no_ack)
        else:
            self.state = State.COMPLETED
            self._start("timeout", 0.0 if self.reliable else t.b, self.terminate)

    def _send(self, response: SipResponse) -> None:
        try:
            self.layer.sender.send_response(response, self.source)
        except OSError as exc:
            log.info("cannot send %s: %s", response.status, exc)

    def _retransmit(self) -> None:
        if self.state != State.COMPLETED or self.last_response is None:
            return
        self._send(self.last_response)
        self._interval = min(self._interval * 2, self.layer.timers.t2)
        self._start("retransmit", self._interval, self._retransmit)

    def _no_ack(self) -> None:
        on_no_ack = self.on_no_ack
        self.terminate()
        if on_no_ack is not None:
            on_no_ack()

    def terminate(self) -> None:
        super().terminate()
        # The call holds its server transaction, whose callbacks hold the call: dropped here, or the
        # cycle would keep both (and every message of the call) until the collector's full pass.
        # (A client transaction is held by the layer alone, and let go by `forget`.)
        self.on_no_ack = self.on_ack = None

    def retransmitted(self) -> None:
        """The same request arrived again: resend the last response (§17.2.1, §17.2.2)."""
        if self.state in (State.PROCEEDING, State.COMPLETED) and self.last_response is not None:
            self._send(self.last_response)

    def ack(self, request: SipRequest) -> None:
        if self.state == State.COMPLETED:
            self.state = State.CONFIRMED
            self._stop("retransmit")
            self._start("timeout", self.layer.timers.k(self.reliable), self.terminate)
            if self.on_ack is not None:
                self.on_ack(request)


RequestHandler = Callable[[SipRequest, Source, "ServerTransaction | None"], None]


class TransactionLayer:
    """Matches messages to transactions (§17.1.3, §17.2.3) and passes the rest to the core."""

    def __init__(
        self,
        sender: Sender,
        clock: Clock,
        timers: TimerSettings,
        *,
        on_request: RequestHandler,
        on_stray_response: Callable[[SipResponse, Source], None],
    ) -> None:
        self.sender = sender
        self.clock = clock
        self.timers = timers
        self.on_request = on_request
        self.on_stray_response = on_stray_response
        self.clients: dict[tuple[str, str], ClientTransaction] = {}
        self.servers: dict[tuple[str, str], ServerTransaction] = {}
        self._merge: dict[tuple[str, str, str], str] = {}

    def client(
        self,
        request: SipRequest,
        dest: Destination,
        on_response: ResponseCallback,
        on_timeout: Callable[[], None],
    ) -> ClientTransaction:
        tx = ClientTransaction(self, request, dest, on_response, on_timeout)
        self.clients[tx.key] = tx
        tx.start()
        return tx

    def handle(self, msg: SipMessage, source: Source) -> None:
        if isinstance(msg, SipResponse):
            _, method = msg.cseq
            tx = self.clients.get((msg.top_via.branch or "", method))
            if tx is not None:
                tx.receive(msg)
            else:
                self.on_stray_response(msg, source)
            return
        assert isinstance(msg, SipRequest)
        key = self._server_key(msg)
        if msg.method == "ACK":
            stx = self.servers.get((key[0], "INVITE"))
            if stx is not None and stx.state in (State.COMPLETED, State.CONFIRMED):
                stx.ack(msg)
                return
            self.on_request(msg, source, None)  # ACK for a 2xx belongs to the dialog
            return
        existing = self.servers.get(key)
        if existing is not None:
            existing.retransmitted()
            return
        if self._is_merged(msg, key[0]):
            self.sender.send_response(make_response(msg, 482, "Loop Detected"), source)
            return
        stx = ServerTransaction(self, key, msg, source)
        self.servers[key] = stx
        if msg.to.tag is None:
            stx.merge_key = (msg.from_.tag or "", msg.call_id, str(msg.cseq[0]))
            self._merge[stx.merge_key] = key[0]
        self.on_request(msg, source, stx)

    def _is_merged(self, msg: SipRequest, branch: str) -> bool:
        """§8.2.2.2: same From tag, Call-ID and CSeq on a new branch means a forking loop."""
        if msg.to.tag is not None or msg.method == "CANCEL":
            return False
        known = self._merge.get((msg.from_.tag or "", msg.call_id, str(msg.cseq[0])))
        return known is not None and known != branch

    @staticmethod
    def _server_key(msg: SipRequest) -> tuple[str, str]:
        via = msg.top_via
        branch = via.branch or ""
        sent_by = f"{via.host}:{via.port or ''}"
        if not branch.startswith(MAGIC_COOKIE):
            # RFC 2543 peers: no usable branch, fall back to the dialog-identifying fields
            branch = f"{msg.call_id}|{msg.from_.tag}|{msg.cseq[0]}|{sent_by}"
        method = "INVITE" if msg.method == "ACK" else msg.method
        return (f"{branch}|{sent_by}", method)

    def invite_server_for_cancel(self, cancel: SipRequest) -> ServerTransaction | None:
        key = self._server_key(cancel)
        return self.servers.get((key[0], "INVITE"))

    def forget(self, tx: _Transaction) -> None:
        """Drop a terminated transaction from the lookup tables."""
        if isinstance(tx, ClientTransaction):
            if self.clients.get(tx.key) is tx:
                del self.clients[tx.key]
        elif isinstance(tx, ServerTransaction):
            if self.servers.get(tx.key) is tx:
                del self.servers[tx.key]
            if tx.merge_key is not None and self._merge.get(tx.merge_key) == tx.key[0]:
                del self._merge[tx.merge_key]
