"""Bridged RTP calls on one core: how many pass-through calls the media engine carries.

    .venv/bin/python bench/media_bridge.py [--calls 250,500,750,1000,1250] [--seconds 8] [--record]
        → bench/results/media_bridge.json (or media_bridge_recording.json with --record)

The media engine runs in a child process pinned to CPU 0 (uvloop, the product's engine and
message API): 2 x N RTP endpoints, bridged in pairs, each pair optionally recorded to a stereo
WAV. This process, pinned to CPU 1, is the load generator: every 20 ms it sends one 160-byte
G.711 packet per leg (spread over the 20 ms), and reads back what the engine forwarded. Each
payload carries the leg number and the send time (CLOCK_MONOTONIC is shared by processes), so
the generator measures loss and latency per packet. A level passes when loss < 0.1 % and the
p99 latency < 20 ms; the figure reported is the largest passing N. The engine's CPU use
(utime + stime from /proc) over the measured window is recorded for each level, with the calls
a whole core would carry at that cost per call (`calls_per_core_by_cpu`), the share of packets
the engine's relay forwarded in place, and the load average before the level (the machine may
be shared). With `--bare` the same levels also run against a bare uvloop relay, and each level
gets the engine's CPU cost relative to it (`cpu_relative_to_bare_relay`); each bare level runs
right after the engine's, as the machine's speed drifts over minutes. A number of calls may be
repeated (`--calls 1000,1000,1000`): `by_calls` gives the trials passed and the median CPU per
number, and a number counts as passing only if every trial of it passed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from bench.common import percentiles, write_result
from bench.media_load import BatchSender, Receiver

TARGET_LOSS = 0.001
TARGET_P99_MS = 20.0
FRAME_NS = 20_000_000
SLOTS = 10  # sends spread over the 20 ms in 2 ms slots, like independent phones


# --- engine side (child process) -----------------------------------------------------------------


async def serve(calls: int, record: bool, port_min: int) -> None:
    from c122.telephony.media.engine import MediaEngine
    from c122.telephony.media.messages import EndpointOpened, OpenEndpoint, SetBridge, StartRecording

    engine = MediaEngine(bind_host="127.0.0.1", port_min=port_min, port_max=port_min + 4 * calls + 100)
    await engine.start()
    ports: list[list[int]] = []
    folder = Path(tempfile.mkdtemp(prefix="media-bench-"))
    for call in range(calls):
        pair = []
        for side in ("a", "b"):
            opened = await engine.execute(OpenEndpoint(f"{call}{side}", media_timeout=None))
            assert isinstance(opened, EndpointOpened)
            pair.append(opened.port)
        await engine.execute(
            SetBridge(
                f"bridge{call}",
                (f"{call}a", f"{call}b"),
                ((f"{call}a", f"{call}b"), (f"{call}b", f"{call}a")),
            )
        )
        if record:
            await engine.execute(
                StartRecording(f"rec{call}", str(folder / f"{call}.wav"), f"{call}a", f"{call}b")
            )
        ports.append(pair)
    print(json.dumps({"ports": ports}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # until the generator is done
    received = sum(endpoint.stats.received for endpoint in engine.endpoints())
    report = {
        "packets_relayed_in_place": engine.relay.relayed,
        "packets_received": received,
        "relay_passes": engine.relay.passes,
        "max_tick_lateness_ms": engine.health().max_tick_lateness_ms,  # the loop's longest stall
    }
    print(json.dumps(report), flush=True)
    await engine.stop()
    await loop.run_in_executor(None, shutil.rmtree, folder)


async def serve_bare(calls: int, port_min: int) -> None:
    """The reference: a bare uvloop relay (latch, forward the datagram as is), no engine."""
    loop = asyncio.get_running_loop()

    class Relay(asyncio.DatagramProtocol):
        def __init__(self) -> None:
            self.transport: asyncio.DatagramTransport | None = None
            self.source: tuple[str, int] | None = None
            self.peer: Relay | None = None

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport  # type: ignore[assignment]  # uvloop's UDPTransport

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            self.source = addr
            peer = self.peer
            if peer is not None and peer.source is not None and peer.transport is not None:
                peer.transport.sendto(data, peer.source)

    ports: list[list[int]] = []
    relays = []
    for _ in range(calls):
        pair = []
        for _side in range(2):
            transport, relay = await loop.create_datagram_endpoint(Relay, local_addr=("127.0.0.1", 0))
            relays.append(relay)
            pair.append(transport.get_extra_info("sockname")[1])
        relays[-1].peer, relays[-2].peer = relays[-2], relays[-1]
        ports.append(pair)
    print(json.dumps({"ports": ports}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)


# --- load generator (this process) -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_SO_RCVBUFFORCE = 33  # Linux; not in the socket module


def make_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    # One socket takes a whole side's traffic (40,000 datagrams/s at 800 calls): past rmem_max where
    # allowed (root), so that a generator that reads late on a loaded machine delays, not drops.
    with contextlib.suppress(PermissionError):
        sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, 64 * 1024 * 1024)
    sock.bind(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def run_level(calls: int, seconds: float, record: bool, bare: bool = False) -> dict[str, Any]:
    port_min = 20000
    command = [sys.executable, __file__, "--serve", str(calls), "--port-min", str(port_min)]
    command += ["--record"] if record else []
    command += ["--bare"] if bare else []
    load_before = [round(x, 2) for x in os.getloadavg()]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        os.sched_setaffinity(server.pid, {0})
        assert server.stdout is not None
        assert server.stdin is not None
        ports = json.loads(server.stdout.readline())["ports"]
        result = generate(server.pid, ports, seconds) | {"calls": calls}
        cpu = result["engine_cpu_fraction_of_one_core"]
        # What a whole core would carry at this cost per call; robust to other load on the
        # machine, which shows up as latency and loss at CPU fractions well below 1.
        result["calls_per_core_by_cpu"] = round(calls / cpu) if cpu > 0 else None
        result["load_average_before"] = load_before  # the machine is shared: other work shows here
        server.stdin.write("stop\n")
        server.stdin.flush()
        if not bare:
            engine = json.loads(server.stdout.readline())
            relayed, received = engine["packets_relayed_in_place"], engine["packets_received"]
            result["relayed_in_place_fraction"] = round(relayed / received, 4) if received else None
            result["packets_per_relay_pass"] = round(received / engine["relay_passes"], 1)
            result["engine_max_tick_lateness_ms"] = engine["max_tick_lateness_ms"]
        return result
    finally:
        if server.poll() is None and server.stdin is not None and not server.stdin.closed:
            server.stdin.close()  # the engine stops at the end of its input
        server.wait(timeout=60)


def generate(
    server_pid: int | list[int], ports: list[list[int]], seconds: float, bind: tuple[int, int] = (0, 0)
) -> dict[str, Any]:
    """Runs the load against `ports` (per call: where side 0 sends, where side 1 sends) from one
    socket per side (on the ports `bind`, 0: any); the CPU is that of the process(es) `server_pid`."""
    pids = server_pid if isinstance(server_pid, list) else [server_pid]
    gc.disable()  # the generator's own pauses must not show up as engine latency
    sockets = [make_socket(bind[0]), make_socket(bind[1])]
    senders = [
        BatchSender(sockets[side], [("127.0.0.1", pair[side]) for pair in ports], first_leg=side * len(ports))
        for side in (0, 1)
    ]
    receiver = Receiver(sockets)
    warmup_ns = 2_000_000_000
    start = time.monotonic_ns()
    window_start = start + warmup_ns
    window_end = window_start + int(seconds * 1e9)
    sent_in_window = 0
    cpu_before: float | None = None
    per_slot = (len(ports) + SLOTS - 1) // SLOTS
    tick = 0
    while (tick_start := start + tick * FRAME_NS) < window_end:
        if cpu_before is None and tick_start >= window_start:
            cpu_before = sum(cpu_seconds(pid) for pid in pids)
        for slot in range(SLOTS):
            receiver.drain_until(tick_start + slot * FRAME_NS // SLOTS)
            for sender in senders:
                sent, at = sender.send(slot * per_slot, min(len(ports), (slot + 1) * per_slot), tick)
                if window_start <= at < window_end:
                    sent_in_window += sent
        tick += 1
    cpu_after = sum(cpu_seconds(pid) for pid in pids)
    receiver.drain_until(time.monotonic_ns() + 300_000_000)
    generator_drops = udp_socket_drops({sock.getsockname()[1] for sock in sockets})
    for sock in sockets:
        sock.close()
    sent_at, latencies = receiver.collected()
    in_window = (sent_at >= window_start) & (sent_at < window_end)
    received_in_window = int(np.count_nonzero(in_window))
    loss = 1.0 - received_in_window / sent_in_window if sent_in_window else 1.0
    window_latencies = latencies[in_window] / 1e6
    latency = percentiles(window_latencies.tolist()) if received_in_window else {}
    return {
        "packets_sent": sent_in_window,
        "packets_received": received_in_window,
        "loss_fraction": round(max(loss, 0.0), 6),
        "latency": latency,
        "engine_cpu_fraction_of_one_core": round((cpu_after - (cpu_before or cpu_after)) / seconds, 3),
        # Datagrams the kernel dropped on the generator's own sockets (it read too late): lost on the
        # way back, but not by the media under test.
        "generator_socket_drops": generator_drops,
        "passed": loss < TARGET_LOSS and bool(latency) and latency["p99_ms"] < TARGET_P99_MS,
    }


def udp_socket_drops(ports: set[int] | range) -> int:
    """The kernel's drop counts (a full receive queue) of the open loopback UDP sockets on `ports`."""
    drops = 0
    for line in Path("/proc/net/udp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) in ports:
            drops += int(fields[-1])
    return drops


def median_cpu(levels: list[dict[str, Any]]) -> float:
    return round(float(np.median([level["engine_cpu_fraction_of_one_core"] for level in levels])), 3)


def summarise(levels: list[dict[str, Any]], reference: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per number of calls: trials passed and the median CPU, of the engine and of the bare relay."""
    summaries = []
    for calls in sorted({level["calls"] for level in levels}):
        trials = [level for level in levels if level["calls"] == calls]
        bare = [level for level in reference if level["calls"] == calls]
        summary: dict[str, Any] = {
            "calls": calls,
            "trials": len(trials),
            "engine_trials_passed": sum(level["passed"] for level in trials),
            "engine_cpu_median": median_cpu(trials),
        }
        if bare:
            summary["bare_trials_passed"] = sum(level["passed"] for level in bare)
            summary["bare_cpu_median"] = median_cpu(bare)
            ratios = [t["cpu_relative_to_bare_relay"] for t in trials if "cpu_relative_to_bare_relay" in t]
            if ratios:
                summary["cpu_relative_to_bare_relay_median"] = round(float(np.median(ratios)), 3)
        summaries.append(summary)
    return summaries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", default="250,500,750,1000,1250")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--note", default="", help="conditions worth keeping with the figures")
    parser.add_argument("--bare", action="store_true", help="also measure a bare uvloop relay as reference")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the generator and (inherited) the engine; negative puts them ahead of other "
        "work on a shared machine (needs root); recorded with the figures",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port-min", type=int, default=20000, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        import uvloop

        if args.bare:
            uvloop.run(serve_bare(args.serve, args.port_min))
        else:
            uvloop.run(serve(args.serve, args.record, args.port_min))
        return
    os.sched_setaffinity(0, {1})
    if args.nice:
        os.setpriority(os.PRIO_PROCESS, 0, args.nice)
    levels, reference = [], []
    for calls in (int(value) for value in args.calls.split(",")):
        result = run_level(calls, args.seconds, args.record)
        print(json.dumps(result), flush=True)
        levels.append(result)
        if args.bare:  # right after, so that both see the machine as it is at that moment
            bare = run_level(calls, args.seconds, record=False, bare=True)
            print("bare relay", json.dumps(bare), flush=True)
            reference.append(bare)
            if bare["engine_cpu_fraction_of_one_core"]:
                result["cpu_relative_to_bare_relay"] = round(
                    result["engine_cpu_fraction_of_one_core"] / bare["engine_cpu_fraction_of_one_core"], 3
                )
    by_calls = summarise(levels, reference)
    # A level repeated in --calls passes only if every trial of it passed.
    passing = [each["calls"] for each in by_calls if each["engine_trials_passed"] == each["trials"]]
    name = "media_bridge_recording" if args.record else "media_bridge"
    path = write_result(name, {
        "description": "pass-through bridged G.711 calls, engine on one core, generator on the other"
        + (", every call recorded to stereo WAV" if args.record else ""),
        "targets": {"loss_fraction_below": TARGET_LOSS, "p99_latency_ms_below": TARGET_P99_MS,
                    "calls_per_core": 500 if args.record else 1000},
        "max_calls_passing": max(passing, default=0),
        "measured_seconds_per_level": args.seconds,
        "note": args.note,
        "niceness": args.nice,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],  # the machine may be shared
        "by_calls": by_calls,
        "levels": levels,
        "bare_uvloop_relay_same_generator": reference,
    })  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
