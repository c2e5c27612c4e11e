"""Shared by the benchmarks: machine facts, writing results as JSON under bench/results/, and an optional
profile of a benchmarked server."""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import os
import platform
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)

    def at(fraction: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 3)

    return {
        "count": len(ordered),
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


def write_result(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    path.write_text(json.dumps({**document, **figures}, ensure_ascii=False, indent=2) + "\n")
    return path


class Acknowledger:
    """Acknowledges a stream's events as the web client does (web/src/shared/events/stream.ts): one
    cumulative `ack` `delay_s` after the first unacknowledged event; 0 acknowledges every event at once
    (the client before acknowledgements were coalesced)."""

    def __init__(self, socket: Any, delay_s: float) -> None:
        self._socket = socket
        self._delay_s = delay_s
        self._last = 0
        self._pending: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task[None] | None = None

    async def received(self, event_id: int) -> None:
        self._last = event_id
        if self._delay_s <= 0:
            await self._socket.send(json.dumps({"kind": "ack", "id": event_id}))
        elif self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(self._delay_s, self._send)

    def _send(self) -> None:
        self._pending = None
        self._sending = asyncio.get_running_loop().create_task(self._send_now(self._last))

    async def _send_now(self, event_id: int) -> None:
        with contextlib.suppress(Exception):  # the socket has closed: the resume acknowledges instead
            await self._socket.send(json.dumps({"kind": "ack", "id": event_id}))


def run_profiled(run: Callable[[], None]) -> None:
    """`run()`, under cProfile when C122_BENCH_PROFILE names a file to write the statistics to (read
    them with `python -m pstats <file>`): where a benchmarked server's CPU went."""
    profile_to = os.environ.get("C122_BENCH_PROFILE")
    if not profile_to:
        run()
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        run()
    finally:
        profile.disable()
        profile.dump_stats(profile_to)


def set_niceness(nice: int) -> None:
    """This process and its children at `nice`, also against other sessions' work: with the kernel's
    autogroups (sched_autogroup_enabled) the CPU is shared between sessions first, so a niceness
    alone only orders this session's own processes; a session of its own with that niceness is
    what puts the bench ahead of (or behind) the rest of the machine."""
    os.setpriority(os.PRIO_PROCESS, 0, nice)
    try:
        os.setsid()
    except PermissionError:  # a process group's leader (started as a shell's job): never renice the
        print("niceness: not in a session of its own (run it under setsid)", file=sys.stderr)
        return  # shell's whole session through its autogroup
    with contextlib.suppress(OSError):  # no autogroups here: the niceness above is all there is
        Path("/proc/self/autogroup").write_text(str(nice))
