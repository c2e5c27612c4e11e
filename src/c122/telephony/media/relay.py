"""Reads every leg's RTP sockets from one epoll, and relays 1:1 pass-through packets in place.

A 1:1 bridge is most of the traffic and needs no decision per packet beyond "is this the plain
case": so the relay reads each ready socket once into one preallocated buffer, rewrites the
12-byte header onto the peer's stream with `pack_into`, and sends the same buffer from the
peer's socket. No packet object, no payload copy, no method call but the two system calls
(statistics and the outgoing header are updated inline on each leg's `RelayRecord` and the
peer's `OutgoingStream`), one clock read per batch, and no extra
`recvfrom` per packet to find the socket empty (the epoll is level-triggered: a socket still
holding data is simply reported again).

Each leg has its bound socket and, once latched, a socket connected to the latched address
(see `RelayRecord`). Only packets read from the connected socket can take the in-place path:
they come from the latched address by the kernel's word, and the peer's connected socket sends
without naming a destination. Anything else - a packet on the bound socket (the first, a new
source), DTMF, RTCP-mux, a leg that is mixed, transcoded, held or playing - goes to the
engine's handler. A recorded leg stays on this path: its payload is appended to the recording's
timeline.
"""

from __future__ import annotations

import asyncio
import logging
import select
import socket
from collections.abc import Callable
from typing import Final

from c122.telephony.media.codecs import transcode
from c122.telephony.media.endpoint import Address, Endpoint, PacketHandler, RelayRecord, receive_rtp
from c122.telephony.media.rtp import HEADER

log = logging.getLogger(__name__)

