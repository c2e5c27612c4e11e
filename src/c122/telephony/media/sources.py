"""Audio sources that produce 20 ms frames of 8 kHz PCM: tones, WAV files, looping music.

A source is pulled once per media tick; `None` means it has finished.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import numpy as np

from c122.telephony.media.codecs import FRAME_SAMPLES, SAMPLE_RATE, Pcm

RUSSIAN_TONE_HZ: Final = 425.0
_TONE_LEVEL: Final = 0.25  # about -12 dBFS: clearly audible, far from clipping


class Source(Protocol):
    def next_frame(self) -> Pcm | None: ...


@dataclass(frozen=True, slots=True)
class TonePattern:
    """A cadenced tone: (frequencies, milliseconds) segments, empty frequencies meaning silence."""

    segments: tuple[tuple[tuple[float, ...], int], ...]
    repeat: bool = True


RINGBACK: Final = TonePattern((((RUSSIAN_TONE_HZ,), 1000), ((), 4000)))  # GOST: 1 s on, 4 s off
BUSY: Final = TonePattern((((RUSSIAN_TONE_HZ,), 400), ((), 400)))  # 0.4 s on, 0.4 s off
BEEP: Final = TonePattern((((1000.0,), 200),), repeat=False)


def tone(frequencies: Sequence[float], duration_ms: int, repeat: bool = False) -> TonePattern:
    return TonePattern(((tuple(frequencies), duration_ms),), repeat=repeat)


class ToneSource:
    """Generates a tone pattern with continuous phase across frames and segments."""

    def __init__(self, pattern: TonePattern, level: float = _TONE_LEVEL) -> None:
        self._pattern = pattern
        self._amplitude = level * 32767.0
        self._segment = 0
        self._left = self._segment_samples(0)
        self._sample = 0  # absolute sample counter keeps every sine phase-continuous

    def _segment_samples(self, index: int) -> int:
        return self._pattern.segments[index][1] * SAMPLE_RATE // 1000

    def next_frame(self) -> Pcm | None:
        if self._segment == len(self._pattern.segments):
            return None
        out = np.zeros(FRAME_SAMPLES, dtype=np.float64)
        filled = 0
        while filled < FRAME_SAMPLES:
            if self._left == 0:
                self._segment += 1
                if self._segment == len(self._pattern.segments):
                    if not self._pattern.repeat:
                        return None if filled == 0 else out.astype(np.int16)
                    self._segment = 0
                self._left = self._segment_samples(self._segment)
                continue
            count = min(self._left, FRAME_SAMPLES - filled)
            frequencies = self._pattern.segments[self._segment][0]
            if frequencies:
                n = np.arange(self._sample, self._sample + count)
                chunk = sum(np.sin(2.0 * np.pi * f * n / SAMPLE_RATE) for f in frequencies)
                out[filled : filled + count] = self._amplitude / len(frequencies) * np.asarray(chunk)
            filled += count
            self._left -= count
            self._sample += count
        return out.astype(np.int16)


def load_wav(path: Path) -> Pcm:
    """Reads a 16-bit PCM WAV as 8 kHz mono (channels averaged, other rates resampled linearly)."""
    with wave.open(str(path), "rb") as reader:
        if reader.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV files are supported")
        channels = reader.getnchannels()
        rate = reader.getframerate()
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    samples = data.reshape(-1, channels).mean(axis=1) if channels > 1 else data.astype(np.float64)
    if rate != SAMPLE_RATE and len(samples):
        positions = np.arange(0, len(samples) * SAMPLE_RATE // rate) * (rate / SAMPLE_RATE)
        samples = np.interp(positions, np.arange(len(samples)), samples)
    return np.asarray(samples).astype(np.int16)


class PcmSource:
    """Plays a block of samples once or in a loop (music on hold)."""

    def __init__(self, samples: Pcm, loop: bool = False) -> None:
        if loop and len(samples) == 0:
            raise ValueError("cannot loop an empty recording")
        self._samples = samples
        self._loop = loop
        self._position = 0

    def next_frame(self) -> Pcm | None:
        total = len(self._samples)
        if self._position >= total and not self._loop:
            return None
        if not self._loop:
            frame = self._samples[self._position : self._position + FRAME_SAMPLES]
            self._position += FRAME_SAMPLES
            if len(frame) < FRAME_SAMPLES:
                frame = np.concatenate([frame, np.zeros(FRAME_SAMPLES - len(frame), dtype=np.int16)])
            return frame
        indices = (np.arange(FRAME_SAMPLES) + self._position) % total
        self._position = (self._position + FRAME_SAMPLES) % total
        return self._samples[indices]


class WavSource(PcmSource):
    def __init__(self, path: Path, loop: bool = False) -> None:
        super().__init__(load_wav(path), loop)


class SequenceSource:
    """Plays several sources one after another (a prompt made of parts)."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self._sources = list(sources)

    def next_frame(self) -> Pcm | None:
        while self._sources:
            frame = self._sources[0].next_frame()
            if frame is not None:
                return frame
            self._sources.pop(0)
        return None
