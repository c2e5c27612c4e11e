"""RTCP sender and receiver reports (RFC 3550 §6.4) and receive statistics (Appendix A.1, A.3, A.8)."""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from typing import Final

SR: Final = 200
RR: Final = 201
_NTP_EPOCH_OFFSET: Final = 2_208_988_800
_REPORT_BLOCK = struct.Struct("!IIIIII")
_SEQ_MOD: Final = 1 << 16
_MAX_DROPOUT: Final = 3000
_MAX_MISORDER: Final = 100


class ReceiveStats:
    """What one leg has received from its far end: sequence tracking, loss and interarrival jitter."""

    __slots__ = (
        "_bad_seq",
        "_base_seq",
        "_cycles",
        "_expected_prior",
        "_jitter",
        "_max_seq",
        "_received_prior",
        "_transit",
        "clock_rate",
        "duplicates",
        "last_sr_arrival",
        "last_sr_ntp_middle",
        "received",
        "ssrc",
    )

    def __init__(self, clock_rate: int = 8000) -> None:
        self.clock_rate = clock_rate
        self.ssrc: int | None = None
        self.received = 0
        self.duplicates = 0
        self._base_seq = 0
        self._max_seq = 0
        self._cycles = 0
        self._bad_seq = _SEQ_MOD + 1
        self._transit: float | None = None
        self._jitter = 0.0
        self._expected_prior = 0
        self._received_prior = 0
        self.last_sr_ntp_middle = 0
        self.last_sr_arrival = 0.0

    def stream_position(self) -> tuple[int, int, float, float] | None:
        """(SSRC, highest sequence, last transit, jitter) once a stream has a transit time: where
        a counter outside this object (the relay's in-place path) can carry on from."""
        if self.ssrc is None or self._transit is None:
            return None
        return self.ssrc, self._max_seq, self._transit, self._jitter

    def absorb(self, max_seq: int, wraps: int, received: int, transit: float, jitter: float) -> None:
        """Takes over what such a counter saw of the same stream, moving forward only: the new
        highest sequence, its 16-bit wraps, the packets, and the last transit and jitter."""
        self._max_seq = max_seq
        self._cycles += wraps * _SEQ_MOD
        self.received += received
        self._transit = transit
        self._jitter = jitter

    def update(self, ssrc: int, sequence: int, timestamp: int, arrival: float) -> bool:
        """Records one packet; returns False for a duplicate or a packet from a stale sequence."""
        if ssrc == self.ssrc and sequence == (self._max_seq + 1) & 0xFFFF:
            # The usual case, in order: keep it short, it runs for every packet of every leg.
            if sequence == 0:
                self._cycles += _SEQ_MOD
            self._max_seq = sequence
            self.received += 1
            transit = arrival * self.clock_rate - timestamp
            if self._transit is not None:
                difference = abs(transit - self._transit)
                if difference < self.clock_rate * 10:
                    self._jitter += (difference - self._jitter) / 16.0
            self._transit = transit
            return True
        delta = (sequence - self._max_seq) & 0xFFFF
        if self.ssrc != ssrc:
            self._restart(ssrc, sequence)
        elif delta == 0:
            self.duplicates += 1
            return False
        elif delta < _MAX_DROPOUT:
            if sequence < self._max_seq:
                self._cycles += _SEQ_MOD
            self._max_seq = sequence
        elif delta <= _SEQ_MOD - _MAX_MISORDER:
            if sequence == self._bad_seq:
                self._restart(ssrc, sequence)  # two in a row: the source restarted its sequence
            else:
                self._bad_seq = (sequence + 1) & 0xFFFF
                return False
        self.received += 1
        transit = arrival * self.clock_rate - timestamp
        if self._transit is not None:
            difference = abs(transit - self._transit)
            if difference < self.clock_rate * 10:  # a timestamp jump is a new talkspurt, not jitter
                self._jitter += (difference - self._jitter) / 16.0
        self._transit = transit
        return True

    def _restart(self, ssrc: int, sequence: int) -> None:
        self.ssrc = ssrc
        self._base_seq = sequence
        self._max_seq = sequence
        self._cycles = 0
        self._bad_seq = _SEQ_MOD + 1
        self.received = 0
        self._expected_prior = 0
        self._received_prior = 0
        self._transit = None

    @property
    def expected(self) -> int:
        if self.ssrc is None:
            return 0
        return self._cycles + self._max_seq - self._base_seq + 1

    @property
    def lost(self) -> int:
        return max(0, self.expected - self.received)

    @property
    def jitter_samples(self) -> float:
        return self._jitter

    @property
    def jitter_ms(self) -> float:
        return self._jitter * 1000.0 / self.clock_rate

    def report_block(self, now: float) -> bytes:
        """An RR report block; moves the 'since last report' counters forward."""
        expected = self.expected
        interval_expected = expected - self._expected_prior
        interval_received = self.received - self._received_prior
        self._expected_prior = expected
        self._received_prior = self.received
        interval_lost = interval_expected - interval_received
        fraction = (
            0 if interval_expected <= 0 or interval_lost <= 0 else (interval_lost << 8) // interval_expected
        )
        cumulative = max(-(1 << 23), min(self.lost, (1 << 23) - 1)) & 0xFFFFFF
        dlsr = int((now - self.last_sr_arrival) * 65536) if self.last_sr_ntp_middle else 0
        return _REPORT_BLOCK.pack(
            self.ssrc or 0,
            (min(fraction, 255) << 24) | cumulative,
            (self._cycles + self._max_seq) & 0xFFFFFFFF,
            int(self._jitter) & 0xFFFFFFFF,
            self.last_sr_ntp_middle,
            dlsr & 0xFFFFFFFF,
        )


