"""Recordings compressed after the call: size and CPU of the product's Opus/Ogg against the stereo WAV
the media engine writes.

    .venv/bin/python bench/recording_codec.py [--seconds 300] [--rounds 3]
        → bench/results/recording_codec.json

The input is a stereo 8 kHz 16-bit WAV like a call's (the caller left, the operator right): each side
speech-like — band-limited noise switched on and off in syllable-length bursts, the two sides taking
turns with pauses — at telephone levels. `compress_wav` (persistence/recording_codec.py) is timed in
CPU time of this process (a shared machine inflates wall time more than CPU time); the SHA-256 of the
result is timed too (it is taken at write and at each read). The median of the rounds is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from c122.persistence.recording_codec import BIT_RATE, compress_wav, sha256_of
from common import write_result

RATE = 8_000


def speech_like(seconds: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    samples = int(seconds * RATE)
    noise = rng.standard_normal(samples)
    # A crude vocal tract: emphasise 300-3400 Hz with a few resonances.
    spectrum = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(samples, 1 / RATE)
    shape = np.exp(-(((freqs - 500) / 250) ** 2)) + 0.7 * np.exp(-(((freqs - 1500) / 400) ** 2))
    shape += 0.4 * np.exp(-(((freqs - 2500) / 500) ** 2))
    voiced = np.fft.irfft(spectrum * shape, samples)
    # Syllables of 120-300 ms, words with short gaps, and whole turns of silence.
    envelope = np.zeros(samples)
    at = 0
    while at < samples:
        length = int(rng.uniform(0.12, 0.3) * RATE)
        envelope[at : at + length] = np.hanning(len(envelope[at : at + length]))
        at += length + int(rng.uniform(0.02, 0.25) * RATE)
    return voiced / np.max(np.abs(voiced)) * envelope * 8000


def call_wav(path: Path, seconds: float) -> None:
    left = speech_like(seconds, 1)
    right = speech_like(seconds, 2)
    turn = (np.arange(int(seconds * RATE)) // (RATE * 4)) % 2 == 0  # four-second turns
    left = np.where(turn, left, left * 0.02)
    right = np.where(turn, right * 0.02, right)
    frames = np.stack([left, right], 1).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames.tobytes())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "call.wav"
        call_wav(wav, args.seconds)
        wav_bytes = wav.stat().st_size
        compress_cpu: list[float] = []
        hash_cpu: list[float] = []
        wav_hash_cpu: list[float] = []
        ogg_bytes = 0
        for _ in range(args.rounds):
            started = time.process_time()
            ogg = compress_wav(wav)
            compress_cpu.append(time.process_time() - started)
            ogg_bytes = ogg.stat().st_size
            started = time.process_time()
            sha256_of(ogg)
            hash_cpu.append(time.process_time() - started)
            started = time.process_time()
            sha256_of(wav)
            wav_hash_cpu.append(time.process_time() - started)
            ogg.unlink()
    compress_s = statistics.median(compress_cpu)
    figures = {
        "parameters": {"seconds": args.seconds, "rounds": args.rounds, "opus_bit_rate": BIT_RATE},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "results": {
            "wav_bytes": wav_bytes,
            "opus_ogg_bytes": ogg_bytes,
            "ratio": round(wav_bytes / ogg_bytes, 1),
            "wav_kib_per_minute": round(wav_bytes / 1024 / (args.seconds / 60), 1),
            "opus_kib_per_minute": round(ogg_bytes / 1024 / (args.seconds / 60), 1),
            "compress_cpu_s": round(compress_s, 3),
            "compress_cpu_s_per_call_minute": round(compress_s / (args.seconds / 60), 4),
            "realtime_factor": round(args.seconds / compress_s, 1),
            "sha256_cpu_ms_opus": round(statistics.median(hash_cpu) * 1000, 3),
            "sha256_cpu_ms_wav": round(statistics.median(wav_hash_cpu) * 1000, 3),
        },
    }
    print(write_result("recording_codec", figures))
    print(figures)


if __name__ == "__main__":
    main()
