"""Monitored calls on one core: the media engine's cost of a senior on a call (a three-party mix in
whisper mode) beside plain bridged calls, in the same run.

    .venv/bin/python bench/monitoring_mix.py [--calls 100,200,300,400] [--seconds 6]
        → bench/results/monitoring_mix.json

For each number of calls N, two levels run one after the other so both see the machine as it is: N
plain calls (two legs bridged, forwarded as they come) and N monitored calls (caller, operator and
senior in one mix: the senior hears both, the operator hears the senior; each leg's audio is decoded,
jitter-buffered, mixed on the 20 ms clock and encoded again). The engine runs in a child process
pinned to CPU 0 (the product's engine and message API); this process, pinned to CPU 1, sends one
G.711 packet per leg every 20 ms and counts what comes back.
Loss is read from the RTP timestamps of each stream the engine sends (frames missing between the
first and last received), so a tick the engine skipped counts as loss as much as a dropped datagram;
`delivered_fraction` is what came back in the window against what every leg should get in it (below
1 when the engine fell behind), and lateness is measured from each stream's own 20 ms schedule (its
earliest frame sets it). A level passes with loss < 0.1 %, all frames delivered and a p99 lateness
< 20 ms. The engine's CPU (utime + stime from /proc) over the measured window gives the cost per call
and the calls a whole core would carry at that cost (meaningful on a passing level only: a starved
engine does less work and looks cheap). `--nice -10` puts engine and generator ahead of other work.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import numpy.typing as npt
from bench.common import write_result
from bench.media_bridge import cpu_seconds, make_socket
from bench.media_load import MSG_DONTWAIT, BatchSender, Receiver, _libc

TARGET_LOSS = 0.001
TARGET_LATE_MS = 20.0
FRAME_NS = 20_000_000
SLOTS = 10
KINDS = ("plain", "monitored")


# --- engine side (child process) -----------------------------------------------------------------


def hearing(kind: str, legs: list[str]) -> tuple[tuple[str, str], ...]:
    """(listener, speaker) pairs: a plain call both ways; a monitored one as the whisper mode has it."""
    caller, operator = legs[0], legs[1]
    pairs = [(caller, operator), (operator, caller)]
    if kind == "monitored":
        senior = legs[2]
        pairs += [(senior, caller), (senior, operator), (operator, senior)]
    return tuple(pairs)


async def serve(kind: str, calls: int, port_min: int) -> None:
    import asyncio

    from c122.telephony.media.engine import MediaEngine
    from c122.telephony.media.messages import EndpointOpened, OpenEndpoint, SetBridge

    sides = ("caller", "operator", "senior") if kind == "monitored" else ("caller", "operator")
    engine = MediaEngine(bind_host="127.0.0.1", port_min=port_min, port_max=port_min + 6 * calls + 100)
    await engine.start()
    ports: list[list[int]] = []
    for call in range(calls):
        legs = [f"{call}{side}" for side in sides]
        opened = [await engine.execute(OpenEndpoint(leg, media_timeout=None)) for leg in legs]
        ports.append([o.port for o in opened if isinstance(o, EndpointOpened)])
        await engine.execute(SetBridge(f"bridge{call}", tuple(legs), hearing(kind, legs)))
    print(json.dumps({"ports": ports}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # until the generator is done
    health = engine.health()
    print(json.dumps({"max_tick_lateness_ms": health.max_tick_lateness_ms, "mixes": health.mixes}),
          flush=True)  # fmt: skip
    await engine.stop()


# --- load generator (this process) -----------------------------------------------------------------


@dataclass
class StreamCounter(Receiver):
    """Keeps (engine port, RTP timestamp, arrival) of every packet the engine sends back: each
    endpoint of the engine sends one stream, told apart by its source port."""

    headers: list[npt.NDArray[np.int64]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._names = ctypes.create_string_buffer(16 * self.batch)
        for i in range(self.batch):
            self._msgs[i].msg_hdr.msg_name = ctypes.addressof(self._names) + 16 * i

    def _drain(self, sock: Any) -> None:
        while True:
            for i in range(self.batch):
                self._msgs[i].msg_hdr.msg_namelen = 16
            count = _libc.recvmmsg(
                sock.fileno(), ctypes.addressof(self._msgs), self.batch, MSG_DONTWAIT, None
            )
            if count <= 0:
                return
            now = time.monotonic_ns()
            names = np.frombuffer(self._names.raw[: 16 * count], dtype=np.uint8).reshape(count, 16)
            port = names[:, 2:4].copy().view(">u2").ravel().astype(np.int64)
            stamp = self._buffer[:count, 4:8].copy().view(">u4").ravel().astype(np.int64)
            self.headers.append(np.stack([port, stamp, np.full(count, now, dtype=np.int64)], axis=1))
            if count < self.batch:
                return

    def figures(self, window_start: int, window_end: int) -> dict[str, Any]:
        """Frames received against frames expected (between each stream's first and last frame in the
        window), and how late frames came against their stream's own 20 ms schedule."""
        if not self.headers:
            return {"frames_expected": 0, "frames_received": 0, "loss_fraction": 1.0}
        rows = np.concatenate(self.headers)
        rows = rows[(rows[:, 2] >= window_start) & (rows[:, 2] < window_end)]
        received = expected = 0
        lateness: list[npt.NDArray[np.int64]] = []
        for port in np.unique(rows[:, 0]):
            stream = rows[rows[:, 0] == port]
            stamps, first = np.unique(stream[:, 1], return_index=True)
            received += len(stamps)
            expected += int((stamps.max() - stamps.min()) // 160) + 1
            due = (stream[first, 1] - stamps.min()) // 160 * FRAME_NS
            offset = stream[first, 2] - due
            lateness.append(offset - offset.min())
        if not lateness:  # nothing came back inside the window (an engine starved by the machine)
            return {"frames_expected": 0, "frames_received": 0, "loss_fraction": 1.0}
        late_ms = np.concatenate(lateness) / 1e6
        return {
            "frames_expected": expected,
            "frames_received": received,
            "loss_fraction": round(1.0 - received / expected, 6) if expected else 1.0,
            "lateness_p50_ms": round(float(np.percentile(late_ms, 50)), 2),
            "lateness_p99_ms": round(float(np.percentile(late_ms, 99)), 2),
            "lateness_max_ms": round(float(late_ms.max()), 2),
        }


PORT_MIN = 60000  # above the ranges the test suites and the peers use (an RTP/RTCP pair per leg)


def run_level(kind: str, calls: int, seconds: float) -> dict[str, Any]:
    port_min = PORT_MIN
    command = [sys.executable, __file__, "--serve", kind, str(calls), "--port-min", str(port_min)]
    load_before = [round(x, 2) for x in os.getloadavg()]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        os.sched_setaffinity(server.pid, {0})
        assert server.stdout is not None
        assert server.stdin is not None
        ports = json.loads(server.stdout.readline())["ports"]
        result = {"kind": kind, "calls": calls} | generate(server.pid, ports, seconds)
        server.stdin.write("stop\n")
        server.stdin.flush()
        engine = json.loads(server.stdout.readline())
        stall = engine["max_tick_lateness_ms"]
        cpu = result["engine_cpu_fraction_of_one_core"]
        result |= {
            "engine_mixes": engine["mixes"],
            "engine_max_tick_lateness_ms": stall,
            "cpu_us_per_call_per_tick": round(cpu * FRAME_NS / 1000 / calls, 2) if calls else None,
            "calls_per_core_by_cpu": round(calls / cpu) if cpu > 0 else None,
            "load_average_before": load_before,
            "passed": result["loss_fraction"] < TARGET_LOSS
            and result["delivered_fraction"] > 1 - TARGET_LOSS - 0.01
            and result.get("lateness_p99_ms", TARGET_LATE_MS) < TARGET_LATE_MS,
        }
        return result
    finally:
        if server.poll() is None and server.stdin is not None and not server.stdin.closed:
            server.stdin.close()
        server.wait(timeout=60)


def generate(server_pid: int, ports: list[list[int]], seconds: float) -> dict[str, Any]:
    gc.disable()  # the generator's own pauses must not show up as engine loss
    width = len(ports[0])
    sockets = [make_socket() for _ in range(width)]
    senders = [
        BatchSender(sockets[side], [("127.0.0.1", legs[side]) for legs in ports], first_leg=side * len(ports))
        for side in range(width)
    ]
    counter = StreamCounter(sockets)
    warmup_ns = 2_000_000_000
    start = time.monotonic_ns()
    window_start = start + warmup_ns
    window_end = window_start + int(seconds * 1e9)
    cpu_before: float | None = None
    per_slot = (len(ports) + SLOTS - 1) // SLOTS
    tick = 0
    while (tick_start := start + tick * FRAME_NS) < window_end:
        if cpu_before is None and tick_start >= window_start:
            cpu_before = cpu_seconds(server_pid)
        for slot in range(SLOTS):
            counter.drain_until(tick_start + slot * FRAME_NS // SLOTS)
            for sender in senders:
                sender.send(slot * per_slot, min(len(ports), (slot + 1) * per_slot), tick)
        tick += 1
    cpu_after = cpu_seconds(server_pid)
    counter.drain_until(time.monotonic_ns() + 300_000_000)
    for sock in sockets:
        sock.close()
    gc.enable()
    figures = counter.figures(window_start, window_end)
    due = len(ports) * width * seconds * 1e9 / FRAME_NS
    return {
        "legs": len(ports) * width,
        **figures,
        # Frames that came back in the window against the frames every leg should get in it: below 1
        # when the engine fell behind (a starved engine also shows a low CPU cost: read it only here).
        "delivered_fraction": round(figures["frames_received"] / due, 4),
        "engine_cpu_fraction_of_one_core": round((cpu_after - (cpu_before or cpu_after)) / seconds, 3),
    }


def per_core(levels: list[dict[str, Any]]) -> dict[str, Any]:
    """How many monitored calls one core mixes: the engine's CPU per monitored call at the largest level
    that met every target, else at the largest that at least delivered every frame (a starved engine
    that skipped ticks did less work and would look cheaper, so such levels are not used)."""
    monitored = [lv for lv in levels if lv["kind"] == "monitored"]
    passed = [lv for lv in monitored if lv["passed"]]
    whole = [
        lv for lv in monitored if lv["delivered_fraction"] >= 0.999 and lv["loss_fraction"] < TARGET_LOSS
    ]
    if passed:
        basis, how = max(passed, key=lambda lv: lv["calls"]), "the largest level that met every target"
    elif whole:
        basis = max(whole, key=lambda lv: lv["calls"])
        how = "the largest level that delivered every frame (its lateness missed the target: shared machine)"
    else:
        return {
            "monitored_calls_per_core": None,
            "how": "no level delivered every frame: not established end to end",
            **mixing_path_estimate(),
        }
    return {
        "monitored_calls_per_core": basis["calls_per_core_by_cpu"],
        "cpu_us_per_monitored_call_per_tick": basis["cpu_us_per_call_per_tick"],
        "at_calls": basis["calls"],
        "how": how,
    }


def mixing_path_estimate() -> dict[str, Any]:
    """The mixing path alone (bench/media_mixing.py, its last run): a whisper mix of three, CPU per
    participant per tick at its largest level, as monitored calls per core (no sockets in it)."""
    path = Path(__file__).resolve().parent / "results" / "media_mixing.json"
    if not path.is_file():
        return {}
    mixing = json.loads(path.read_text())
    whisper = max(
        (r for r in mixing["results"] if r["mode"] == "whisper_3"), key=lambda r: r["mixes"], default=None
    )
    if whisper is None:
        return {}
    per_call_us = 3 * whisper["us_per_participant_per_tick"]
    return {
        "mixing_path_monitored_calls_per_core": round(FRAME_NS / 1000 / per_call_us),
        "mixing_path_us_per_monitored_call_per_tick": round(per_call_us, 1),
        "mixing_path_measured": mixing["date"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", default="100,200,300,400")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--note", default="", help="conditions worth keeping with the figures")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the generator and (inherited) the engine; negative puts them ahead of other "
        "work on a shared machine (needs root); recorded with the figures",
    )
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--port-min", type=int, default=PORT_MIN, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        import uvloop

        uvloop.run(serve(args.serve[0], int(args.serve[1]), args.port_min))
        return
    os.sched_setaffinity(0, {1})
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    levels = []
    for calls in (int(value) for value in args.calls.split(",")):
        for kind in KINDS:  # side by side, so both see the machine as it is at that moment
            result = run_level(kind, calls, args.seconds)
            print(json.dumps(result), flush=True)
            levels.append(result)
    by_calls = []
    for calls in sorted({level["calls"] for level in levels}):
        plain, monitored = (
            next(lv for lv in levels if lv["calls"] == calls and lv["kind"] == k) for k in KINDS
        )
        by_calls.append({
            "calls": calls,
            "plain_passed": plain["passed"],
            "monitored_passed": monitored["passed"],
            "plain_cpu_us_per_call_per_tick": plain["cpu_us_per_call_per_tick"],
            "monitored_cpu_us_per_call_per_tick": monitored["cpu_us_per_call_per_tick"],
            "monitored_cost_relative_to_plain": round(
                monitored["engine_cpu_fraction_of_one_core"] / plain["engine_cpu_fraction_of_one_core"], 2
            ) if plain["engine_cpu_fraction_of_one_core"] else None,
        })  # fmt: skip
    passing = {kind: max((lv["calls"] for lv in levels if lv["kind"] == kind and lv["passed"]), default=0)
               for kind in KINDS}  # fmt: skip
    path = write_result("monitoring_mix", {
        "description": "monitored calls (3-party whisper mix) beside plain bridged calls, engine on one core",
        "targets": {"loss_fraction_below": TARGET_LOSS, "lateness_p99_ms_below": TARGET_LATE_MS},
        "max_calls_passing": passing,
        "per_core": per_core(levels),
        "measured_seconds_per_level": args.seconds,
        "note": args.note,
        "niceness": args.nice,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],  # the machine may be shared
        "by_calls": by_calls,
        "levels": levels,
    })  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
