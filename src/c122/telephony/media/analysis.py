"""Audio measurements for checks on what a leg sent or recorded: level and tone content."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from c122.telephony.media.codecs import SAMPLE_RATE, Pcm


def rms(pcm: Pcm) -> float:
    if len(pcm) == 0:
        return 0.0
    samples = pcm.astype(np.float64)
    return float(np.sqrt(np.mean(samples * samples)))


def dominant_frequency(pcm: Pcm, rate: int = SAMPLE_RATE) -> float:
    """Frequency of the strongest spectral peak (Hann window, parabolic interpolation)."""
    if len(pcm) < 16:
        return 0.0
    windowed = pcm.astype(np.float64) * np.hanning(len(pcm))
    spectrum = np.abs(np.fft.rfft(windowed))
    spectrum[0] = 0.0
    peak = int(np.argmax(spectrum))
    if 0 < peak < len(spectrum) - 1:
        left, centre, right = spectrum[peak - 1], spectrum[peak], spectrum[peak + 1]
        denominator = left - 2 * centre + right
        peak_offset = 0.5 * (left - right) / denominator if denominator else 0.0
    else:
        peak_offset = 0.0
    return float((peak + peak_offset) * rate / len(pcm))


def tone_levels(pcm: Pcm, frequencies: Iterable[float], rate: int = SAMPLE_RATE) -> dict[float, float]:
    """Amplitude of each given frequency (a single-bin DFT per frequency), as a fraction of full scale."""
    samples = pcm.astype(np.float64)
    n = np.arange(len(samples))
    levels = {}
    for frequency in frequencies:
        projection = np.dot(samples, np.exp(-2j * np.pi * frequency * n / rate))
        levels[frequency] = float(2.0 * abs(projection) / max(len(samples), 1) / 32768.0)
    return levels
