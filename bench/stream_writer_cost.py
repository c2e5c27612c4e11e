"""The event streams' own CPU per delivered event: hub, stream and writer, sockets that cost nothing.

    .venv/bin/python bench/stream_writer_cost.py [--streams 1000] [--rounds 50] [--repeats 5]
        → bench/results/stream_writer_cost.json

`--streams` sessions (`run_event_session`, each with its reader, writer and watcher tasks) hold a
stream of one hub; their sockets count frames and do nothing else, so what is measured is the
product's share of a fan-out, without the framework, the WebSocket framing or the kernel. Each round
publishes one event and waits until every writer has handed it over; the figure is the process's CPU
time per delivery (CPU, not wall time: the host is shared, and another process's turn on the cores
does not count here).

Side by side in one process, alternating `--repeats` times: the product's writer wake-up (one timer
per heartbeat, shared by every wait for the next event) and the one before it (a timer armed and
cancelled for every wait), kept here as the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result

from c122.domain.users import Actor, Role
from c122.realtime import wakeup
from c122.realtime.hub import EventHub
from c122.realtime.session import run_event_session
from c122.services.events import Audience, OutboundEvent

GROUP = 1


class Frames:
    """Counts the frames every socket took; `reached` is set once `goal` of them were."""

    def __init__(self) -> None:
        self.sent = 0
        self.goal = 0
        self.reached = asyncio.Event()

    async def until(self, goal: int) -> None:
        self.goal = goal
        self.reached.clear()
        if self.sent < goal:
            await self.reached.wait()

    def count(self) -> None:
        self.sent += 1
        if self.sent >= self.goal:
            self.reached.set()


class CountingSocket:
    """Takes every frame at once; never receives anything (no acks: the hub's limit is raised)."""

    def __init__(self, frames: Frames) -> None:
        self._frames = frames
        self._never: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def send_text(self, data: str) -> None:
        self._frames.count()

    async def receive_text(self) -> str:
        return await self._never

    async def close(self, code: int = 1000, reason: str = "") -> None:
        return None


async def wait_with_a_timer_each_time(self: Any, deadline: float) -> bool:
    """The baseline: the wake-up as it was, a timer armed and cancelled for every wait."""
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[bool] = loop.create_future()
    timer = loop.call_at(deadline, lambda: waiter.done() or waiter.set_result(False))
    entry = (waiter, float("inf"))
    self._waiters.append(entry)
    try:
        woken: bool = await waiter
    finally:
        timer.cancel()
    if not woken:
        self._waiters.remove(entry)
    return woken


async def cpu_per_delivery_us(streams: int, rounds: int) -> float:
    hub = EventHub(queue_limit=rounds + 10)
    frames = Frames()

    async def snapshot() -> dict[str, Any]:
        return {}

    viewers = [Actor(n + 10, Role.OPERATOR, frozenset({GROUP})) for n in range(streams)]
    sessions = [
        asyncio.create_task(run_event_session(CountingSocket(frames), hub, viewer, snapshot, None, 600.0))
        for viewer in viewers
    ]
    await frames.until(streams)  # every `ready` out
    event = OutboundEvent(
        type="broadcast.sent",
        data={"id": 1, "text": "Проверка рассылки", "sender": {"id": 2, "full_name": "Старший смены"}},
        audience=Audience(group_ids=frozenset({GROUP})),
        occurred_at=datetime.now(UTC),
    )
    gc.collect()
    started = time.process_time()
    for _ in range(rounds):
        hub.publish(event)
        await frames.until(frames.sent + streams)
    spent = time.process_time() - started
    for session in sessions:
        session.cancel()
    await asyncio.gather(*sessions, return_exceptions=True)
    return spent / (rounds * streams) * 1e6


async def run(args: argparse.Namespace) -> dict[str, Any]:
    product = wakeup.Wakeup.wait
    samples: dict[str, list[float]] = {"product_one_timer_per_heartbeat": [], "baseline_timer_per_wait": []}
    for _ in range(args.repeats):
        for name, wait in (
            ("product_one_timer_per_heartbeat", product),
            ("baseline_timer_per_wait", wait_with_a_timer_each_time),
        ):
            wakeup.Wakeup.wait = wait  # type: ignore[method-assign]
            samples[name].append(round(await cpu_per_delivery_us(args.streams, args.rounds), 2))
    wakeup.Wakeup.wait = product  # type: ignore[method-assign]
    return {
        name: {"cpu_us_per_delivery_median": statistics.median(values), "runs": values}
        for name, values in samples.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    figures = uvloop.run(run(args))
    load = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
    parameters = {"streams": args.streams, "rounds": args.rounds, "repeats": args.repeats}
    result = {"command": " ".join(sys.argv), "parameters": parameters, "results": figures}
    path = write_result("stream_writer_cost", {**result, "load_average_1m": load})
    print(figures)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
