"""A conference's mixing cost per participant (TEL-21), by the conference's size (2 to 5), with the
speakers' levels ("who is talking") measured as the product does, against the same mixer with the
measuring turned off, side by side in one run (the machine may be shared: the load average is kept).

    .venv/bin/python bench/conference_mixing.py [--ticks 500] [--conferences 40]
        → bench/results/conference_mixing.json

Per 20 ms tick, for each of N conferences of P legs (one of them muted, as a desk would): G.711
decode of the arriving payload into the leg's jitter buffer, one pull per leg, one batched mixer tick
across all conferences (its level measurement included), G.711 encode of each leg's output. The figure
is CPU time per participant per tick, and the participants one core could carry (20 ms / that).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result

from c122.telephony.media.codecs import PCMU
from c122.telephony.media.jitter import pcm_jitter_buffer
from c122.telephony.media.mixer import Mixer


class _Unmeasured(Mixer):
    """The baseline: the same mixer without the level measurement."""

    def _measure(self, mixes: Any, signal: Any) -> None:
        return None


def measure(size: int, conferences: int, ticks: int, *, levels: bool) -> dict[str, Any]:
    mixer = Mixer() if levels else _Unmeasured()
    legs: list[str] = []
    for k in range(conferences):
        members = [f"{k}.{i}" for i in range(size)]
        muted = members[-1] if size > 2 else None  # one muted party: heard by nobody
        hears = {(a, b) for a in members for b in members if a != b and b != muted}
        mixer.set_mix(f"conf{k}", members, hears)
        legs.extend(members)
    buffers = {leg: pcm_jitter_buffer() for leg in legs}
    rng = np.random.default_rng(1)
    payloads = [PCMU.encode(rng.normal(0, 3000, 160).astype(np.int16)) for _ in range(16)]
    elapsed = 0.0
    for tick in range(ticks):
        payload = payloads[tick % len(payloads)]
        started = time.perf_counter()
        for buffer in buffers.values():
            buffer.put(tick * 160, PCMU.decode(payload), tick * 0.02)
        mixed = mixer.tick({leg: buffer.pull() for leg, buffer in buffers.items()})
        for pcm in mixed.values():
            PCMU.encode(pcm)
        if tick >= 10:  # after the buffers have started playing
            elapsed += time.perf_counter() - started
    assert (mixer.level(legs[0]) > 0) == levels  # the measurement ran, or did not
    per_participant_us = elapsed / (ticks - 10) / len(legs) * 1e6
    return {
        "size": size,
        "conferences": conferences,
        "participants": len(legs),
        "levels_measured": levels,
        "us_per_participant_per_tick": round(per_participant_us, 2),
        "participants_per_core": int(20_000 / per_participant_us),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=500)
    parser.add_argument("--conferences", type=int, default=40)
    args = parser.parse_args()
    load_before = os.getloadavg()
    results = []
    for size in (2, 3, 4, 5):
        for conferences in (1, args.conferences):
            for levels in (True, False):  # ours and the baseline, interleaved under the same load
                result = measure(size, conferences, args.ticks, levels=levels)
                print(result, flush=True)
                results.append(result)
    path = write_result("conference_mixing", {
        "description": "a conference's decode + jitter buffer + batched mix (with and without the "
                       "speakers' levels) + encode, per participant per 20 ms tick; one party muted",
        "ticks": args.ticks,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    })  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
