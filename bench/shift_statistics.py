"""The live statistics' cost per event at 200 events per second, and the staffing forecast for 50
queues × 14 days.

    .venv/bin/python bench/shift_statistics.py [--rate 200] [--seconds 20] [--history-min 60]
                                               [--queues 50] [--days 14]

1. Shift figures (OPS-27, OPS-28). A stream of queue log records like the ACD's (per call: enter,
   offer, connect, complete, the operator's state changes; some abandons) over 50 queues and 200
   operators. The shift's tally is first built from `--history-min` minutes of it (the log the
   first read loads), then the next records are fed at `--rate` per second in real time, as the ACD
   commits them, each through `ShiftStatistics.take`'s work (`ShiftTally.add`), with a read of the
   centre's total over every queue every 5 s (a screen open). Measured: CPU time per event (process
   time over the paced run / events), the share of one core it takes, and per-event latency of the
   fold. Side by side in the same run, the baseline the issue rules out: re-scanning the shift's log
   on each event (`acd.kpi.compute_kpis` over the history, on a sample of events).
2. Cases by type for 24 hours (fig. 62): `RecentCases.add` + `slide` per case, against re-counting
   the day's cases per event.
3. Forecast: `domain.staffing.forecast_day` for `--queues` × `--days`, each over four weeks of its
   queue's history (2–12 calls per half hour). The database read is not included (see the JSON).

The machine is shared: the load average is recorded before and after. bench/results/shift_statistics.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result

from c122.domain.acd.kpi import KpiDefinitions, compute_kpis
from c122.domain.acd.queue_log import QueueLogKind as K
from c122.domain.acd.queue_log import QueueLogRecord as R
from c122.domain.case_tally import CaseArrival, RecentCases
from c122.domain.shift_tally import ShiftTally
from c122.domain.staffing import forecast_day

QUEUES = 50
OPERATORS = 200


def call_records(start: float, rate: float, count: int, rng: random.Random) -> list[R]:
    """`count` records from `start` at `rate` per second, calls interleaved like the ACD's log."""
    records: list[R] = []
    at = start
    n = 0
    while len(records) < count:
        n += 1
        q, op = str(rng.randrange(QUEUES)), str(rng.randrange(OPERATORS))
        call = f"c{n}"
        waited = rng.expovariate(1 / 15)
        if rng.random() < 0.1:
            records.append(R(at=at, kind=K.ABANDON, queue_id=q, call_id=call, waited_s=waited))
        else:
            records += [
                R(at=at, kind=K.ENTER, queue_id=q, call_id=call),
                R(at=at, kind=K.OFFER, queue_id=q, call_id=call, operator_id=op),
                R(at=at, kind=K.CONNECT, queue_id=q, call_id=call, operator_id=op, waited_s=waited),
                R(
                    at=at,
                    kind=K.STATE_CHANGE,
                    queue_id=q,
                    operator_id=op,
                    old_status="ready",
                    new_status="on_call",
                    duration_s=30.0,
                ),
                R(at=at, kind=K.COMPLETE_CALLER, queue_id=q, call_id=call, operator_id=op, talk_s=120.0),
                R(
                    at=at,
                    kind=K.STATE_CHANGE,
                    queue_id=q,
                    operator_id=op,
                    old_status="wrap_up",
                    new_status="ready",
                    duration_s=20.0,
                ),
            ]
        at += 6 / rate  # about six records per call
    return records[:count]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def paced(tally: ShiftTally, stream: list[R], rate: float) -> dict[str, Any]:
    """Feed `stream` at `rate` per second; a read of the total every 5 s."""
    loop = asyncio.get_running_loop()
    began = loop.time()
    cpu0 = time.process_time()
    fold_ms: list[float] = []
    read_ms: list[float] = []
    queue_ids = [str(q) for q in range(QUEUES)]
    next_read = began + 5
    for index, record in enumerate(stream):
        due = began + index / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        t0 = time.perf_counter()
        tally.add(record)
        fold_ms.append((time.perf_counter() - t0) * 1000)
        if loop.time() >= next_read:
            t0 = time.perf_counter()
            tally.total(queue_ids).service_level(KpiDefinitions().formula)
            read_ms.append((time.perf_counter() - t0) * 1000)
            next_read += 5
    wall = loop.time() - began
    cpu = time.process_time() - cpu0  # includes the event loop's sleeping overhead
    return {
        "events": len(stream),
        "achieved_rate": round(len(stream) / wall, 1),
        "cpu_s": round(cpu, 4),
        "cpu_us_per_event": round(cpu / len(stream) * 1e6, 2),
        "core_share_percent": round(cpu / wall * 100, 3),
        "fold": percentiles(fold_ms),
        "read_total_50_queues": percentiles(read_ms) if read_ms else None,
    }


