"""RTP packets (RFC 3550 §5.1) and the sending side's header continuity.

The outgoing stream of a leg keeps one SSRC, one sequence space and one timestamp line for the
whole call: when what it carries changes (another forwarded source, a player, the mixer, a
re-INVITE), the next packet gets the marker bit and the timestamp continues from where the
previous source left off, so the far end sees one talkspurt boundary, not a new stream.
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass
from typing import Final

RTP_VERSION: Final = 2
HEADER = struct.Struct("!BBHII")
HEADER_SIZE: Final = HEADER.size
_PACK_INTO = HEADER.pack_into


class RtpParseError(ValueError):
    """The datagram is not an RTP packet we can carry."""


@dataclass(frozen=True, slots=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False

    def to_bytes(self) -> bytes:
        return (
            HEADER.pack(
                0x80,
                (0x80 if self.marker else 0) | self.payload_type,
                self.sequence,
                self.timestamp,
                self.ssrc,
            )
            + self.payload
        )


def parse_rtp(data: bytes) -> RtpPacket:
    """Parses an RTP packet, skipping CSRCs, header extension and padding."""
    if len(data) < HEADER_SIZE:
        raise RtpParseError("shorter than the RTP header")
    first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
    if first >> 6 != RTP_VERSION:
        raise RtpParseError("not RTP version 2")
    offset = HEADER_SIZE + 4 * (first & 0x0F)
    if first & 0x10:
        if len(data) < offset + 4:
            raise RtpParseError("truncated header extension")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if first & 0x20:
        if end <= offset:
            raise RtpParseError("padding without payload")
        end -= data[-1]
    if end < offset:
        raise RtpParseError("truncated packet")
    return RtpPacket(second & 0x7F, sequence, timestamp, ssrc, bytes(data[offset:end]), bool(second & 0x80))


def is_rtcp(data: bytes) -> bool:
    """RFC 5761 §4: payload types 64-95 after masking the marker are RTCP (SR 200 ... 207)."""
    return len(data) >= 2 and 192 <= data[1] <= 223


class OutgoingStream:
    """Header state of what one leg sends: fixed SSRC, continuous sequence and timestamps."""

    # Public slots: the relay's per-packet loop updates them inline (see `forward_into`).
    __slots__ = (
        "last_sent_at",
        "sent_octets",
        "sent_packets",
        "sequence",
        "source",
        "ssrc",
        "ts_offset",
        "wire_ts",
    )

    def __init__(self, ssrc: int | None = None) -> None:
        self.ssrc = secrets.randbits(32) if ssrc is None else ssrc
        self.sequence = secrets.randbits(16)
        self.wire_ts = secrets.randbits(32)  # timestamp of the next frame on our line
        self.source: object = None  # what produced the last packet sent
        self.ts_offset = 0  # wire timestamp - source timestamp, for the current forwarded source
        self.sent_packets = 0
        self.sent_octets = 0
        self.last_sent_at = 0.0

    @property
    def timestamp(self) -> int:
        return self.wire_ts

    def next_header(
        self, source: object, samples: int, source_timestamp: int | None = None
    ) -> tuple[int, int, bool]:
        """Returns (sequence, timestamp, marker) for the next packet and advances the stream.

        `source` identifies what produced the packet; `source_timestamp` is the forwarded
        packet's own timestamp (None for locally generated audio, which simply advances).
        """
        marker = source is not self.source
        if source_timestamp is None:
            timestamp = self.wire_ts
        else:
            if marker:
                self.ts_offset = (self.wire_ts - source_timestamp) & 0xFFFFFFFF
            timestamp = (source_timestamp + self.ts_offset) & 0xFFFFFFFF
        self.source = source
        sequence = self.sequence
        self.sequence = (sequence + 1) & 0xFFFF
        self.wire_ts = (timestamp + samples) & 0xFFFFFFFF
        return sequence, timestamp, marker

    def forward(
        self, source: object, source_timestamp: int, payload_type: int, marker: bool, payload: bytes
    ) -> bytes:
        """A forwarded packet re-stamped onto this stream, as a new datagram (transcoded legs)."""
        packet = bytearray(HEADER_SIZE + len(payload))
        packet[HEADER_SIZE:] = payload
        self.forward_into(packet, len(packet), source, source_timestamp, payload_type, marker)
        return bytes(packet)

    def forward_into(
        self,
        packet: bytearray,
        length: int,
        source: object,
        source_timestamp: int,
        payload_type: int,
        marker: bool,
    ) -> None:
        """Re-stamps a received packet in place: `packet[:length]` is a plain 12-byte header and
        the payload; the header is overwritten with ours, the payload is never copied. This is
        the per-packet path of a pass-through bridge, hence one function with no calls in it."""
        if source is not self.source:
            self.source = source
            self.ts_offset = (self.wire_ts - source_timestamp) & 0xFFFFFFFF
            marker = True
        timestamp = (source_timestamp + self.ts_offset) & 0xFFFFFFFF
        sequence = self.sequence
        self.sequence = (sequence + 1) & 0xFFFF
        payload_length = length - HEADER_SIZE
        self.wire_ts = (timestamp + payload_length) & 0xFFFFFFFF  # G.711: one byte per sample
        self.sent_packets += 1
        self.sent_octets += payload_length
        _PACK_INTO(packet, 0, 0x80, (0x80 if marker else 0) | payload_type, sequence, timestamp, self.ssrc)

    def event_header(self, source: object) -> tuple[int, bool]:
        """Sequence and marker for a packet that carries no new media time (RFC 4733 updates)."""
        marker = source is not self.source
        self.source = source
        sequence = self.sequence
        self.sequence = (sequence + 1) & 0xFFFF
        return sequence, marker

    def advance(self, samples: int) -> None:
        self.wire_ts = (self.wire_ts + samples) & 0xFFFFFFFF

    def pack(self, payload_type: int, sequence: int, timestamp: int, marker: bool, payload: bytes) -> bytes:
        self.sent_packets += 1
        self.sent_octets += len(payload)
        return (
            HEADER.pack(0x80, (0x80 if marker else 0) | payload_type, sequence, timestamp, self.ssrc)
            + payload
        )
