"""A TCP proxy on loopback between the server and its database, to break the link on purpose.

- `cut()`: every connection through it is reset (RST), and new ones are reset as soon as they are
  accepted — a database that crashed or a firewall that rejects.
- `partition()`: connections stay open but nothing is forwarded any more, and new ones are accepted and
  never answered — a network that silently drops packets.
- `restore()`: traffic flows again for new connections; the ones caught in the partition are reset
  (the far end has long given up on them).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from enum import Enum


class Mode(Enum):
    PASS = "pass"
    CUT = "cut"
    PARTITION = "partition"


@dataclass(eq=False)
class _Link:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = Mode.PASS
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            _reset(link)
        if self._server is not None:
            await self._server.wait_closed()

    def cut(self) -> None:
        self.mode = Mode.CUT
        for link in list(self._links):
            _reset(link)
        self._links.clear()

    def partition(self) -> None:
        self.mode = Mode.PARTITION

    def restore(self) -> None:
        if self.mode is Mode.PARTITION:  # what was dropped broke every stream caught in it
            for link in list(self._links):
                _reset(link)
            self._links.clear()
        self.mode = Mode.PASS

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode is Mode.CUT:
            _reset(_Link(writer))
            return
        link = _Link(writer)
        self._links.add(link)
        if self.mode is Mode.PARTITION:
            await _swallow(reader)  # accepted, never answered
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(link)
            return
        link.upstream = up_writer
        link.tasks = [
            asyncio.create_task(self._pump(reader, up_writer)),
            asyncio.create_task(self._pump(up_reader, writer)),
        ]
        await asyncio.gather(*link.tasks, return_exceptions=True)
        self._links.discard(link)
        _reset(link)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if self.mode is Mode.PASS:
                    writer.write(data)
                    await writer.drain()
                # PARTITION: read and dropped, so the sender's buffers never push back


async def _swallow(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(OSError):
        while await reader.read(65536):
            pass


def _reset(link: _Link) -> None:
    """Closes with RST (SO_LINGER 0) rather than FIN: the peer sees 'connection reset'."""
    for writer in (link.client, link.upstream):
        if writer is None or writer.is_closing():
            continue
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
