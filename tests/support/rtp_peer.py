"""One side of an RTP conversation run by the test itself: it sends a tone (G.711 µ-law, 20 ms packets)
from one UDP socket and notes every packet it receives with its arrival time, so a test or a benchmark
reads exactly what was heard and when (SIPp and baresip do not say when a packet arrived).

Symmetric RTP: it sends to where the hotline's packets come from, so it needs no SDP of the other side.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import struct
import time
from dataclasses import dataclass, field

import numpy as np

from c122.telephony.media.codecs import PCMU

FRAME = 160
TICK = 0.02


@dataclass
class Received:
    at: float  # time.monotonic()
    payload: bytes


@dataclass
class RtpPeer(asyncio.DatagramProtocol):
    frequency: float
    received: list[Received] = field(default_factory=list)
    port: int = 0
    sent: int = 0
    _transport: asyncio.DatagramTransport | None = None
    _remote: tuple[str, int] | None = None
    _sender: asyncio.Task[None] | None = None

    async def open(self, host: str = "127.0.0.1") -> int:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, 0))
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        self._sender = asyncio.create_task(self._send())
        return self.port

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if len(data) < 12 or data[1] & 0x7F != 0:
            return  # PCMU only: telephone-events and RTCP are not audio
        self._remote = addr
        self.received.append(Received(time.monotonic(), bytes(data[12:])))

    def error_received(self, exc: Exception) -> None:
        pass  # the hotline's port is closed while it restarts: ICMP unreachable, keep sending

    async def _send(self) -> None:
        ssrc, sequence = secrets.randbits(32), secrets.randbits(16)
        phase = np.arange(FRAME)
        started = time.monotonic()
        while True:
            self.sent += 1
            if self._remote is not None and self._transport is not None:
                n = phase + self.sent * FRAME
                pcm = (8000 * np.sin(2 * np.pi * self.frequency * n / 8000)).astype(np.int16)
                header = struct.pack(
                    "!BBHII", 0x80, 0, (sequence + self.sent) & 0xFFFF, self.sent * FRAME, ssrc
                )
                self._transport.sendto(header + PCMU.encode(pcm), self._remote)
            await asyncio.sleep(max(0.0, started + self.sent * TICK - time.monotonic()))

    def heard(self, since: float = 0.0, until: float = float("inf")) -> np.ndarray:
        """The samples that arrived in [since, until), decoded."""
        payload = b"".join(r.payload for r in self.received if since <= r.at < until)
        return PCMU.decode(payload) if payload else np.zeros(0, dtype=np.int16)

    def last_before(self, moment: float) -> float | None:
        return max((r.at for r in self.received if r.at < moment), default=None)

    def first_after(self, moment: float) -> float | None:
        return min((r.at for r in self.received if r.at > moment), default=None)

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        if self._transport is not None:
            self._transport.close()