def rescan_baseline(history: list[R], stream: list[R], samples: int) -> dict[str, Any]:
    timings: list[float] = []
    step = max(1, len(stream) // samples)
    for index in range(0, len(stream), step):
        log = history + stream[: index + 1]
        t0 = time.perf_counter()
        compute_kpis(log, KpiDefinitions(), start=log[0].at, end=log[-1].at + 1)
        timings.append((time.perf_counter() - t0) * 1000)
    return {"per_event": percentiles(timings), "log_records": len(history)}


def cases_bench(rate: float, rng: random.Random) -> dict[str, Any]:
    """A day of cases at `rate` per second is far above a hotline's; a case per 2 s for a day."""
    day = 86400.0
    per_day = 43200
    arrivals = [
        CaseArrival(i, i * day / per_day, rng.randrange(10), rng.randrange(12)) for i in range(per_day)
    ]
    recent = RecentCases()
    for a in arrivals:
        recent.add(a)
    live = [
        CaseArrival(per_day + i, day + i / rate, rng.randrange(10), rng.randrange(12)) for i in range(20000)
    ]
    t0 = time.perf_counter()
    for a in live:
        recent.add(a)
        recent.slide(a.at)
        recent.by_type({1, 2, 3})
    ours_us = (time.perf_counter() - t0) / len(live) * 1e6
    window = arrivals + live
    t0 = time.perf_counter()
    samples = 50
    for a in live[:samples]:
        cutoff = a.at - day
        counts: dict[int, int] = {}
        for c in window:
            if cutoff < c.at <= a.at and c.group_id in (1, 2, 3):
                counts[c.type_id] = counts.get(c.type_id, 0) + 1
    rescan_us = (time.perf_counter() - t0) / samples * 1e6
    return {
        "cases_in_window": len(recent),
        "ours_us_per_case_with_a_read": round(ours_us, 2),
        "rescan_us_per_case": round(rescan_us, 1),
    }


def forecast_bench(queues: int, days: int, rng: random.Random) -> dict[str, Any]:
    day0 = 1_790_000_000.0 - (1_790_000_000.0 % 86400)
    histories: dict[str, list[R]] = {}
    for q in range(queues):
        records: list[R] = []
        for back in range(1, 7 * 6):
            midnight = day0 - back * 86400
            for slot in range(48):
                for n in range(rng.randint(2, 12)):
                    at = midnight + slot * 1800 + n * 60
                    records += [
                        R(
                            at=at,
                            kind=K.CONNECT,
                            queue_id=str(q),
                            call_id=f"{q}-{back}-{slot}-{n}",
                            waited_s=5,
                        ),
                        R(
                            at=at + 100,
                            kind=K.COMPLETE_CALLER,
                            queue_id=str(q),
                            call_id=f"{q}-{back}-{slot}-{n}",
                            talk_s=100,
                        ),
                    ]
        histories[str(q)] = records
    timings: list[float] = []
    started = time.perf_counter()
    for q, records in histories.items():
        for d in range(days):
            midnight = day0 + d * 86400
            history = [midnight - w * 7 * 86400 for w in range(1, 5)]
            t0 = time.perf_counter()
            forecast_day(records, q, midnight, history, target=0.8, threshold_s=20, default_handle_s=180)
            timings.append((time.perf_counter() - t0) * 1000)
    return {
        "queues": queues,
        "days": days,
        "history_records_per_queue": len(next(iter(histories.values()))),
        "total_s": round(time.perf_counter() - started, 3),
        "per_queue_day": percentiles(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--history-min", type=float, default=60)
    parser.add_argument("--queues", type=int, default=50)
    parser.add_argument("--days", type=int, default=14)
    args = parser.parse_args()
    rng = random.Random(122)
    before = load_average()
    start = 1_790_000_000.0
    history = call_records(start, args.rate, int(args.rate * args.history_min * 60), rng)
    stream = call_records(history[-1].at + 1, args.rate, int(args.rate * args.seconds), rng)
    tally = ShiftTally(start, start + 12 * 3600, KpiDefinitions())
    t0 = time.perf_counter()
    tally.add_all(history)
    build_s = time.perf_counter() - t0
    live = asyncio.run(paced(tally, stream, args.rate))
    baseline = rescan_baseline(history, stream, samples=20)
    cases = cases_bench(args.rate, rng)
    forecast = forecast_bench(args.queues, args.days, rng)
    after = load_average()
    figures = {
        "command": " ".join(["bench/shift_statistics.py", *sys.argv[1:]]),
        "load_average_before": before,
        "load_average_after": after,
        "rate": args.rate,
        "history_minutes": args.history_min,
        "first_read_build_s": round(build_s, 3),
        "shift_tally": live,
        "rescan_baseline": baseline,
        "cases_by_type": cases,
        "forecast": forecast,
    }
    path = write_result("shift_statistics", figures)
    print(path.read_text())


if __name__ == "__main__":
    main()
