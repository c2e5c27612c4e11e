"""One leg's RTP/RTCP session: sockets, symmetric RTP with latching, receive and send state."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from c122.telephony.media.codecs import Codec, Pcm
from c122.telephony.media.dtmf import EventReceiver, InbandDetector
from c122.telephony.media.jitter import JitterBuffer
from c122.telephony.media.messages import Direction
from c122.telephony.media.rtcp import ReceiveStats, ReportBlock, parse_compound
from c122.telephony.media.rtp import HEADER, OutgoingStream

if TYPE_CHECKING:
    from c122.telephony.media.recording import PayloadTimeline
    from c122.telephony.media.sources import Source

Address = tuple[str, int]
RELATCH_AFTER: Final = 0.5  # seconds of silence from the latched address before another may take over
_UNPACK = HEADER.unpack_from

PacketHandler = Callable[["Endpoint", int, int, int, int, bool, bytes, float], None]
"""(endpoint, payload type, sequence, timestamp, SSRC, marker, payload, arrival time)"""


class RelayRecord:
    """What the relay's in-place path needs of one leg, as plain slots and ints.

    The relay counts in-order packets here instead of calling `ReceiveStats.update`; `fold`
    moves the counts into the leg's `ReceiveStats` (read by RTCP, LegStats and /metrics) and
    `reload` takes them back after the full handler changed the statistics. Only a packet that
    moves the known stream forward (in order, or after a gap) is counted here: `ssrc` is -1
    until the statistics have a stream with a transit time, so the first packet, duplicates,
    late packets, big jumps and a new SSRC always take the full handler.

    Once the leg has latched, a second socket on the same port is connected to the far end
    (`SO_REUSEPORT`; the kernel gives a connected socket the datagrams of its peer and the
    bound one everything else): reading it needs no source address and sending from it no
    destination, which is most of the system calls' cost beyond the copy. Datagrams from
    anyone else still arrive on the bound socket, so a new source can take over (re-latch).
    """

    __slots__ = (
        "codec",
        "connected",
        "connected_to",
        "endpoint",
        "jitter",
        "last_arrival",
        "max_seq",
        "payload_type",
        "ready",
        "receive",
        "receive_connected",
        "received",
        "send",
        "send_connected",
        "ssrc",
        "stream",
        "timeline",
        "timelines",
        "transit",
        "wraps",
    )

    def __init__(self, endpoint: Endpoint, sock: socket.socket) -> None:
        self.endpoint = endpoint
        self.receive = sock.recvfrom_into  # the bound socket: first packets, strangers
        self.send = sock.sendto
        self.connected: socket.socket | None = None  # to `connected_to`, the latched address
        self.connected_to: Address | None = None
        self.receive_connected: Callable[[bytearray], int] | None = None
        self.send_connected: Callable[[memoryview], int] | None = None
        self.ssrc = -1
        self.max_seq = 0
        self.transit = 0  # arrival in RTP units - RTP timestamp, of the last packet
        self.jitter = 0  # RFC 3550 A.8: interarrival jitter x 16, in RTP units
        self.last_arrival = 0.0
        self.received = 0  # since the last fold
        self.wraps = 0  # sequence wrap-arounds since the last fold
        self.stream = endpoint.stream  # what this leg sends: the peer's relay rewrites onto it
        # Decided by `decide` whenever a fact it rests on changes, not per packet:
        self.ready: RelayRecord | None = None  # the peer's record while packets may go in place
        self.codec = endpoint.codec
        self.payload_type = endpoint.codec.payload_type
        self.timeline: PayloadTimeline | None = None
        self.timelines: tuple[PayloadTimeline, ...] = ()
        self._follow_recordings()

    def decide(self) -> None:
        """Whether this leg's media packets may be forwarded in place, and to whom: a 1:1 bridge
        whose two legs share the codec, this leg receiving, not mixed and without an in-band
        detector, the peer sending to a known address and playing nothing, no DTMF queued."""
        endpoint = self.endpoint
        peer = endpoint.forward_to
        codec = self.codec = endpoint.codec
        self.payload_type = codec.payload_type
        self._follow_recordings()
        self.ready = (
            peer.relay_record
            if peer is not None
            and peer.codec is codec
            and endpoint.can_receive
            and endpoint.jitter is None
            and endpoint.inband is None
            and peer.source is None
            and not peer.dtmf_out
            and peer.can_send
            and peer.target is not None
            else None
        )

    def _follow_recordings(self) -> None:
        """The recording of what this leg receives, as the relay reads it per packet: `timeline`,
        the usual one recording in the leg's codec (written inline), else all of them in `timelines`."""
        lines = self.endpoint.timelines
        only = lines[0] if len(lines) == 1 and lines[0].codec is self.codec else None
        self.timeline, self.timelines = only, () if only is not None else lines

    def fold(self) -> None:
        """Hands the counts since the last fold to the leg's statistics."""
        if not self.received:
            return
        endpoint = self.endpoint
        stats = endpoint.receive_stats
        stats.absorb(self.max_seq, self.wraps, self.received, self.transit, self.jitter / 16.0)
        if self.last_arrival > endpoint.last_received:
            endpoint.last_received = self.last_arrival
        endpoint.timed_out = False
        self.received = self.wraps = 0

    def reload(self) -> None:
        """Takes the statistics' current stream state (after the full handler ran)."""
        position = self.endpoint.receive_stats.stream_position()
        if position is None:
            self.ssrc = -1
            return
        self.ssrc, self.max_seq, transit, jitter = position
        self.transit = int(transit)
        self.jitter = round(jitter * 16)