@dataclass(frozen=True, slots=True)
class ReportBlock:
    ssrc: int
    fraction_lost: float
    cumulative_lost: int
    highest_sequence: int
    jitter_samples: int
    last_sr: int
    delay_since_last_sr: int


@dataclass(frozen=True, slots=True)
class RtcpReport:
    packet_type: int
    ssrc: int
    ntp_middle: int
    rtp_timestamp: int
    packet_count: int
    octet_count: int
    blocks: tuple[ReportBlock, ...]


def ntp_now(wall: float | None = None) -> tuple[int, int]:
    seconds = (time.time() if wall is None else wall) + _NTP_EPOCH_OFFSET
    whole = int(seconds)
    return whole & 0xFFFFFFFF, int((seconds - whole) * (1 << 32)) & 0xFFFFFFFF


def build_report(
    ssrc: int,
    *,
    sent_packets: int,
    sent_octets: int,
    rtp_timestamp: int,
    receive: ReceiveStats | None,
    now: float,
    wall: float | None = None,
) -> bytes:
    """An SR when we have sent media, otherwise an RR; one report block for the far end if heard."""
    blocks = receive.report_block(now) if receive is not None and receive.ssrc is not None else b""
    count = 1 if blocks else 0
    if sent_packets:
        msw, lsw = ntp_now(wall)
        body = struct.pack(
            "!IIIIII", ssrc, msw, lsw, rtp_timestamp, sent_packets & 0xFFFFFFFF, sent_octets & 0xFFFFFFFF
        )
        packet_type = SR
    else:
        body = struct.pack("!I", ssrc)
        packet_type = RR
    body += blocks
    length_words = (len(body) + 4) // 4 - 1
    return struct.pack("!BBH", 0x80 | count, packet_type, length_words) + body


def parse_compound(data: bytes) -> list[RtcpReport]:
    """Parses the SR and RR packets of a compound RTCP datagram; other types are skipped."""
    reports: list[RtcpReport] = []
    offset = 0
    while offset + 4 <= len(data):
        first, packet_type, length_words = struct.unpack_from("!BBH", data, offset)
        end = offset + 4 * (length_words + 1)
        if first >> 6 != 2 or end > len(data):
            raise ValueError("malformed RTCP packet")
        count = first & 0x1F
        if packet_type == SR and end - offset >= 28:
            ssrc, msw, lsw, rtp_ts, packets, octets = struct.unpack_from("!IIIIII", data, offset + 4)
            reports.append(
                RtcpReport(
                    SR,
                    ssrc,
                    ((msw & 0xFFFF) << 16) | (lsw >> 16),
                    rtp_ts,
                    packets,
                    octets,
                    _blocks(data, offset + 28, count, end),
                )
            )
        elif packet_type == RR and end - offset >= 8:
            (ssrc,) = struct.unpack_from("!I", data, offset + 4)
            reports.append(RtcpReport(RR, ssrc, 0, 0, 0, 0, _blocks(data, offset + 8, count, end)))
        offset = end
    return reports


def _blocks(data: bytes, offset: int, count: int, end: int) -> tuple[ReportBlock, ...]:
    blocks = []
    for index in range(count):
        start = offset + index * _REPORT_BLOCK.size
        if start + _REPORT_BLOCK.size > end:
            break
        ssrc, loss, highest, jitter, lsr, dlsr = _REPORT_BLOCK.unpack_from(data, start)
        cumulative = loss & 0xFFFFFF
        if cumulative & 0x800000:
            cumulative -= 1 << 24
        blocks.append(ReportBlock(ssrc, (loss >> 24) / 256.0, cumulative, highest, jitter, lsr, dlsr))
    return tuple(blocks)
