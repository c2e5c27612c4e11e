"""UDP, TCP and TLS transports (RFC 3261 §18) with rport/received (RFC 3581) and connection reuse."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable
from functools import lru_cache
from typing import cast

from prometheus_client import Counter

from c122.telephony.sip.errors import SipParseError
from c122.telephony.sip.flows import Connection, ConnKey, Source
from c122.telephony.sip.framing import StreamFramer
from c122.telephony.sip.message import (
    DEFAULT_MAX_SIZE,
    MessageParseError,
    SipMessage,
    SipRequest,
    SipResponse,
    make_response,
    parse_message,
)
from c122.telephony.sip.overload import OverloadGuard, OverloadSettings
from c122.telephony.sip.uri import Via, bare_host
from c122.telephony.sip.websocket import WebSocketListener

log = logging.getLogger(__name__)

MESSAGES = Counter("c122_sip_messages_total", "SIP messages by what happened to them", ["event"])


@lru_cache(maxsize=16)
def _message_counter(event: str) -> Counter:
    """The labelled child, looked up once per event name rather than once per message."""
    return MESSAGES.labels(event)


VIA_TRANSPORTS = {"UDP": "udp", "TCP": "tcp", "TLS": "tls", "WS": "ws", "WSS": "ws"}


MessageHandler = Callable[[SipMessage, Source], None]
# A gate may drop traffic before parsing (rate limits, blocked sources): True = accept.
SourceGate = Callable[[Source, bytes], bool]


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, layer: TransportLayer) -> None:
        self.layer = layer
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # selector and uvloop datagram transports do not all subclass DatagramTransport
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(
        self, data: bytes, addr: tuple[str | bytes, int] | tuple[str, int, int, int]
    ) -> None:
        host = str(addr[0])
        self.layer.received(data, Source("udp", host, int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        # ICMP unreachable etc.: transactions notice through their own timers
        log.debug("udp error: %s", exc)


class _Stream(asyncio.Protocol):
    def __init__(self, layer: TransportLayer, name: str = "tcp") -> None:
        self.layer = layer
        self.name = name
        self.transport: asyncio.Transport | None = None
        self.source: Source | None = None
        self.framer = StreamFramer(layer.max_size)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.source = Source(self.name, str(peer[0]), int(peer[1]))
        self.layer.connections[(self.name, self.source.host, self.source.port)] = self

    def data_received(self, data: bytes) -> None:
        assert self.source is not None
        assert self.transport is not None
        try:
            messages = self.framer.feed(data)
        except SipParseError as exc:
            self.layer.count("malformed")
            log.info("closing %s: %s", self.source, exc.reason)
            self.transport.close()
            return
        if self.framer.pings:
            self.transport.write(b"\r\n" * self.framer.pings)  # pong
            self.framer.pings = 0
        for raw in messages:
            self.layer.received(raw, self.source, stream=True)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.source is not None:
            key = (self.name, self.source.host, self.source.port)
            if self.layer.connections.get(key) is self:
                del self.layer.connections[key]

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


UDP_BUFFER_BYTES = 4 * 1024 * 1024


def _enlarge_buffers(sock: socket.socket | None) -> None:
    """Bursts of call set-ups overflow the default UDP buffers; the kernel caps what we ask."""
    if sock is None:
        return
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, option, UDP_BUFFER_BYTES)


class TransportLayer:
    """Owns the listening sockets; parses what arrives and hands valid messages upward."""

    def __init__(
        self,
        host: str,
        *,
        udp_port: int | None = 5060,
        tcp_port: int | None = 5060,
        tls_port: int | None = None,
        tls_server: ssl.SSLContext | None = None,
        tls_client: ssl.SSLContext | None = None,
        ws_port: int | None = None,
        max_size: int = DEFAULT_MAX_SIZE,
        on_message: MessageHandler,
        gate: SourceGate | None = None,
        overload: OverloadSettings | None = None,
        reuse_port: bool = False,
    ) -> None:
        """`reuse_port`: several processes share the UDP port (`SO_REUSEPORT`). The kernel picks the
        process by the sender's address and port, so a peer that sends from one socket (a proxy,
        a trunk) always reaches the same one: that spreads phones and per-call sockets, not a
        single proxy's traffic (docs/telephony/sip.md, "Several listener processes")."""
        if tls_port is not None and tls_server is None:
            raise ValueError("tls_port needs a server certificate (tls_server context)")
        self.host = host
        self.udp_port = udp_port
        self.tcp_port = tcp_port
        self.reuse_port = reuse_port
        self.tls_port = tls_port
        self.tls_server = tls_server
        self.tls_client = tls_client
        self.ws_port = ws_port
        self._tls_server: asyncio.Server | None = None
        self._ws: WebSocketListener | None = None
        self.max_size = max_size
        self.on_message = on_message
        self.gate = gate
        self.connections: dict[ConnKey, Connection] = {}
        self.bound: dict[str, int] = {}
        self.counters: dict[str, int] = {
            "received": 0,
            "sent": 0,
            "malformed": 0,
            "dropped": 0,
            "overload": 0,  # new INVITEs refused early with 503
        }
        self._overload_settings = overload
        self.overload: OverloadGuard | None = None
        self._udp: _Udp | None = None
        self._tcp_server: asyncio.Server | None = None
        self._pending: dict[ConnKey, asyncio.Task[None]] = {}

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.udp_port is not None:
            transport, proto = await loop.create_datagram_endpoint(
                lambda: _Udp(self),
                local_addr=(bare_host(self.host), self.udp_port),
                reuse_port=self.reuse_port or None,
            )
            self._udp = proto
            self.bound["udp"] = int(transport.get_extra_info("sockname")[1])
            sock = transport.get_extra_info("socket")
            _enlarge_buffers(sock)
            if sock is not None and self._overload_settings is not None:
                self.overload = OverloadGuard(sock, self._overload_settings)
                self.overload.start(loop)
        if self.tcp_port is not None:
            # same number as UDP when both are ephemeral keeps Via/Contact consistent
            port = self.tcp_port or self.bound.get("udp", 0)
            try:
                server = await loop.create_server(lambda: _Stream(self), bare_host(self.host), port)
            except OSError:
                if self.tcp_port:
                    raise
                server = await loop.create_server(lambda: _Stream(self), bare_host(self.host), 0)
            self._tcp_server = server
            self.bound["tcp"] = int(server.sockets[0].getsockname()[1])
        if self.tls_port is not None:
            self._tls_server = await loop.create_server(
                lambda: _Stream(self, "tls"), bare_host(self.host), self.tls_port, ssl=self.tls_server
            )
            self.bound["tls"] = int(self._tls_server.sockets[0].getsockname()[1])
        if self.ws_port is not None:
            self._ws = WebSocketListener(self)
            self.bound["ws"] = await self._ws.start(bare_host(self.host), self.ws_port)

    async def stop(self) -> None:
        for task in self._pending.values():
            task.cancel()
        for conn in list(self.connections.values()):
            conn.close()
        self.connections.clear()
        if self._ws is not None:
            await self._ws.stop()
            self._ws = None
        for server in (self._tcp_server, self._tls_server):
            if server is not None:
                server.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(server.wait_closed(), 2)
        self._tcp_server = self._tls_server = None
        if self.overload is not None:
            self.overload.stop()
            self.overload = None
        if self._udp is not None and self._udp.transport is not None:
            self._udp.transport.close()
            self._udp = None
        self.bound.clear()

    def is_listening(self, name: str) -> bool:
        if name == "udp":
            return self._udp is not None and self._udp.transport is not None
        if name == "tcp":
            return self._tcp_server is not None and self._tcp_server.is_serving()
        if name == "tls":
            return self._tls_server is not None and self._tls_server.is_serving()
        if name == "ws":
            return self._ws is not None and self._ws.serving
        return False

    def count(self, event: str) -> None:
        self.counters[event] += 1
        _message_counter(event).inc()

    # -- receiving -------------------------------------------------------------------------

    def received(self, data: bytes, source: Source, *, stream: bool = False) -> None:
        self.count("received")
        if not data.strip(b"\r\n"):
            return  # keep-alive
        if self.gate is not None and not self.gate(source, data):
            self.count("dropped")
            return
        if not stream and self.overload is not None and self._refused_early(data, source):
            return
        try:
            msg = parse_message(data, max_size=self.max_size, stream=stream)
        except MessageParseError as exc:
            self.count("malformed")
            if exc.partial is not None and exc.partial.method != "ACK":
                self._send_to_source(make_response(exc.partial, exc.status, exc.reason), source)
            return
        if isinstance(msg, SipRequest):
            self._stamp_via(msg, source)
        try:
            self.on_message(msg, source)
        except Exception:
            # one bad message must never take the listener down
            log.exception("error handling %r from %s", msg, source)

    def _refused_early(self, data: bytes, source: Source) -> bool:
        assert self.overload is not None
        if self.overload.is_ack_of_refusal(data):
            return True
        refusal = self.overload.refusal(data)
        if refusal is None:
            return False
        self.count("overload")
        self.send(refusal, source.transport, source.host, source.port)
        return True

    @staticmethod
    def _stamp_via(msg: SipRequest, source: Source) -> None:
        """RFC 3261 §18.2.1 received= and RFC 3581 rport=: remember where it really came from."""
        via = msg.top_via
        params: dict[str, str | None] = {}
        if bare_host(via.host) != source.host:
            params["received"] = source.host
        if "rport" in via.params and via.params["rport"] is None:
            params["rport"] = str(source.port)
            params["received"] = source.host
        if not params:
            return
        msg.replace_top_via(via.with_params(**params))

    # -- sending ---------------------------------------------------------------------------

    def local_port(self, transport: str) -> int:
        return self.bound.get(transport) or self.bound.get("udp") or self.bound.get("tcp") or 5060

    def send_response(self, response: SipResponse, source: Source | None = None) -> None:
        """Route a response by its top Via (RFC 3261 §18.2.2, RFC 3581 §4)."""
        data = response.serialize()
        via = response.top_via
        if source is not None and source.transport != "udp":
            conn = self.connections.get((source.transport, source.host, source.port))
            if conn is not None:
                self._count_write(conn, data)
                return
        host, port = self.response_target(via)
        self.send(data, VIA_TRANSPORTS.get(via.transport, "udp"), host, port)

    @staticmethod
    def response_target(via: Via) -> tuple[str, int]:
        host = via.params.get("received") or bare_host(via.host)
        rport = via.params.get("rport")
        port = int(rport) if rport and rport.isdigit() else (via.port or 5060)
        return host, port

    def _send_to_source(self, response: SipResponse, source: Source) -> None:
        self.send(response.serialize(), source.transport, source.host, source.port)

    def send(self, data: bytes, transport: str, host: str, port: int) -> None:
        host = bare_host(host)
        if transport == "udp":
            if self._udp is None or self._udp.transport is None:
                raise OSError("UDP transport is not running")
            self.count("sent")
            self._udp.transport.sendto(data, (host, port))
            return
        conn = self.connections.get((transport, host, port))
        if conn is not None:
            self._count_write(conn, data)
            return
        if transport not in ("tcp", "tls"):
            raise OSError(f"no open {transport} connection to {host}:{port}")
        self._connect_and_send(data, transport, host, port)

    def _count_write(self, conn: Connection, data: bytes) -> None:
        self.count("sent")
        conn.write(data)

    def _connect_and_send(self, data: bytes, transport: str, host: str, port: int) -> None:
        key = (transport, host, port)
        tls = self.tls_client if transport == "tls" else None
        if transport == "tls" and tls is None:
            tls = ssl.create_default_context()
        previous = self._pending.get(key)

        async def connect() -> None:
            if previous is not None:
                with contextlib.suppress(Exception):
                    await previous
            conn = self.connections.get(key)
            if conn is None:
                loop = asyncio.get_running_loop()
                try:
                    _, proto = await asyncio.wait_for(
                        loop.create_connection(lambda: _Stream(self, transport), host, port, ssl=tls), 5
                    )
                except (OSError, TimeoutError) as exc:
                    log.info("cannot connect to %s:%s: %s", host, port, exc)
                    return
                conn = proto
                self.connections[key] = conn
            self._count_write(conn, data)

        task = asyncio.get_running_loop().create_task(connect())
        self._pending[key] = task
        task.add_done_callback(
            lambda t: self._pending.pop(key, None) if self._pending.get(key) is t else None
        )