# The facts `RelayRecord.decide` rests on: setting one re-decides this leg and the leg forwarding
# to it, so the relay reads one decision per packet and no change can be missed.
_FORWARDING_FACTS: Final = frozenset(
    {"can_receive", "can_send", "codec", "forward_to", "inband", "jitter", "relay_record", "source", "target",
     "timelines"}
)  # fmt: skip


class Endpoint:
    """State of one leg. The engine owns the decisions; this class keeps the facts."""

    # Slots: the relay reads a dozen of these per packet, and a slot is a fixed offset.
    __slots__ = (
        "_direction",
        "can_receive",
        "can_send",
        "closed",
        "codec",
        "declared_remote",
        "dtmf_in",
        "dtmf_out",
        "dtmf_payload_type",
        "dtmf_timestamp",
        "endpoint_id",
        "forward_to",
        "forwarded_from",
        "heard_timelines",
        "inband",
        "jitter",
        "last_received",
        "latched",
        "media_timeout",
        "next_rtcp",
        "playback_id",
        "port",
        "receive_stats",
        "relay_record",
        "remote_block",
        "rtcp",
        "rtcp_mux",
        "rtp_socket",
        "send_failures",
        "source",
        "stream",
        "target",
        "timed_out",
        "timelines",
    )

    def __init__(
        self,
        endpoint_id: str,
        port: int,
        codec: Codec,
        dtmf_payload_type: int | None,
        remote: Address | None,
        inband_dtmf: bool,
        media_timeout: float | None,
        opened_at: float,
    ) -> None:
        self.forwarded_from: Endpoint | None = None  # first: every fact set below reads these two
        self.relay_record: RelayRecord | None = None  # while the relay serves the RTP socket
        self.endpoint_id = endpoint_id
        self.port = port
        self.codec = codec
        self.dtmf_payload_type = dtmf_payload_type
        self.declared_remote = remote
        self.target: Address | None = remote  # where we send: the SDP address until a packet latches it
        self.latched = False
        self._direction = Direction.SENDRECV
        self.can_send = True  # the direction, unpacked for the per-packet path
        self.can_receive = True
        self.media_timeout = media_timeout
        self.rtp_socket: socket.socket | None = None  # read by the engine's RtpRelay, written here
        self.rtcp: asyncio.DatagramTransport | None = None
        self.stream = OutgoingStream()
        self.receive_stats = ReceiveStats()  # current as of the last fold: read `stats`
        self.dtmf_in = EventReceiver()
        self.inband = InbandDetector() if inband_dtmf else None
        self.jitter: JitterBuffer[Pcm] | None = None  # decoded, while the leg is mixed
        self.timelines: tuple[PayloadTimeline, ...] = ()  # the recordings of what this leg receives
        self.heard_timelines: tuple[PayloadTimeline, ...] = ()  # the recordings of the mix it is sent
        self.last_received = opened_at
        self.remote_block: ReportBlock | None = None
        self.timed_out = False
        self.next_rtcp = opened_at + 5.0
        self.forward_to: Endpoint | None = None  # the other side of a pass-through bridge
        self.source: Source | None = None  # a playback replacing what the bridge sends
        self.playback_id: str | None = None
        self.dtmf_out: list[tuple[bytes | None, bool]] = []  # (payload or a silent gap, first of event)
        self.dtmf_timestamp = 0
        self.rtcp_mux = False
        self.closed = False
        self.send_failures = 0  # datagrams the kernel refused (full buffer, ICMP error): not retried

    def __setattr__(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        if name in _FORWARDING_FACTS:
            self.reconsider_forwarding()

    def reconsider_forwarding(self) -> None:
        if self.relay_record is not None:
            self.relay_record.decide()
        sender = self.forwarded_from
        if sender is not None and sender.relay_record is not None:
            sender.relay_record.decide()

    def queue_dtmf(self, packets: list[tuple[bytes | None, bool]]) -> None:
        """Telephone events to send, one a tick; what is forwarded to this leg waits meanwhile."""
        self.dtmf_out.extend(packets)
        self.reconsider_forwarding()

    def next_dtmf(self) -> tuple[bytes | None, bool]:
        packet = self.dtmf_out.pop(0)
        if not self.dtmf_out:
            self.reconsider_forwarding()
        return packet

    @property
    def stats(self) -> ReceiveStats:
        """The receive statistics, with the relay's counts folded in."""
        if self.relay_record is not None:
            self.relay_record.fold()
        return self.receive_stats

    def fold_relay_counts(self) -> None:
        if self.relay_record is not None:
            self.relay_record.fold()

    @property
    def direction(self) -> Direction:
        return self._direction

    @direction.setter
    def direction(self, direction: Direction) -> None:
        self._direction = direction
        self.can_send = direction.sends
        self.can_receive = direction.receives

    def send_rtp(self, data: bytes) -> None:
        if self.target is not None and self.can_send:
            self.send_datagram(data, self.target)

    def send_datagram(self, data: bytes | memoryview, target: Address) -> None:
        """Sends from the RTP port at once. A late RTP packet is worth nothing, so one the kernel
        cannot take now (full buffer, an ICMP error from the far end) is counted and dropped."""
        if self.rtp_socket is None:
            return
        try:
            self.rtp_socket.sendto(data, target)
        except OSError:
            self.send_failures += 1

    def send_rtcp(self, data: bytes) -> None:
        if self.target is None:
            return
        if self.rtcp_mux:
            self.send_datagram(data, self.target)
        elif self.rtcp is not None:
            self.rtcp.sendto(data, (self.target[0], self.target[1] + 1))

    def latch(self, address: Address, now: float) -> bool:
        """Symmetric RTP (RFC 4961): answer to where packets come from, for callers behind NAT."""
        if address == self.target and self.latched:
            return True
        if not self.latched or now - self.last_received > RELATCH_AFTER:
            self.target = address
            self.latched = True
            return True
        return False  # a stranger while the latched source is live: drop, don't hijack


def _payload_of(data: bytes, first: int) -> bytes:
    offset = 12 + 4 * (first & 0x0F)
    if first & 0x10 and len(data) >= offset + 4:
        offset += 4 + 4 * struct.unpack_from("!H", data, offset + 2)[0]
    end = len(data) - (data[-1] if first & 0x20 else 0)
    return data[offset:end]


def receive_rtp(endpoint: Endpoint, data: bytes, addr: Address, now: float, handler: PacketHandler) -> None:
    """Parses the fixed header (and whatever follows it), latches, and hands the packet on."""
    if len(data) < 12:
        return
    first, second, sequence, timestamp, ssrc = _UNPACK(data)
    if first != 0x80:  # not a plain RTP v2 header: RTCP-mux, CSRCs, extension or padding
        if first & 0xC0 != 0x80:
            return
        if 192 <= second <= 223:  # RTCP multiplexed on the RTP port (RFC 5761)
            receive_rtcp(endpoint, data, now)
            return
        payload = _payload_of(data, first)
    else:
        if 192 <= second <= 223:
            receive_rtcp(endpoint, data, now)
            return
        payload = data[12:]
    if (addr != endpoint.target or not endpoint.latched) and not endpoint.latch(addr, now):
        return
    handler(endpoint, second & 0x7F, sequence, timestamp, ssrc, second > 127, payload, now)


def receive_rtcp(endpoint: Endpoint, data: bytes, now: float) -> None:
    try:
        reports = parse_compound(data)
    except ValueError:
        return
    for report in reports:
        if report.ntp_middle and report.ssrc == endpoint.stats.ssrc:
            endpoint.stats.last_sr_ntp_middle = report.ntp_middle
            endpoint.stats.last_sr_arrival = now
        for block in report.blocks:
            if block.ssrc == endpoint.stream.ssrc:
                endpoint.remote_block = block  # how the far end hears us


class RtcpProtocol(asyncio.DatagramProtocol):
    def __init__(self, endpoint: Endpoint, clock: Callable[[], float]) -> None:
        self._endpoint = endpoint
        self._clock = clock

    def datagram_received(self, data: bytes, addr: Address) -> None:
        receive_rtcp(self._endpoint, data, self._clock())

    def error_received(self, exc: Exception) -> None:
        pass
