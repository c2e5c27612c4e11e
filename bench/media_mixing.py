"""Mixing cost per participant: the decoded path of conferences, listen and whisper.

    .venv/bin/python bench/media_mixing.py [--ticks 500]  → bench/results/media_mixing.json

For each mode, K mixes of P participants run through what the engine does per 20 ms tick for
a mixed leg: G.711 decode of the arriving payload into the leg's jitter buffer, one pull per
leg, one batched mixer tick across all mixes, G.711 encode of each leg's output. The figure is
CPU time per participant per tick, and the participants one core could carry (20 ms divided by
that cost), without the socket cost that the pass-through benchmark measures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result

from c122.telephony.media.codecs import PCMU
from c122.telephony.media.jitter import pcm_jitter_buffer
from c122.telephony.media.mixer import Mixer, conference

MODES: dict[str, tuple[int, Any]] = {
    "conference_5": (5, lambda m: conference(m)),
    "listen_3": (3, lambda m: {(m[0], m[1]), (m[1], m[0]), (m[2], m[0]), (m[2], m[1])}),
    "whisper_3": (3, lambda m: {(m[0], m[1]), (m[1], m[0]), (m[1], m[2]), (m[2], m[0]), (m[2], m[1])}),
}


def measure(mode: str, mixes: int, ticks: int) -> dict[str, Any]:
    size, hears = MODES[mode]
    mixer = Mixer()
    legs: list[str] = []
    for k in range(mixes):
        members = [f"{k}.{i}" for i in range(size)]
        mixer.set_mix(f"mix{k}", members, hears(members))
        legs.extend(members)
    buffers = {leg: pcm_jitter_buffer() for leg in legs}
    rng = np.random.default_rng(1)
    payloads = [PCMU.encode((rng.normal(0, 3000, 160)).astype(np.int16)) for _ in range(16)]
    elapsed = 0.0
    for tick in range(ticks):
        payload = payloads[tick % len(payloads)]
        started = time.perf_counter()
        arrival = tick * 0.02
        for buffer in buffers.values():
            buffer.put(tick * 160, PCMU.decode(payload), arrival)
        frames = {leg: buffer.pull() for leg, buffer in buffers.items()}
        mixed = mixer.tick(frames)
        for pcm in mixed.values():
            PCMU.encode(pcm)
        if tick >= 10:  # after the buffers have started playing
            elapsed += time.perf_counter() - started
    per_participant_us = elapsed / (ticks - 10) / len(legs) * 1e6
    return {
        "mode": mode,
        "mixes": mixes,
        "participants": len(legs),
        "us_per_participant_per_tick": round(per_participant_us, 2),
        "participants_per_core": int(20_000 / per_participant_us),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=500)
    args = parser.parse_args()
    results = []
    for mode in MODES:
        for mixes in (1, 20, 100):
            result = measure(mode, mixes, args.ticks)
            print(result, flush=True)
            results.append(result)
    path = write_result("media_mixing", {
        "description": "decode + jitter buffer + batched mix + encode, per participant per 20 ms tick",
        "ticks": args.ticks,
        "results": results,
    })  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
