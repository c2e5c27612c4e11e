"""Call set-ups per second on the SIP stack alone, one listener process beside several sharing the UDP
port with `SO_REUSEPORT`, and Kamailio's clean rate, in one run.

    .venv/bin/python bench/sip_cps_processes.py [--rates 400,700,1000,1200] [--seconds 4]
        [--processes 1,2] [--no-kamailio] → bench/results/sip_cps_processes.json

Each listener process runs a `SipStack` (uvloop, one core at most) with `reuse_port=True` on one
UDP port and answers every INVITE with 200, then the BYE (the bench/sip_cps.py UAS, no media).
SIPp places rate × seconds calls with `-t un` (a socket per call): the kernel spreads datagrams
over the processes by the sender's address and port, so every call stays in the process that took
its INVITE, and calls from one socket (a proxy in front) would all reach one process. A step is
clean when SIPp reports no failed call and no retransmission. The achieved rate is completed calls
over the span from the first to the last completion across the processes (the UAS reads
`perf_counter`, CLOCK_MONOTONIC on Linux: one clock for every process of the host). Kamailio
(stateful proxy with record-routing in front of a SIPp UAS, bench/sip_cps.py) is stepped through
the same rates. Target (issue #24): >= 1,000 set-ups per second with no retransmission.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result
from bench.sip_cps import Uas, bench_kamailio, best, free_port, run_sipp

TARGET_CPS = 1000


# --- a listener process -------------------------------------------------------------------------


async def listener(port: int) -> None:
    """Serves until its stdin closes, then prints what it did as one JSON line."""
    from c122.telephony.sip import SipStack

    uas = Uas()
    stack = SipStack(
        "127.0.0.1",
        udp_port=port,
        tcp_port=None,
        on_incoming_call=uas.handle,
        protection=None,
        reuse_port=True,
    )
    await stack.start()
    cpu = time.process_time()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await stack.stop()
    figures = {"ended": uas.ended, "failed": uas.failed, "cpu_s": time.process_time() - cpu}
    print(json.dumps(figures | {"first": uas.first, "last": uas.last}), flush=True)


# --- the measuring side -------------------------------------------------------------------------


async def start_listeners(count: int, port: int) -> list[asyncio.subprocess.Process]:
    processes = []
    for _ in range(count):
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--listen", str(port),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        if (await process.stdout.readline()).strip() != b"ready":
            raise RuntimeError("a listener process did not start")
        processes.append(process)
    return processes


async def stop_listeners(processes: list[asyncio.subprocess.Process]) -> list[dict[str, Any]]:
    reports = []
    for process in processes:
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.close()
        reports.append(json.loads(await process.stdout.readline()))
        await process.wait()
    return reports


async def step(processes_count: int, rate: int, seconds: float, workdir: Path) -> dict[str, Any]:
    port = free_port()
    processes = await start_listeners(processes_count, port)
    calls = int(rate * seconds)
    try:
        code, stats = await run_sipp(
            ["-sn", "uac", "-t", "un", "-max_socket", "10000", "-r", str(rate), "-m", str(calls),
             "-l", str(rate * 4), f"127.0.0.1:{port}"],
            workdir,
            timeout=seconds * 6 + 20,
        )  # fmt: skip
    finally:
        reports = await stop_listeners(processes)
    ended = sum(r["ended"] for r in reports)
    firsts = [r["first"] for r in reports if r["first"]]
    lasts = [r["last"] for r in reports if r["last"]]
    span = (max(lasts) - min(firsts)) if firsts and lasts else 0.0
    return {
        "processes": processes_count,
        "offered_cps": rate,
        "calls": calls,
        "sipp_exit": code,
        "sipp_failed": int(stats.get("FailedCall(C)", "-1") or -1),
        "sipp_retransmissions": int(stats.get("Retransmissions(C)", "-1") or -1),
        "completed_at_uas": ended,
        "completed_per_process": [r["ended"] for r in reports],
        "cpu_ms_per_call": round(sum(r["cpu_s"] for r in reports) * 1000 / ended, 3) if ended else None,
        "achieved_cps": round(ended / span, 1) if span else 0.0,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


async def main(args: argparse.Namespace) -> None:
    rates = [int(r) for r in args.rates.split(",") if r]
    counts = [int(n) for n in args.processes.split(",") if n]
    workdir = Path(tempfile.mkdtemp(prefix="sip_cps_processes_"))
    (workdir / "uas").mkdir()
    load_before = os.getloadavg()[0]
    steps: dict[int, list[dict[str, Any]]] = {n: [] for n in counts}
    kamailio: list[dict[str, Any]] = []
    try:
        for rate in rates:  # every variant at one rate before the next rate: they share the load
            for n in counts:
                steps[n].append(await step(n, rate, args.seconds, workdir))
                print(steps[n][-1], flush=True)
            if not args.no_kamailio:
                kamailio += await bench_kamailio([rate], args.seconds, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures = {
        "target_cps": TARGET_CPS,
        "listeners": {
            f"{n}_process{'es' if n > 1 else ''}": {
                "steps": steps[n],
                "max_cps_without_failures_or_retransmissions": best(steps[n], clean=True),
            }
            for n in counts
        },
        "kamailio_stateful_proxy_to_sipp_uas": {
            "steps": kamailio,
            "max_cps_without_failures": best(kamailio),
        },
        "command": f"bench/sip_cps_processes.py --rates {args.rates} --seconds {args.seconds:g} "
        f"--processes {args.processes}" + (" --no-kamailio" if args.no_kamailio else ""),
        "note": "SIPp, the listeners and Kamailio share one 2-core machine, possibly with other work: "
        "see load_average_1m",
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
    }
    print(write_result("sip_cps_processes", figures).read_text())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="400,700,1000,1200")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--no-kamailio", action="store_true")
    parser.add_argument("--listen", type=int, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    uvloop.run(listener(parsed.listen) if parsed.listen is not None else main(parsed))
