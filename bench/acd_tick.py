"""The call distribution's once-a-second tick at the senior board's scale, side by side.

    .venv/bin/python bench/acd_tick.py [--operators 1000] [--ticks 300] [--changes 50]
        → bench/results/acd_tick.json

The tick runs on the server's event loop every second, under the distribution's lock: while it runs,
no state change is decided and no board event leaves. It checks every operator's timers (ring
timeout, wrap-up, idle, breaks). `--operators` operators of one group serve one queue, all on shift,
half of them on a break; each simulated second `--changes` random operators go between ready and a
break (the board benchmark's 50 changes a second), then the tick runs. The two variants alternate
tick by tick in one process so that both see the machine as it is: the product's tick, which skips an
operator whose state is unchanged since it found their next timer ahead, and the tick as it was
(every operator checked). Both produce the same events (tests/unit/domain/acd/test_timers.py); the
figure is the wall and CPU time of each tick, with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result

from c122.domain.acd import Acd, AcdConfig, GroupPolicy, Membership, OperatorProfile, QueueConfig, timers

VARIANTS = {"tick_skips_operators_not_due": True, "baseline_tick_checks_all": False}


def centre(operators: int, seed: int) -> tuple[Acd, list[str]]:
    ids = [f"op{n}" for n in range(operators)]
    config = AcdConfig(
        (QueueConfig(queue_id="q1", group_id="g1"),),
        tuple(Membership(operator_id=op, queue_id="q1", position=n) for n, op in enumerate(ids)),
        tuple(OperatorProfile(operator_id=op, group_id="g1") for op in ids),
        (GroupPolicy(group_id="g1"),),
    )
    acd = Acd(config, random.Random(seed))
    for n, op in enumerate(ids):
        acd.login(op, 0.0)
        if n % 2:
            acd.take_break(op, "break", 0.0)
    return acd, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operators", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    load_before = [round(x, 2) for x in os.getloadavg()]
    rng = random.Random(args.seed)
    acd, ids = centre(args.operators, args.seed)
    wall: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    now = 1.0
    for n in range(args.ticks):
        name = list(VARIANTS)[n % 2]
        for op in rng.sample(ids, args.changes):
            state = acd.state.operators[op]
            if state.status.value == "ready":
                acd.take_break(op, "break", now)
            else:
                acd.ready(op, now)
        timers.SKIP_NOT_DUE = VARIANTS[name]
        started, started_cpu = time.perf_counter(), time.thread_time()
        acd.tick(now)
        wall[name].append((time.perf_counter() - started) * 1000)
        cpu[name].append((time.thread_time() - started_cpu) * 1000)
        now += 1.0
    timers.SKIP_NOT_DUE = True
    figures = {
        name: {"tick_wall_ms": percentiles(wall[name]), "tick_cpu_ms": percentiles(cpu[name])}
        for name in VARIANTS
    }
    path = write_result(
        "acd_tick",
        {
            "description": "the ACD tick with every operator on shift and 50 state changes a second",
            "operators": args.operators,
            "ticks_per_variant": args.ticks // 2,
            "changes_per_second": args.changes,
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            **figures,
        },
    )
    print(path)
    for name, result in figures.items():
        print(
            name,
            result["tick_wall_ms"]["p50_ms"],
            result["tick_wall_ms"]["p99_ms"],
            result["tick_cpu_ms"]["p50_ms"],
        )


if __name__ == "__main__":
    main()
