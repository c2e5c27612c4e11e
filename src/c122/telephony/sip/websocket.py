"""SIP over WebSocket (RFC 7118): one SIP message per frame, subprotocol `sip`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from typing import Protocol

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from c122.telephony.sip.flows import Connection, ConnKey, Source

log = logging.getLogger(__name__)

SUBPROTOCOL = "sip"


class _Layer(Protocol):
    connections: dict[ConnKey, Connection]
    max_size: int

    def received(self, data: bytes, source: Source, *, stream: bool = False) -> None: ...


class _WsConnection:
    """Writes go through a queue so frames leave in order without blocking the caller."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.outbox: asyncio.Queue[bytes | None] = asyncio.Queue()

    def write(self, data: bytes) -> None:
        self.outbox.put_nowait(data)

    def close(self) -> None:
        self.outbox.put_nowait(None)

    async def pump(self) -> None:
        while (data := await self.outbox.get()) is not None:
            # text frames: SIP is UTF-8 and browsers' SIP libraries expect text (RFC 7118 §5.1)
            try:
                await self.ws.send(data.decode("utf-8", errors="replace"))
            except ConnectionClosed:
                return
        await self.ws.close()


class WebSocketListener:
    def __init__(self, layer: _Layer, tls: ssl.SSLContext | None = None) -> None:
        self.layer = layer
        self.tls = tls
        self._server: Server | None = None

    @property
    def serving(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def start(self, host: str, port: int) -> int:
        self._server = await serve(
            self._handle,
            host,
            port,
            subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
            max_size=self.layer.max_size,
            ssl=self.tls,
        )
        return int(next(iter(self._server.sockets)).getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def _handle(self, ws: ServerConnection) -> None:
        if ws.subprotocol != SUBPROTOCOL:
            await ws.close(1002, "subprotocol sip required")
            return
        peer = ws.remote_address
        source = Source("ws", str(peer[0]), int(peer[1]))
        conn = _WsConnection(ws)
        key = (source.transport, source.host, source.port)
        self.layer.connections[key] = conn
        pump = asyncio.create_task(conn.pump())
        try:
            async for frame in ws:
                data = frame.encode() if isinstance(frame, str) else bytes(frame)
                # a frame is a whole message, so Content-Length may be absent (RFC 7118 §5.3)
                self.layer.received(data, source)
        except ConnectionClosed:
            pass
        finally:
            if self.layer.connections.get(key) is conn:
                del self.layer.connections[key]
            conn.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pump, 2)
