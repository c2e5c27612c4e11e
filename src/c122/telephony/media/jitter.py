"""Adaptive jitter buffer for legs that are mixed, with packet-loss concealment.

Frames are keyed by RTP timestamp and played out one per 20 ms tick. The target depth follows
the measured interarrival jitter (grow fast on late packets, shrink slowly by dropping a frame
when the buffer runs deeper than needed). A missing frame is concealed by repeating the last
good one, fading; after a few concealed frames the output goes silent.

A mixed leg holds decoded frames (`pcm_jitter_buffer`). `payload_jitter_buffer` plays out
undecoded G.711 payloads the same way; recordings no longer use it (they place payloads by
timestamp, see `recording`), it stays for a leg that must be paced without decoding.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar

import numpy as np

from c122.telephony.media.codecs import FRAME_SAMPLES, SAMPLE_RATE, Codec, Pcm


class _Frame(Protocol):
    def __len__(self) -> int: ...

    def __getitem__(self, index: slice, /) -> Any: ...


F = TypeVar("F", bound=_Frame)


@dataclass(frozen=True, slots=True)
class FrameKind(Generic[F]):
    """How to make silence, conceal a loss and pad a short packet for one kind of frame."""

    silence: F
    fade: Callable[[F, int], F]  # (last good frame, missing in a row) -> concealment frame
    pad: Callable[[F], F]  # a packet shorter than 20 ms, filled up with silence


_WRAP: Final = 1 << 32
_HALF: Final = 1 << 31
_RESYNC_FRAMES: Final = 50  # a jump of more than a second is a new stream, not jitter
_CONCEAL_FRAMES: Final = 3
_CONCEAL_GAIN: Final = 0.6
SILENCE: Final = np.zeros(FRAME_SAMPLES, dtype=np.int16)


class JitterBuffer(Generic[F]):
    __slots__ = (
        "_frames",
        "_jitter",
        "_kind",
        "_last_arrival",
        "_last_good",
        "_last_ts",
        "_missing_run",
        "_next",
        "_played_to",
        "_playing",
        "_shrink_credit",
        "codec",
        "concealed",
        "dropped",
        "late",
        "max_frames",
        "min_frames",
        "played",
        "target_frames",
    )

    def __init__(
        self, kind: FrameKind[F], min_frames: int = 1, max_frames: int = 10, codec: Codec | None = None
    ) -> None:
        self._kind = kind
        self.codec = codec  # for payload frames: the G.711 law they are kept in
        self.min_frames = min_frames
        self.max_frames = max_frames
        self.target_frames = min_frames + 1
        self._frames: dict[int, F] = {}
        self._next: int | None = None  # unwrapped timestamp of the next frame to play
        self._played_to: int | None = None  # frames before this were played or given up
        self._playing = False
        self._last_good: F | None = None
        self._jitter = 0.0
        self._last_arrival: float | None = None
        self._last_ts = 0
        self._shrink_credit = 0
        self._missing_run = 0
        self.played = 0
        self.concealed = 0
        self.late = 0
        self.dropped = 0

    def _unwrap(self, timestamp: int) -> int:
        assert self._next is not None
        delta = ((timestamp - self._next) + _HALF) % _WRAP - _HALF
        return self._next + delta

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def depth(self) -> int:
        return len(self._frames)

    def put(self, timestamp: int, pcm: F, arrival: float) -> None:
        if self._next is None:
            self._reset(timestamp)
        position = self._unwrap(timestamp)
        reference = self._last_ts if self._last_arrival is not None else self._next_or_zero()
        offset_frames = (position - reference) // FRAME_SAMPLES
        if offset_frames > _RESYNC_FRAMES or offset_frames < -_RESYNC_FRAMES:
            self._reset(timestamp)
            position = timestamp
        self._track_jitter(position, arrival)
        if self._played_to is not None and position < self._played_to:
            self.late += 1
            self._grow()
            return
        for start in range(0, len(pcm), FRAME_SAMPLES):
            chunk = pcm[start : start + FRAME_SAMPLES]
            if len(chunk) < FRAME_SAMPLES:
                chunk = self._kind.pad(chunk)
            self._frames[position + start] = chunk
        if not self._playing and len(self._frames) >= self.target_frames:
            self._playing = True
            self._next = min(self._frames)  # start from the earliest frame held, after reordering

    def _next_or_zero(self) -> int:
        return 0 if self._next is None else self._next

    def _reset(self, timestamp: int) -> None:
        self._frames.clear()
        self._next = timestamp
        self._played_to = None
        self._playing = False
        self._last_arrival = None

    def _track_jitter(self, position: int, arrival: float) -> None:
        if self._last_arrival is not None:
            transit_change = (arrival - self._last_arrival) * SAMPLE_RATE - (position - self._last_ts)
            self._jitter += (abs(transit_change) - self._jitter) / 16.0
            wanted = 1 + math.ceil(3.0 * self._jitter / FRAME_SAMPLES)
            wanted = max(self.min_frames, min(self.max_frames, wanted))
            if wanted > self.target_frames:
                self.target_frames = wanted
        self._last_arrival = arrival
        self._last_ts = position

    def _grow(self) -> None:
        self.target_frames = min(self.max_frames, self.target_frames + 1)

    def pull(self) -> F | None:
        """The next 20 ms frame, a concealment frame, or None while nothing is being played."""
        if not self._playing or self._next is None:
            return None
        frame = self._frames.pop(self._next, None)
        self._next += FRAME_SAMPLES
        self._played_to = self._next
        if frame is not None:
            self._last_good = frame
            self._missing_run = 0
            self.played += 1
            self._maybe_shrink()
            return frame
        if not self._frames:
            # Underrun: the sender paused or we play too early; rebuffer with a deeper target.
            self._playing = False
            self._grow()
        self.concealed += 1
        return self._conceal()

    def _conceal(self) -> F:
        self._missing_run += 1
        if self._last_good is None or self._missing_run > _CONCEAL_FRAMES:
            return self._kind.silence
        return self._kind.fade(self._last_good, self._missing_run)

    def _maybe_shrink(self) -> None:
        # Shrink slowly: after a run of frames deeper than needed, skip the oldest one.
        if len(self._frames) > self.target_frames + 1:
            self._shrink_credit += 1
            if self._shrink_credit >= 25 and self._next is not None:
                self._frames.pop(self._next, None)
                self._next += FRAME_SAMPLES
                self.dropped += 1
                self._shrink_credit = 0
        else:
            self._shrink_credit = 0
        if self.target_frames > self.min_frames + 1 and self.played % 500 == 0:
            self.target_frames -= 1


def _fade_pcm(frame: Pcm, run: int) -> Pcm:
    return (frame.astype(np.float32) * (_CONCEAL_GAIN**run)).astype(np.int16)


def _pad_pcm(chunk: Pcm) -> Pcm:
    return np.concatenate([chunk, SILENCE[: FRAME_SAMPLES - len(chunk)]])


PCM_FRAMES: Final = FrameKind(SILENCE, _fade_pcm, _pad_pcm)


def pcm_jitter_buffer(min_frames: int = 1, max_frames: int = 10) -> JitterBuffer[Pcm]:
    """Decoded frames; a loss is the last frame at 0.6x, 0.36x, 0.22x, then silence."""
    return JitterBuffer(PCM_FRAMES, min_frames, max_frames)


def payload_jitter_buffer(codec: Codec, min_frames: int = 1, max_frames: int = 10) -> JitterBuffer[bytes]:
    """G.711 payloads in `codec`; a loss repeats the last payload once, then silence."""
    silence = bytes([codec.silence]) * FRAME_SAMPLES

    def repeat_once(frame: bytes, run: int) -> bytes:
        return frame if run == 1 else silence

    def pad(chunk: bytes) -> bytes:
        return chunk + silence[: FRAME_SAMPLES - len(chunk)]

    return JitterBuffer(FrameKind(silence, repeat_once, pad), min_frames, max_frames, codec)