_MAX_DATAGRAM: Final = 65535
# Each RTP socket's receive queue, asked for explicitly (the kernel doubles it, capped by
# net.core.rmem_max) rather than left to net.core.rmem_default: a loop that falls behind delays
# packets instead of dropping them.
RECEIVE_BUFFER: Final = 512 * 1024
# Datagrams one pass may read in all (about 4 ms of work): a pass that drained 8 from each of 512
# sockets ran 30-40 ms, every timer (the 20 ms media clock) and every packet that arrived meanwhile
# waited for it, and the next pass found itself behind again. Bounded passes keep an overloaded
# relay's latency growing smoothly.
_PASS_BUDGET: Final = 512
# How deep a pass drains each ready socket, in step with the relay's own lag rather than guessed
# per pass. One datagram while it keeps up (fewer sockets ready than a batch): no recv is wasted
# finding a socket empty (the epoll is level-triggered, a socket still holding data is reported
# again). Once it has been behind - a full batch ready at every pass - for a whole packet interval
# (20 ms), every socket got another packet meanwhile: the depth doubles (up to 8) and the batch of
# sockets halves, the pass budget kept. Fewer epoll entries, passes and per-socket steps per packet:
# an overloaded relay gets cheaper per packet as its queues grow, and catches up (latency tens of
# ms) instead of falling seconds behind. When more than half the sockets of a pass run dry before
# the depth, it halves again.
_DRAIN_READS: Final = 8
_PACKET_INTERVAL: Final = 0.020
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
        self._legs: dict[int, RelayRecord] = {}  # by the bound socket's descriptor
        self._connected: dict[int, RelayRecord] = {}  # by the connected socket's descriptor
        self._connecting_failed = False
        self._buffer = bytearray(_MAX_DATAGRAM)
        self._view = memoryview(self._buffer)
        self.relayed = 0  # packets that took the in-place path
        self.passes = 0  # wake-ups that read sockets: relayed / passes is the batch the loop gets
        self._keeping_up_at = clock()  # the last pass that found fewer sockets ready than a batch
        self._depth = 1  # datagrams read per socket while behind (see _DRAIN_READS)
        loop.add_reader(self._epoll.fileno(), self._on_ready)

    def add(self, endpoint: Endpoint, sock: socket.socket) -> None:
        # The port was bound exclusively; sharing it is allowed from now on, for the connected socket.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        endpoint.rtp_socket = sock
        record = RelayRecord(endpoint, sock)
        record.reload()
        endpoint.relay_record = record
        self._legs[sock.fileno()] = record
        self._epoll.register(sock.fileno(), select.EPOLLIN)
        self.follow_latch(endpoint)

    def remove(self, endpoint: Endpoint) -> None:
        sock = endpoint.rtp_socket
        if sock is None:
            return
        record = endpoint.relay_record
        if record is not None:
            self._disconnect(record)
            record.fold()
            endpoint.relay_record = None
        fd = sock.fileno()
        if self._legs.pop(fd, None) is not None:
            self._epoll.unregister(fd)
        endpoint.rtp_socket = None
        sock.close()

    def follow_latch(self, endpoint: Endpoint) -> None:
        """Keeps the connected socket on the address the leg latched (none while unlatched).
        Called after every packet the engine's handler saw and after the far end's SDP changed."""
        record = endpoint.relay_record
        if record is None or endpoint.rtp_socket is None:
            return
        wanted = endpoint.target if endpoint.latched else None
        if wanted == record.connected_to:
            return
        if wanted is None:
            self._disconnect(record)
            return
        try:
            connected = record.connected
            if connected is None:
                connected = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                connected.setblocking(False)
                connected.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                connected.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
                try:
                    connected.bind(endpoint.rtp_socket.getsockname())
                    connected.connect(wanted)
                except OSError:
                    connected.close()
                    raise
                record.connected = connected
                record.receive_connected = connected.recv_into
                record.send_connected = connected.send
                self._connected[connected.fileno()] = record
                self._epoll.register(connected.fileno(), select.EPOLLIN)
            else:
                connected.connect(wanted)
        except OSError as error:
            self._disconnect(record)
            if not self._connecting_failed:  # correct without it, only slower: say it once
                self._connecting_failed = True
                log.warning("RTP: no connected socket for %s (%s); packets take the full path", wanted, error)
            return
        record.connected_to = wanted
        self._drain_connected(record)

    def _disconnect(self, record: RelayRecord) -> None:
        connected = record.connected
        if connected is None:
            return
        fd = connected.fileno()
        if self._connected.pop(fd, None) is not None:
            self._epoll.unregister(fd)
        connected.close()
        record.connected = record.connected_to = None
        record.receive_connected = record.send_connected = None

    def _drain_connected(self, record: RelayRecord) -> None:
        """Datagrams that reached the connected socket before (re)connecting may come from anyone:
        they are read with their source and handed to the engine like any packet of the bound socket."""
        while (connected := record.connected) is not None:  # handling one may re-latch or close
            try:
                length, addr = connected.recvfrom_into(self._buffer)
            except OSError:  # empty (or an ICMP error, consumed by reading it)
                return
            self._handle(record, length, addr, self._clock())

    def _handle(self, record: RelayRecord, length: int, addr: Address, now: float) -> None:
        """The engine's full handler for one packet in the buffer, with the relay's counts around it."""
        endpoint = record.endpoint
        record.fold()
        receive_rtp(endpoint, bytes(self._view[:length]), addr, now, self._handler)
        if endpoint.relay_record is record:  # still open
            record.reload()
            self.follow_latch(endpoint)

    def close(self) -> None:
        for record in list(self._legs.values()):
            self.remove(record.endpoint)
        self._loop.remove_reader(self._epoll.fileno())
        self._epoll.close()

    def _on_ready(self) -> None:
        now = self._clock()
        arrival = int(now * _CLOCK_RATE)  # in RTP units, for the jitter of every packet of the batch
        buffer, view, unpack, pack_into = self._buffer, self._view, _UNPACK, _PACK_INTO
        connected_legs, legs = self._connected, self._legs
        relayed = 0
        cut_length, cut = 0, view[:0]  # the last send slice: G.711 packets of a call share one length
        payload_end, payload = 0, view[:0]  # the last payload slice, for recorded legs
        depth = self._depth
        batch = _PASS_BUDGET // depth
        ready = self._epoll.poll(0, batch)
        behind = len(ready) == batch
        reads = range(depth if behind else 1)
        dry = 0  # sockets that held fewer datagrams than the pass would read
        for fd, _ in ready:
            record = connected_legs.get(fd)
            if record is None:  # the bound socket: not from the latched address
                record = legs.get(fd)
                if record is not None:
                    try:
                        length, addr = record.receive(buffer)
                    except OSError:  # nothing there after all, or an ICMP error queued on the socket
                        continue
                    self._handle(record, length, addr, now)
                continue
            receive = record.receive_connected
            for _ in reads:
                try:
                    length = receive(buffer)  # type: ignore[misc]  # set while connected
                except OSError:  # nothing (more) there, or the far end's ICMP error
                    dry += 1
                    break
                if length < 12:
                    continue
                first, second, sequence, timestamp, ssrc = unpack(buffer)
                if (
                    (peer_record := record.ready) is not None  # a 1:1 bridge in the plain case (`decide`)
                    and first == 0x80  # plain header: no CSRC, extension or padding
                    and ssrc == record.ssrc  # the stream the statistics know, moving forward
                    and 0 < (sequence - (highest := record.max_seq)) & 0xFFFF < _MAX_DROPOUT
                    and second & 0x7F == record.payload_type  # not DTMF, CN, RTCP
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
                    payload_length = length - 12
                    if (line := record.timeline) is not None:  # recorded, the usual way (`decide`)
                        if length != payload_end:
                            payload_end, payload = length, view[12:length]
                        # PayloadTimeline.put's usual case inlined: the next packet, in order.
                        if (
                            timestamp == line.end_timestamp
                            and ssrc == line.ssrc
                            and (end := (at := line.fill) + payload_length) <= line.room
                        ):
                            line.view[at:end] = payload
                            line.fill = end
                            line.end_timestamp = (timestamp + payload_length) & 0xFFFFFFFF
                        else:
                            line.put(ssrc, timestamp, payload, now)
                    elif record.timelines:  # several recordings, or another codec
                        _record(record, ssrc, timestamp, view[12:length], now)
                    # The peer's outgoing header (OutgoingStream.forward_into, inlined).
                    stream = peer_record.stream
                    if stream.source is not (endpoint := record.endpoint):
                        stream.source = endpoint
                        stream.ts_offset = (stream.wire_ts - timestamp) & 0xFFFFFFFF
                        second |= 0x80  # a new source on the peer's line: a talkspurt boundary
                    timestamp = (timestamp + stream.ts_offset) & 0xFFFFFFFF
                    stream.wire_ts = (timestamp + payload_length) & 0xFFFFFFFF  # G.711: a byte a sample
                    sequence = stream.sequence
                    stream.sequence = (sequence + 1) & 0xFFFF
                    stream.sent_packets += 1
                    stream.sent_octets += payload_length
                    pack_into(buffer, 0, 0x80, second, sequence, timestamp, stream.ssrc)
                    try:
                        if length != cut_length:
                            cut_length, cut = length, view[:length]
                        if (send := peer_record.send_connected) is not None:
                            send(cut)
                        else:  # the peer has not sent yet: toward its SDP address (`decide` saw one)
                            peer_record.send(cut, peer_record.endpoint.target)  # type: ignore[arg-type]
                    except OSError:  # a late RTP packet is worth nothing: counted, not retried
                        peer_record.endpoint.send_failures += 1
                    relayed += 1
                    continue
                self._handle(record, length, record.connected_to, now)  # type: ignore[arg-type]  # connected
                break  # the handler may have re-latched or closed the connected socket
        self.relayed += relayed
        self.passes += 1
        self._follow_lag(now, behind, len(ready), dry)

    def _follow_lag(self, now: float, behind: bool, served: int, dry: int) -> None:
        """The depth of the next pass (see _DRAIN_READS)."""
        if not behind:
            self._depth, self._keeping_up_at = 1, now
        elif dry * 2 > served and self._depth > 1:  # the queues are running out: catching up
            self._depth //= 2
            self._keeping_up_at = now
        elif dry * 4 < served and now - self._keeping_up_at > _PACKET_INTERVAL and self._depth < _DRAIN_READS:
            self._depth *= 2  # behind for a whole packet interval at this depth: queues are growing
            self._keeping_up_at = now


def _record(record: RelayRecord, ssrc: int, timestamp: int, payload: memoryview, now: float) -> None:
    codec = record.codec
    for line in record.timelines:
        recorded = payload if line.codec is codec else transcode(bytes(payload), codec, line.codec)
        line.put(ssrc, timestamp, recorded, now)
