"""One state change delivered to many connected WebSocket clients: per-client delivery latency.

    .venv/bin/python bench/event_fanout.py [--clients 1000] [--rounds 30]  → bench/results/event_fanout.json

A real uvicorn server (uvloop) runs in a subprocess with a minimal, auth-free Starlette app that
mounts `run_event_session` on `/events`. This process opens the clients (websockets package),
asks the server over a control WebSocket to publish one event per round, and takes each client's
latency as the time its `event` frame was received minus the time the server called
`hub.publish` (CLOCK_MONOTONIC is shared by all processes on the host). Clients acknowledge
between rounds, so acks do not compete with the measured delivery. The server also records
when the last event frame of a round was handed to its socket (server fan-out time).

Four server variants: with permessage-deflate (browsers offer it and uvicorn accepts it by
default) or without compression, each with CPython's default garbage collector settings or
tuned ones (gc.freeze() at start, generation-0 threshold 50,000): with ~200 tracked objects per
open WebSocket, a full collection stalls every connection for tens of milliseconds.
Target (foundation issue, "Live events"): p99 < 100 ms on two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result

TARGET_P99_MS = 100.0
WARMUP_ROUNDS = 2
ROUND_TIMEOUT_S = 30.0
CONNECT_CONCURRENCY = 50
TUNED_GC_THRESHOLD = 50_000
"""Generation-0 threshold of the tuned server (CPython's default is 700), after gc.freeze()."""


# --- server side (subprocess) -------------------------------------------------------------------


def serve(fd: int, heartbeat_s: float, queue_limit: int, gc_threshold: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    from c122.domain.users import Actor, Role
    from c122.realtime.hub import EventHub
    from c122.realtime.session import ResumeRequest, run_event_session
    from c122.services.events import Audience, OutboundEvent

    hub = EventHub(queue_limit=queue_limit)
    audience = Audience(group_ids=frozenset({1}))
    fanout = FanoutClock()

    async def snapshot() -> dict[str, Any]:
        return {"bench": True}

    async def events(websocket: WebSocket) -> None:
        await websocket.accept()
        viewer = Actor(
            user_id=int(websocket.query_params["user"]), role=Role.OPERATOR, group_ids=frozenset({1})
        )
        resume = ResumeRequest.from_query(websocket.query_params)
        await run_event_session(fanout.watch(websocket), hub, viewer, snapshot, resume, heartbeat_s)

    async def control(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            command = json.loads(text)
            if command["op"] == "publish":
                data = {"round": command["round"], "published_at": time.monotonic()}
                fanout.start(data["published_at"], expected=hub.stats().attached)
                hub.publish(OutboundEvent("bench.changed", data, audience, datetime.now(UTC)))
            stats = hub.stats()
            reply = {"attached": stats.attached, "unacked": stats.unacked, "fanout_ms": fanout.last_ms}
            await websocket.send_text(json.dumps(reply))

    app = Starlette(routes=[WebSocketRoute("/events", events), WebSocketRoute("/control", control)])
    if gc_threshold:
        # A full collection walks every tracked object (about 200 per open WebSocket) and stalls
        # every connection; fewer young collections mean far fewer full ones.
        gc.freeze()
        gc.set_threshold(gc_threshold, *gc.get_threshold()[1:])
    uvicorn.run(app, fd=fd, loop="uvloop", log_level="warning")


class FanoutClock:
    """Server side: when the last of the expected event frames was handed to its socket."""

    def __init__(self) -> None:
        self.published_at = 0.0
        self.expected = 0
        self.sent = 0
        self.last_ms: float | None = None

    def start(self, published_at: float, expected: int) -> None:
        self.published_at, self.expected, self.sent, self.last_ms = published_at, expected, 0, None

    def watch(self, socket: Any) -> _WatchedSocket:
        return _WatchedSocket(socket, self)

    def event_sent(self) -> None:
        self.sent += 1
        if self.sent == self.expected:
            self.last_ms = (time.monotonic() - self.published_at) * 1000


class _WatchedSocket:
    def __init__(self, socket: Any, clock: FanoutClock) -> None:
        self._socket = socket
        self._clock = clock

    async def send_text(self, data: str) -> None:
        await self._socket.send_text(data)
        if data.startswith('{"kind":"event"'):
            self._clock.event_sent()

    async def receive_text(self) -> str:
        text: str = await self._socket.receive_text()
        return text

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self._socket.close(code, reason)


# --- client side ------------------------------------------------------------------------------


@dataclass
class Client:
    connection: Any
    last_id: int = 0
    latencies_ms: dict[int, float] = field(default_factory=dict)


@dataclass
class Rounds:
    expected: int
    received: dict[int, int] = field(default_factory=dict)
    complete: dict[int, asyncio.Event] = field(default_factory=dict)

    def event_for(self, round_no: int) -> asyncio.Event:
        return self.complete.setdefault(round_no, asyncio.Event())

    def count(self, round_no: int) -> None:
        self.received[round_no] = self.received.get(round_no, 0) + 1
        if self.received[round_no] == self.expected:
            self.event_for(round_no).set()


async def listen(client: Client, rounds: Rounds) -> None:
    async for frame in client.connection:
        received_at = time.monotonic()
        message = json.loads(frame)
        if message["kind"] == "event":
            client.last_id = message["id"]
            round_no = message["data"]["round"]
            client.latencies_ms[round_no] = (received_at - message["data"]["published_at"]) * 1000
            rounds.count(round_no)
        elif message["kind"] == "ping":
            await client.connection.send('{"kind":"pong"}')


async def open_clients(url: str, count: int, deflate: bool) -> list[Client]:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(user: int) -> Client:
        async with gate:
            connection = await connect(
                f"{url}/events?user={user}",
                open_timeout=60,
                compression="deflate" if deflate else None,
            )
            ready = json.loads(await connection.recv())
            assert ready["kind"] == "ready", ready
            return Client(connection)

    return list(await asyncio.gather(*(open_one(user) for user in range(1, count + 1))))


async def measure(url: str, clients_count: int, rounds_count: int, deflate: bool) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    control = await connect(f"{url}/control", open_timeout=60)

    async def command(op: str, **fields: Any) -> dict[str, Any]:
        await control.send(json.dumps({"op": op, **fields}))
        reply: dict[str, Any] = json.loads(await control.recv())
        return reply

    started = time.monotonic()
    clients = await open_clients(url, clients_count, deflate)
    connect_s = time.monotonic() - started
    gc.collect()
    gc.freeze()  # keep the measuring side's collector from pausing in the middle of a round
    stats = await command("stats")
    assert stats["attached"] == clients_count, stats
    rounds = Rounds(expected=clients_count)
    listeners = [asyncio.create_task(listen(client, rounds)) for client in clients]

    last_delivery_ms: list[float] = []
    server_fanout_ms: list[float] = []
    for round_no in range(rounds_count):
        done = rounds.event_for(round_no)
        await command("publish", round=round_no)
        async with asyncio.timeout(ROUND_TIMEOUT_S):
            await done.wait()
        last_delivery_ms.append(max(client.latencies_ms[round_no] for client in clients))
        for client in clients:
            await client.connection.send(json.dumps({"kind": "ack", "id": client.last_id}))
        # The acks travel on a thousand other connections: poll the server until all have landed.
        while (stats := await command("stats"))["unacked"]:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        server_fanout_ms.append(stats["fanout_ms"])

    for task in listeners:
        task.cancel()
    await asyncio.gather(*(client.connection.close() for client in clients), return_exceptions=True)
    await control.close()

    samples = [client.latencies_ms[r] for client in clients for r in range(WARMUP_ROUNDS, rounds_count)]
    return {
        "connect_all_s": round(connect_s, 2),
        **percentiles(samples),
        "last_client_per_round_ms": [round(value, 2) for value in last_delivery_ms[WARMUP_ROUNDS:]],
        "server_fanout_per_round_ms": [round(value, 2) for value in server_fanout_ms[WARMUP_ROUNDS:]],
    }


@dataclass(frozen=True)
class Variant:
    deflate: bool
    gc_threshold: int


VARIANTS = {
    "deflate_default_gc": Variant(deflate=True, gc_threshold=0),
    "plain_default_gc": Variant(deflate=False, gc_threshold=0),
    "deflate_tuned_gc": Variant(deflate=True, gc_threshold=TUNED_GC_THRESHOLD),
    "plain_tuned_gc": Variant(deflate=False, gc_threshold=TUNED_GC_THRESHOLD),
}


def run_variant(args: argparse.Namespace, variant: Variant) -> dict[str, Any]:
    """One server subprocess and one measurement; the load average shows how busy the host was."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
    port = listener.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            *("--serve-fd", str(listener.fileno())),
            *("--heartbeat", str(args.heartbeat)),
            *("--queue-limit", str(args.queue_limit)),
            *("--gc-threshold", str(variant.gc_threshold)),
        ],
        pass_fds=[listener.fileno()],
    )
    listener.close()
    try:
        load_before = os.getloadavg()[0]
        figures = uvloop.run(measure(f"ws://127.0.0.1:{port}", args.clients, args.rounds, variant.deflate))
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return figures | {"load_average_1m": [round(load_before, 2), round(load_after, 2)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--heartbeat", type=float, default=15.0)
    parser.add_argument("--queue-limit", type=int, default=1000)
    parser.add_argument("--gc-threshold", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fd is not None:
        serve(args.serve_fd, args.heartbeat, args.queue_limit, args.gc_threshold)
        return
    if args.rounds <= WARMUP_ROUNDS:
        parser.error(f"--rounds must be above the {WARMUP_ROUNDS} warm-up rounds")

    results = {name: run_variant(args, variant) for name, variant in VARIANTS.items()}
    path = write_result(
        "event_fanout",
        {
            "parameters": {
                "clients": args.clients,
                "rounds": args.rounds,
                "warmup_rounds": WARMUP_ROUNDS,
                "heartbeat_s": args.heartbeat,
                "queue_limit": args.queue_limit,
                "tuned_gc_threshold0": TUNED_GC_THRESHOLD,
            },
            "software": {name: version(name) for name in ("uvicorn", "uvloop", "starlette", "websockets")},
            "target": {"p99_ms": TARGET_P99_MS},
            "results": results,
            "meets_target": {name: figures["p99_ms"] < TARGET_P99_MS for name, figures in results.items()},
        },
    )
    summary = {
        name: {key: figures[key] for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")}
        for name, figures in results.items()
    }
    print(json.dumps(summary, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
