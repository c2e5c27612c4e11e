"""Reads every leg's RTP socket from one epoll, and relays 1:1 pass-through packets in place.

A 1:1 bridge is most of the traffic and needs no decision per packet beyond "is this the plain
case": so the relay reads each ready socket once into one preallocated buffer, rewrites the
12-byte header onto the peer's stream with `pack_into`, and sends the same buffer from the
peer's socket. No packet object, no payload copy, no method call but the two system calls
(statistics and the outgoing header are updated inline on each leg's `RelayRecord` and the
peer's `OutgoingStream`), one clock read per batch, and no extra
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
from c122.telephony.media.endpoint import Endpoint, PacketHandler, RelayRecord, receive_rtp
from c122.telephony.media.rtp import HEADER

_MAX_DATAGRAM: Final = 65535
_BATCH: Final = 512  # sockets served per wake-up; the rest are reported again at once
_UNPACK = HEADER.unpack_from
_PACK_INTO = HEADER.pack_into
_CLOCK_RATE: Final = 8000  # G.711, the only codecs the in-place path carries
_MAX_DROPOUT: Final = 3000  # a larger jump forward is left to ReceiveStats (RFC 3550 A.1)
_JITTER_GATE: Final = 10 * _CLOCK_RATE  # a transit jump this large is a new talkspurt (as ReceiveStats)


class RtpRelay:
    """Owns the reading side of all RTP sockets of one engine, on the engine's event loop."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, handler: PacketHandler, clock: Callable[[], float]
    ) -> None:
        self._loop = loop
        self._handler = handler
        self._clock = clock
        self._epoll = select.epoll()
        self._legs: dict[int, RelayRecord] = {}
        self._buffer = bytearray(_MAX_DATAGRAM)
        self._view = memoryview(self._buffer)
        self.relayed = 0  # packets that took the in-place path
        loop.add_reader(self._epoll.fileno(), self._on_ready)

    def add(self, endpoint: Endpoint, sock: socket.socket) -> None:
        endpoint.rtp_socket = sock
        record = RelayRecord(endpoint, sock)
        record.reload()
        endpoint.relay_record = record
        self._legs[sock.fileno()] = record
        self._epoll.register(sock.fileno(), select.EPOLLIN)

    def remove(self, endpoint: Endpoint) -> None:
        sock = endpoint.rtp_socket
        if sock is None:
            return
        fd = sock.fileno()
        if self._legs.pop(fd, None) is not None:
            self._epoll.unregister(fd)
        if endpoint.relay_record is not None:
            endpoint.relay_record.fold()
            endpoint.relay_record = None
        endpoint.rtp_socket = None
        sock.close()

    def close(self) -> None:
        for record in list(self._legs.values()):
            self.remove(record.endpoint)
        self._loop.remove_reader(self._epoll.fileno())
        self._epoll.close()

    def _on_ready(self) -> None:
        now = self._clock()
        arrival = int(now * _CLOCK_RATE)  # in RTP units, for the jitter of every packet of the batch
        buffer, view, legs, unpack, pack_into = self._buffer, self._view, self._legs, _UNPACK, _PACK_INTO
        relayed = 0
        cut_length, cut = 0, view[:0]  # the last send slice: G.711 packets of a call share one length
        for fd, _ in self._epoll.poll(0, _BATCH):
            record = legs.get(fd)
            if record is None:
                continue
            try:
                length, addr = record.receive(buffer)
            except OSError:  # nothing there after all, or an ICMP error queued on the socket
                continue
            if length < 12:
                continue
            first, second, sequence, timestamp, ssrc = unpack(buffer)
            endpoint = record.endpoint
            peer = endpoint.forward_to
            if (
                first == 0x80  # plain header: no CSRC, extension or padding
                and ssrc == record.ssrc  # the stream the statistics know, moving forward
                and 0 < (sequence - (highest := record.max_seq)) & 0xFFFF < _MAX_DROPOUT
                and peer is not None
                and second & 0x7F == (codec := endpoint.codec).payload_type  # not DTMF, CN, RTCP
                and peer.codec is codec
                and addr == endpoint.target
                and endpoint.latched
                and endpoint.can_receive
                and endpoint.jitter is None  # not mixed
                and endpoint.inband is None
                and peer.source is None
                and not peer.dtmf_out
                and peer.can_send
                and (target := peer.target) is not None
                and (peer_record := peer.relay_record) is not None
            ):
                # Receive statistics: ReceiveStats.update for a packet in order or after a gap
                # (the gap is the loss: expected - received), with RFC 3550 A.8 integer jitter.
                if sequence < highest:
                    record.wraps += 1
                record.max_seq = sequence
                record.received += 1
                transit = arrival - timestamp
                change = transit - record.transit
                if change < 0:
                    change = -change
                if change < _JITTER_GATE:
                    jitter = record.jitter
                    record.jitter = jitter + change - ((jitter + 8) >> 4)
                record.transit = transit
                record.last_arrival = now
                if endpoint.timelines:
                    _record(endpoint, ssrc, timestamp, view[12:length], now)
                # The peer's outgoing header (OutgoingStream.forward_into, inlined).
                stream = peer.stream
                if stream.source is not endpoint:
                    stream.source = endpoint
                    stream.ts_offset = (stream.wire_ts - timestamp) & 0xFFFFFFFF
                    second |= 0x80  # a new source on the peer's line: a talkspurt boundary
                timestamp = (timestamp + stream.ts_offset) & 0xFFFFFFFF
                payload_length = length - 12
                stream.wire_ts = (timestamp + payload_length) & 0xFFFFFFFF  # G.711: a byte a sample
                sequence = stream.sequence
                stream.sequence = (sequence + 1) & 0xFFFF
                stream.sent_packets += 1
                stream.sent_octets += payload_length
                pack_into(buffer, 0, 0x80, second, sequence, timestamp, stream.ssrc)
                try:
                    if length != cut_length:
                        cut_length, cut = length, view[:length]
                    peer_record.send(cut, target)
                except OSError:  # a late RTP packet is worth nothing: counted, not retried
                    peer.send_failures += 1
                relayed += 1
                continue
            record.fold()
            receive_rtp(endpoint, bytes(view[:length]), addr, now, self._handler)
            record.reload()
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
