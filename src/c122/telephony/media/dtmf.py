"""DTMF: RFC 4733 telephone-events in and out, and in-band detection for trunks without them."""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np

from c122.telephony.media.codecs import FRAME_SAMPLES, SAMPLE_RATE, Pcm

EVENTS: Final = "0123456789*#ABCD"
_EVENT_OF: Final = {digit: code for code, digit in enumerate(EVENTS)}
_PAYLOAD = struct.Struct("!BBH")
END_REPETITIONS: Final = 3  # RFC 4733 §2.5.1.4: the end packet is sent three times
DEFAULT_VOLUME: Final = 10


def event_code(digit: str) -> int:
    try:
        return _EVENT_OF[digit.upper()]
    except KeyError:
        raise ValueError(f"not a DTMF digit: {digit!r}") from None


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    event: int
    end: bool
    volume: int
    duration: int

    @property
    def digit(self) -> str | None:
        return EVENTS[self.event] if self.event < len(EVENTS) else None

    def to_bytes(self) -> bytes:
        return _PAYLOAD.pack(self.event, (0x80 if self.end else 0) | (self.volume & 0x3F), self.duration)


def parse_event(payload: bytes) -> TelephoneEvent:
    if len(payload) < _PAYLOAD.size:
        raise ValueError("telephone-event payload shorter than 4 bytes")
    event, flags, duration = _PAYLOAD.unpack_from(payload)
    return TelephoneEvent(event, bool(flags & 0x80), flags & 0x3F, duration)


class EventReceiver:
    """Turns a stream of telephone-event packets into digits, once each.

    A digit is reported on the first packet of its event (the RTP timestamp names the event);
    the later updates and the redundant end packets of the same event are suppressed.
    """

    __slots__ = ("_last_end", "_seen")

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._last_end: list[int] = []

    def receive(self, timestamp: int, payload: bytes) -> str | None:
        try:
            event = parse_event(payload)
        except ValueError:
            return None
        if timestamp in self._seen:
            return None
        self._seen.add(timestamp)
        self._last_end.append(timestamp)
        if len(self._last_end) > 64:  # remember a bounded window of recent events
            self._seen.discard(self._last_end.pop(0))
        return event.digit


class EventSender:
    """Packets for one digit: updates every 20 ms while it lasts, then the end packet three times.

    Yields (payload, first) per 20 ms tick; all packets of the event share one RTP timestamp,
    the first carries the marker bit.
    """

    def __init__(self, digit: str, duration_ms: int = 100, volume: int = DEFAULT_VOLUME) -> None:
        self.event = event_code(digit)
        self.digit = digit
        self.total = max(FRAME_SAMPLES, duration_ms * SAMPLE_RATE // 1000)
        self.volume = volume

    def packets(self) -> Iterator[tuple[bytes, bool]]:
        duration = FRAME_SAMPLES
        first = True
        while duration < self.total:
            yield TelephoneEvent(self.event, False, self.volume, duration).to_bytes(), first
            first = False
            duration += FRAME_SAMPLES
        end = TelephoneEvent(self.event, True, self.volume, min(self.total, 0xFFFF)).to_bytes()
        for _ in range(END_REPETITIONS):
            yield end, first
            first = False


_ROWS: Final = (697.0, 770.0, 852.0, 941.0)
_COLUMNS: Final = (1209.0, 1336.0, 1477.0, 1633.0)
_KEYPAD: Final = ("123A", "456B", "789C", "*0#D")


def bin_power_matrix(frequencies: tuple[float, ...], samples: int) -> np.ndarray:
    """cos/sin rows whose product with a frame gives the Goertzel power at each frequency."""
    n = np.arange(samples)
    angles = 2.0 * np.pi * np.outer(np.asarray(frequencies), n) / SAMPLE_RATE
    return np.vstack([np.cos(angles), np.sin(angles)])


class InbandDetector:
    """Goertzel-style detection of DTMF pairs in decoded audio (ITU-T Q.24 style checks).

    For each 20 ms frame it computes the power at the eight DTMF frequencies (the value the
    Goertzel recurrence yields, done as one matrix product), requires one row and one column
    tone to stand out from the rest and to carry most of the frame's energy, and reports a
    digit after it was seen in two consecutive frames, again only after a gap.
    """

    MIN_POWER: Final = 1e5
    MAX_TWIST_DB: Final = 8.0

    def __init__(self) -> None:
        self._matrix = bin_power_matrix(_ROWS + _COLUMNS, FRAME_SAMPLES)
        self._candidate: str | None = None
        self._reported: str | None = None
        self._count = 0

    def feed(self, frame: Pcm) -> str | None:
        digit = self._classify(frame)
        if digit is None:
            self._candidate = None
            self._count = 0
            self._reported = None
            return None
        if digit == self._candidate:
            self._count += 1
        else:
            self._candidate = digit
            self._count = 1
        if self._count >= 2 and self._reported != digit:
            self._reported = digit
            return digit
        return None

    def _classify(self, frame: Pcm) -> str | None:
        if frame.shape[0] != FRAME_SAMPLES:
            return None
        signal = frame.astype(np.float64)
        projections = self._matrix @ signal
        power = projections[:8] ** 2 + projections[8:] ** 2
        rows, columns = power[:4], power[4:]
        row, column = int(np.argmax(rows)), int(np.argmax(columns))
        row_power, column_power = float(rows[row]), float(columns[column])
        if row_power < self.MIN_POWER or column_power < self.MIN_POWER:
            return None
        # The strongest row and column must carry most of the frame: speech and music spread their
        # energy wider. Checked before the others: it turns away almost every frame that is no key.
        total = float(np.dot(signal, signal)) * FRAME_SAMPLES / 2.0
        if (row_power + column_power) < 0.5 * total:
            return None
        twist = 10.0 * math.log10(max(row_power, column_power) / min(row_power, column_power))
        if twist > self.MAX_TWIST_DB:
            return None
        # They must also dominate their groups.
        if np.sort(rows)[-2] * 6.3 > row_power or np.sort(columns)[-2] * 6.3 > column_power:
            return None
        return _KEYPAD[row][column]
