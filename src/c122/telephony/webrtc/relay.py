"""Plain RTP between a browser leg and its media-engine endpoint, on a local UDP socket.

The engine sees the browser leg as one more RTP peer, so bridges, recordings, mixes and snoops
work unchanged, and the leg could live in another process. G.711 is never decoded here:

- browser → engine: aiortc's receiver is tapped before its jitter buffer and decoder; each
  packet goes out at once with a plain 12-byte header (no buffering added);
- engine → browser: each payload becomes an `av.Packet` that aiortc's sender packs as it is.
"""

from __future__ import annotations

import asyncio
import fractions
import socket
import struct
from collections import deque
from typing import Any, Final

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError
from aiortc.rtp import RtpPacket as AiortcRtpPacket

_HEADER: Final = struct.Struct("!BBHII")
_TIME_BASE: Final = fractions.Fraction(1, 8000)
_MAX_DATAGRAM: Final = 2048
MAX_QUEUED_PACKETS: Final = 5
"""Toward the browser at most 100 ms may wait for aiortc's sender; older packets are dropped."""


class PayloadTrack(MediaStreamTrack):
    """An audio track whose frames are already-encoded G.711 payloads (aiortc sends them as they are)."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._packets: deque[av.Packet[Any]] = deque()
        self._ready = asyncio.Event()
        self._pts = 0
        self._last_timestamp: int | None = None
        self.dropped = 0

    def push(self, payload: bytes, timestamp: int) -> None:
        if self._last_timestamp is not None:
            step = (timestamp - self._last_timestamp) & 0xFFFFFFFF
            self._pts += step if step < 0x80000000 else len(payload)
        self._last_timestamp = timestamp
        packet = av.Packet(payload)
        packet.pts = self._pts
        packet.time_base = _TIME_BASE
        if len(self._packets) >= MAX_QUEUED_PACKETS:
            self._packets.popleft()
            self.dropped += 1
        self._packets.append(packet)
        self._ready.set()

    async def recv(self) -> Any:  # aiortc's sender accepts an av.Packet in place of a frame
        while not self._packets:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._packets.popleft()

    def stop(self) -> None:
        super().stop()
        self._ready.set()


class EngineRelay:
    """The leg's local RTP socket: what the engine endpoint sends to, and receives from.

    A plain non-blocking socket read from the event loop's selector, like the engine's own
    sockets: cheaper per packet than a datagram transport.
    """

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        self._sock: socket.socket | None = sock
        self._loop = loop
        self.address: tuple[str, int] = sock.getsockname()[:2]
        self.engine: tuple[str, int] | None = None
        self.track: PayloadTrack | None = None
        self.payload_type = 0  # the browser's codec (static G.711 types: 0 PCMU, 8 PCMA)
        self.packets_in = 0
        self.packets_out = 0
        loop.add_reader(sock.fileno(), self._readable)

    @classmethod
    async def open(cls, host: str) -> EngineRelay:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            sock.bind((host, 0))
            return cls(sock, asyncio.get_running_loop())
        except OSError:
            sock.close()
            raise

    def to_engine(self, packet: AiortcRtpPacket) -> None:
        """Called with each packet the browser sent, decrypted, before any buffering."""
        if self._sock is None or self.engine is None:
            return
        header = _HEADER.pack(
            0x80,
            (0x80 if packet.marker else 0) | packet.payload_type,
            packet.sequence_number,
            packet.timestamp,
            packet.ssrc,
        )
        try:
            self._sock.sendto(header + packet.payload, self.engine)
        except OSError:  # a full buffer or an ICMP error queued on the socket: the packet is lost
            return
        self.packets_in += 1

    def _readable(self) -> None:
        sock = self._sock
        while sock is not None:
            try:
                data = sock.recv(_MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # an ICMP error from an earlier send; the next datagram may be fine
            self._from_engine(data)

    def _from_engine(self, data: bytes) -> None:
        if len(data) <= 12 or data[0] != 0x80:
            return  # RTCP, header extensions or CSRCs: the engine sends none of these as media
        if data[1] & 0x7F != self.payload_type:
            return  # telephone-events toward the browser: it hears no DTMF, and negotiated none
        track = self.track
        if track is not None and track.readyState == "live":
            (timestamp,) = struct.unpack_from("!I", data, 4)
            track.push(data[12:], timestamp)
            self.packets_out += 1

    def close(self) -> None:
        if self._sock is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None
