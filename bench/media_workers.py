"""Relayed calls per core and on two cores: the media workers against rtpengine, side by side.

    .venv/bin/python bench/media_workers.py [--calls 500,750,1000,1250,1500] [--workers 1,2]
        [--record off,on] [--seconds 6] [--trials 1] [--rtpengine /usr/bin/rtpengine] [--note TEXT]
        [--result NAME] → bench/results/NAME.json (media_workers)

For every number of calls, number of workers and recording choice, the same load generator (the
batched sendmmsg/recvmmsg one of `media_bridge.py`: one 160-byte G.711 packet per leg every 20 ms,
both directions, each packet stamped so loss and latency are measured per packet) runs first
against the product's media (`MediaWorkers` with N worker processes, legs bridged in pairs, each
optionally recorded to stereo WAV), then, seconds later, against rtpengine (Debian
`rtpengine-daemon`, userspace forwarding `--table=-1`, N threads, calls set up through its `ng`
protocol; recording with `--recording-method=pcap` and the `record call` flag). With one worker
the media (worker process, or rtpengine) is pinned to CPU 0 and the generator to CPU 1; with two,
the workers (rtpengine's threads) get CPUs 0 and 1 and the generator shares them. A level passes
with loss < 0.1 % and p99 latency < 20 ms. Each run records its CPU (all the media processes'
utime + stime), the UDP receive-buffer drops the kernel counted during the run (RcvbufErrors in
/proc/net/snmp: a socket whose queue was full), and the load average before it (the machine may
be shared).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import set_niceness, write_result
from bench.media_bridge import TARGET_LOSS, TARGET_P99_MS, generate, udp_socket_drops
from bench.rtpengine_ng import NgClient, media_port, sdp

NG_PORT = 22222
GENERATOR_KEPT_UP = 0.98  # share of the scheduled packets the generator must have sent for a run to count
PORT_MIN = 10000  # below the ranges the media tests (30000 and up) and the kernel's ephemeral ports take


def _port_max(calls: int) -> int:
    return PORT_MIN + 4 * calls + 200


# --- ours (child process) ----------------------------------------------------------------------


async def serve(calls: int, workers: int, record: bool) -> None:
    from c122.telephony.media.messages import EndpointOpened, OpenEndpoint, SetBridge, StartRecording
    from c122.telephony.media.workers.pool import MediaWorkers

    pool = MediaWorkers(
        count=workers,
        bind_host="127.0.0.1",
        public_address="",
        port_min=PORT_MIN,
        port_max=_port_max(calls),
    )
    await pool.start()
    for index, worker in enumerate(pool.workers):
        assert worker.pid is not None
        os.sched_setaffinity(worker.pid, {index % 2})
    folder = Path(tempfile.mkdtemp(prefix="media-workers-bench-"))
    ports: list[list[int]] = []
    for call in range(calls):
        a, b = f"{call}a", f"{call}b"
        pair = []
        for leg in (a, b):
            opened = await pool.execute(OpenEndpoint(leg, media_timeout=None))
            assert isinstance(opened, EndpointOpened)
            pair.append(opened.port)
        await pool.execute(SetBridge(f"bridge{call}", (a, b), ((a, b), (b, a))))
        if record:
            await pool.execute(StartRecording(f"rec{call}", str(folder / f"{call}.wav"), a, b))
        ports.append(pair)
    legs = [len(pool.legs_of(worker)) for worker in pool.workers]
    print(
        json.dumps({"ports": ports, "pids": [w.pid for w in pool.workers], "legs_per_worker": legs}),
        flush=True,
    )
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # until the generator is done
    health = await pool.health()
    print(json.dumps({"max_tick_lateness_ms": health.max_tick_lateness_ms}), flush=True)
    await pool.stop()
    await loop.run_in_executor(None, shutil.rmtree, folder)


def run_ours(
    calls: int, workers: int, record: bool, seconds: float, source: str | None = None
) -> dict[str, Any]:
    """The product's media workers; with `source`, those of another checkout's `src` (a baseline)."""
    command = [sys.executable, __file__, "--serve", str(calls), "--serve-workers", str(workers)]
    command += ["--serve-record"] if record else []
    env = os.environ | {"PYTHONPATH": source} if source else None  # the workers inherit it
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert server.stdout is not None
    assert server.stdin is not None
    try:
        os.sched_setaffinity(server.pid, {0})  # the control process: idle while the load runs
        ready = json.loads(server.stdout.readline())
        pids = [server.pid, *ready["pids"]]
        result = _measured(lambda: generate(pids, ready["ports"], seconds), workers, calls, seconds)
        server.stdin.write("stop\n")
        server.stdin.flush()
        result["max_tick_lateness_ms"] = json.loads(server.stdout.readline())["max_tick_lateness_ms"]
        result["legs_per_worker"] = ready["legs_per_worker"]
        return result
    finally:
        if not server.stdin.closed:
            server.stdin.close()
        server.wait(timeout=120)


# --- rtpengine ---------------------------------------------------------------------------------


def run_rtpengine(binary: str, calls: int, threads: int, record: bool, seconds: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="rtpengine-bench-"))
    command = [
        binary, "--config-file=none", "--foreground", "--log-stderr", "--log-level=3", "--table=-1",
        "--interface=127.0.0.1", f"--listen-ng=127.0.0.1:{NG_PORT}", f"--port-min={PORT_MIN}",
        f"--port-max={_port_max(calls)}", f"--num-threads={threads}", "--timeout=600",
        f"--pidfile={folder / 'pid'}",
    ]  # fmt: skip
    if record:
        command += [f"--recording-dir={folder}", "--recording-method=pcap"]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder, preexec_fn=_no_core_files
    )
    try:
        os.sched_setaffinity(server.pid, set(range(threads)))
        ng = NgClient(("127.0.0.1", NG_PORT))
        _wait_for_ng(ng, server)
        # One address per side, as the generator sends every leg of a side from one socket.
        side_ports = _generator_ports()
        ports = []
        for call in range(calls):
            flags: dict[str, Any] = {"record call": "yes"} if record else {}
            offer = ng.request(
                "offer",
                **{"call-id": f"call{call}", "from-tag": f"a{call}", "sdp": sdp(side_ports[0])},
                **flags,
            )
            answer = ng.request(
                "answer",
                **{
                    "call-id": f"call{call}",
                    "from-tag": f"a{call}",
                    "to-tag": f"b{call}",
                    "sdp": sdp(side_ports[1]),
                },
            )
            ports.append([media_port(answer), media_port(offer)])  # side 0 sends where the answer says
        ng.close()
        for task in Path(f"/proc/{server.pid}/task").iterdir():  # every thread on the given cores
            os.sched_setaffinity(int(task.name), set(range(threads)))
        load = lambda: generate(server.pid, ports, seconds, bind=side_ports)  # noqa: E731
        return _measured(load, threads, calls, seconds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _no_core_files() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # rtpengine 10.5 may crash on SIGTERM at exit


def _wait_for_ng(ng: NgClient, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            ng.request("ping")
            return
        except (OSError, RuntimeError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"rtpengine did not start: {server.stderr.read() if server.stderr else ''}"
                ) from None


def _generator_ports() -> tuple[int, int]:
    import socket

    found = []
    for _ in range(2):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            found.append(probe.getsockname()[1])
    return found[0], found[1]


# --- both --------------------------------------------------------------------------------------


def _rcvbuf_errors() -> int:
    lines = [
        line.split() for line in Path("/proc/net/snmp").read_text().splitlines() if line.startswith("Udp:")
    ]
    return int(lines[1][lines[0].index("RcvbufErrors")])


def _measured(run: Any, media_cores: int, calls: int, seconds: float) -> dict[str, Any]:
    load = [round(x, 2) for x in os.getloadavg()]
    os.sched_setaffinity(0, {1} if media_cores == 1 else {0, 1})
    drops = _rcvbuf_errors()
    result: dict[str, Any] = run() | {"calls": calls}
    result["udp_receive_buffer_drops"] = _rcvbuf_errors() - drops
    # Where they were dropped: on the media's sockets (still open: the media stops after this), or
    # on the generator's (counted by `generate`); the rest were other processes' on a shared machine.
    result["media_socket_drops"] = udp_socket_drops(range(PORT_MIN, _port_max(calls) + 1))
    cpu = result["engine_cpu_fraction_of_one_core"]
    # What a whole core would carry at this cost per call: robust to other load on the machine.
    result["calls_per_core_by_cpu"] = round(calls / cpu) if cpu > 0 else None
    # A generator starved by other work sends late and reads late: its figures are not the media's.
    result["generator_sent_fraction"] = round(result["packets_sent"] / (calls * 2 * 50 * seconds), 3)
    result["generator_kept_up"] = result["generator_sent_fraction"] >= GENERATOR_KEPT_UP
    result["load_average_before"] = load
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", default="500,750,1000,1250,1500")
    parser.add_argument("--workers", default="1,2", help="media worker processes (rtpengine threads)")
    parser.add_argument("--record", default="off,on", help="off, on or both (off,on)")
    parser.add_argument(
        "--seconds", type=float, default=6.0, help="measured seconds per run (after 2 s warm-up)"
    )
    parser.add_argument("--trials", type=int, default=1, help="runs of each combination")
    parser.add_argument("--rtpengine", default="/usr/bin/rtpengine")
    parser.add_argument(
        "--baseline-src",
        help="also run the media workers of another checkout (its src folder, e.g. the main branch's) "
        "as engine c122-baseline, alternating with the others: before against after in one run",
    )
    parser.add_argument("--note", default="", help="conditions worth keeping with the figures")
    parser.add_argument("--result", default="media_workers", help="the results file's name, without .json")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the generator and (inherited) the media processes and rtpengine; negative puts "
        "them ahead of other work on a shared machine (needs root), in a session of its own so that it "
        "counts against other sessions too; recorded with the figures",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--serve-record", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        import uvloop

        uvloop.run(serve(args.serve, args.serve_workers, args.serve_record))
        return
    if args.nice:
        set_niceness(args.nice)
    runs: list[dict[str, Any]] = []
    for _ in range(args.trials):
        for workers in (int(w) for w in args.workers.split(",")):
            for record in (r == "on" for r in args.record.split(",")):
                for calls in (int(c) for c in args.calls.split(",")):
                    setting = {"calls": calls, "workers": workers, "record": record}
                    engines = ["c122", "rtpengine"] + (["c122-baseline"] if args.baseline_src else [])
                    for engine in engines:  # alternating, seconds apart
                        if engine == "c122":
                            figures = run_ours(calls, workers, record, args.seconds)
                        elif engine == "c122-baseline":
                            figures = run_ours(calls, workers, record, args.seconds, args.baseline_src)
                        else:
                            figures = run_rtpengine(args.rtpengine, calls, workers, record, args.seconds)
                        run = {"engine": engine, **setting, **figures}
                        print(json.dumps(run), flush=True)
                        runs.append(run)
    write_result(args.result, {
        "description": "pass-through bridged G.711 calls: c122 media workers against rtpengine (userspace), "
        "same generator, alternating runs",
        "targets": {"loss_fraction_below": TARGET_LOSS, "p99_latency_ms_below": TARGET_P99_MS},
        "measured_seconds_per_run": args.seconds,
        "note": args.note,
        "niceness": args.nice,
        "baseline_src": args.baseline_src,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "summary": summarise(runs),
        "runs": runs,
    })  # fmt: skip


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per engine, workers and recording, over the runs whose generator kept up: the most calls that
    passed every trial (loss and p99), that lost nothing in every trial, and the calls a core would carry
    at the CPU cost per call of the lossless runs."""
    summary = []
    for key in sorted({(r["engine"], r["workers"], r["record"]) for r in runs}):
        same = [r for r in runs if (r["engine"], r["workers"], r["record"]) == key]
        valid = [r for r in same if r["generator_kept_up"]]
        levels = {r["calls"] for r in valid}
        passing = [c for c in levels if all(r["passed"] for r in valid if r["calls"] == c)]
        lossless = [
            c for c in levels if all(r["loss_fraction"] < TARGET_LOSS for r in valid if r["calls"] == c)
        ]
        # Only where nothing was lost: a relay that drops packets does less work per call.
        by_cpu = sorted(
            r["calls_per_core_by_cpu"]
            for r in valid
            if r["calls_per_core_by_cpu"] and r["loss_fraction"] < TARGET_LOSS
        )
        summary.append({
            "engine": key[0], "workers": key[1], "record": key[2],
            "max_calls_passing": max(passing, default=0),
            "max_calls_without_loss": max(lossless, default=0),
            "calls_per_core_by_cpu_median": by_cpu[len(by_cpu) // 2] if by_cpu else None,
            "runs_with_generator_behind": len(same) - len(valid),
            # Over every run, kept up or not: how overload showed - dropped by the kernel on the
            # media's own sockets (queues full), or only late (loss without such drops: still queued
            # when the run ended).
            "runs_with_loss": sum(r["loss_fraction"] >= TARGET_LOSS for r in same),
            "datagrams_dropped_on_media_sockets": sum(r.get("media_socket_drops", 0) for r in same),
        })  # fmt: skip
    return summary


if __name__ == "__main__":
    main()
