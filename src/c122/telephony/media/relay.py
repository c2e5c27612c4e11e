"""Reads every leg's RTP socket from one epoll, and relays 1:1 pass-through packets in place.

A 1:1 bridge is most of the traffic and needs no decision per packet beyond "is this the plain
case": so the relay reads each ready socket once into one preallocated buffer, rewrites the
12-byte header onto the peer's stream with `pack_into`, and sends the same buffer from the
peer's socket. No packet object, no payload copy, one clock read per batch, and no extra
`recvfrom` per packet to find the socket empty (the epoll is level-triggered: a socket still
holding data is simply reported again). Anything else - DTMF, RTCP-mux, a new source address,
a leg that is mixed, transcoded, held or playing - goes to the engine's handler. A recorded
leg stays on this path: its payload is appended to the recording's timeline.
"""

from __future__ import annotations

import asyncio
import select
import socket
from collections.abc import Callable
from typing import Final

from c122.telephony.media.codecs import transcode
from c122.telephony.media.endpoint import Endpoint, PacketHandler, receive_rtp
from c122.telephony.media.rtp import HEADER

_MAX_DATAGRAM: Final = 65535
_BATCH: Final = 512  # sockets served per wake-up; the rest are reported again at once
_UNPACK = HEADER.unpack_from


class RtpRelay:
    """Owns the reading side of all RTP sockets of one engine, on the engine's event loop."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, handler: PacketHandler, clock: Callable[[], float]
    ) -> None:
        self._loop = loop
        self._handler = handler
        self._clock = clock
        self._epoll = select.epoll()
        self._legs: dict[int, Endpoint] = {}
        self._buffer = bytearray(_MAX_DATAGRAM)
        self._view = memoryview(self._buffer)
        self.relayed = 0  # packets that took the in-place path
        loop.add_reader(self._epoll.fileno(), self._on_ready)

    def add(self, endpoint: Endpoint, sock: socket.socket) -> None:
        endpoint.rtp_socket = sock
        self._legs[sock.fileno()] = endpoint
        self._epoll.register(sock.fileno(), select.EPOLLIN)

    def remove(self, endpoint: Endpoint) -> None:
        sock = endpoint.rtp_socket
        if sock is None:
            return
        fd = sock.fileno()
        if self._legs.pop(fd, None) is not None:
            self._epoll.unregister(fd)
        endpoint.rtp_socket = None
        sock.close()

    def close(self) -> None:
        for endpoint in list(self._legs.values()):
            self.remove(endpoint)
        self._loop.remove_reader(self._epoll.fileno())
        self._epoll.close()

    def _on_ready(self) -> None:
        now = self._clock()
        buffer, view, legs = self._buffer, self._view, self._legs
        relayed = 0
        for fd, _ in self._epoll.poll(0, _BATCH):
            endpoint = legs.get(fd)
            if endpoint is None or endpoint.rtp_socket is None:
                continue
            try:
                length, addr = endpoint.rtp_socket.recvfrom_into(buffer)
            except OSError:  # nothing there after all, or an ICMP error queued on the socket
                continue
            if length < 12:
                continue
            first, second, sequence, timestamp, ssrc = _UNPACK(buffer)
            peer = endpoint.forward_to
            codec = endpoint.codec
            if (
                first == 0x80  # plain header: no CSRC, extension or padding
                and peer is not None
                and second & 0x7F == codec.payload_type  # media in the leg's codec: not DTMF, CN, RTCP
                and peer.codec is codec
                and addr == endpoint.target
                and endpoint.latched
                and endpoint.can_receive
                and endpoint.jitter is None  # not mixed
                and endpoint.inband is None
                and peer.source is None
                and not peer.dtmf_out
                and peer.can_send
                and peer.target is not None
                and (peer_socket := peer.rtp_socket) is not None
            ):
                if not endpoint.stats.update(ssrc, sequence, timestamp, now):
                    continue  # a duplicate
                endpoint.last_received = now
                endpoint.timed_out = False
                if endpoint.timelines:
                    _record(endpoint, ssrc, timestamp, view[12:length], now)
                peer.stream.forward_into(buffer, length, endpoint, timestamp, second & 0x7F, second > 127)
                try:
                    peer_socket.sendto(view[:length], peer.target)  # Endpoint.send_datagram, inlined
                except OSError:
                    peer.send_failures += 1
                relayed += 1
                continue
            receive_rtp(endpoint, bytes(view[:length]), addr, now, self._handler)
        self.relayed += relayed


def _record(endpoint: Endpoint, ssrc: int, timestamp: int, payload: memoryview, now: float) -> None:
    codec = endpoint.codec
    for line in endpoint.timelines:
        line.put(
            ssrc,
            timestamp,
            payload if line.codec is codec else transcode(bytes(payload), codec, line.codec),
            now,
        )
