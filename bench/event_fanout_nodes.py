"""Events across two nodes through Redis to 1,000 desktops; ACD failover.

    .venv/bin/python bench/event_fanout_nodes.py [--clients 1000] [--rounds 20] [--repeat 2]
        [--measurers 4] [--baseline-src /path/to/other/checkout/src] [--failovers 5]
        → bench/results/event_fanout_nodes.json (with --baseline-src: event_fanout_nodes_vs_baseline.json)

Fan-out: real uvicorn servers (uvloop, the product's settings from `api/serving.py`) in subprocesses
with an auth-free app mounting `run_event_session` on `/events` (as bench/event_fanout.py does), half
the clients on each of two nodes, each with a `RedisEventBus` on a Redis server this benchmark starts
on a free loopback port; node A publishes, the event reaches node B's clients through Redis. A
client's latency is its receipt time minus node A's `publish` time (CLOCK_MONOTONIC is shared by the
processes of one host); clients acknowledge between rounds. Side by side in one run, alternated
`--repeat` times: the clients measured from one process (as this benchmark measured before: one
Python loop parsing the frames of 1,000 clients, about 100 µs each, spreads one event's receipts
over 100 ms by itself) and spread over `--measurers` processes (1,000 desktops are 1,000
browsers); with `--baseline-src`, nodes importing `c122` from another checkout (e.g. main's) too.
Each node reports its CPU time, so CPU per delivery is given beside the latencies.

Failover: two processes campaign for the ACD's PostgreSQL advisory lock
(`persistence/leadership.py`, checking every second as `c122 serve` does); the leader is killed with
SIGKILL and the time until the other says it leads is taken, `--failovers` times.
Target (issue #24): p99 < 100 ms to 1,000 desktops across two nodes; a new leader within 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from bench.event_fanout import ROUND_TIMEOUT_S, WARMUP_ROUNDS, Rounds, listen, open_clients

TARGET_P99_MS = 100.0
TARGET_FAILOVER_S = 5.0
BASELINE, BRANCH = "baseline", "this_checkout"
GC_THRESHOLD = 50_000
POSTGRES_URL = os.environ.get(
    "C122_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)


# --- a node (subprocess) ------------------------------------------------------------------------


def serve(fd: int, redis_url: str, queue_limit: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket

    from c122.api.serving import server_config
    from c122.domain.users import Actor, Role
    from c122.realtime.bus import EventBus, InProcessEventBus
    from c122.realtime.hub import EventHub
    from c122.realtime.redis_bus import RedisEventBus
    from c122.realtime.session import run_event_session
    from c122.services.events import Audience, OutboundEvent

    hub = EventHub(queue_limit=queue_limit)
    audience = Audience(group_ids=frozenset({1}))
    shared = RedisEventBus(redis_url, on_start=hub.follow_from) if redis_url else None
    bus: EventBus
    if shared is not None:
        shared.subscribe_positioned(hub.publish)
        bus = shared
    else:
        bus = InProcessEventBus()
        bus.subscribe(hub.publish)

    async def snapshot() -> dict[str, Any]:
        return {"bench": True}

    async def events(websocket: WebSocket) -> None:
        await websocket.accept()
        viewer = Actor(
            user_id=int(websocket.query_params["user"]), role=Role.OPERATOR, group_ids=frozenset({1})
        )
        await run_event_session(websocket, hub, viewer, snapshot, None, 15.0)

    async def control(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            command = json.loads(text)
            if command["op"] == "publish":
                data = {"round": command["round"], "published_at": time.monotonic()}
                bus.publish(OutboundEvent("bench.changed", data, audience, datetime.now(UTC)))
            stats = hub.stats()
            connected = shared.connected if shared is not None else True
            reply = {"attached": stats.attached, "unacked": stats.unacked, "bus": connected}
            await websocket.send_text(json.dumps(reply | {"cpu_s": time.process_time()}))

    app = Starlette(routes=[WebSocketRoute("/events", events), WebSocketRoute("/control", control)])
    config = server_config(app, "127.0.0.1", 0)  # as `c122 serve` serves: sans-I/O WebSocket, no deflate
    config.fd = fd

    async def run() -> None:
        task = asyncio.create_task(shared.run()) if shared is not None else None
        await uvicorn.Server(config).serve()
        if task is not None:
            task.cancel()

    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    uvloop.run(run())


def start_node(
    redis_url: str, queue_limit: int, source: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """A node in a subprocess; `source`: another checkout's src/ to import `c122` from instead."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=4096)
    port = listener.getsockname()[1]
    environment = os.environ | ({"PYTHONPATH": source} if source else {})
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-fd", str(listener.fileno()), "--redis", redis_url,
         "--queue-limit", str(queue_limit)],
        pass_fds=[listener.fileno()], env=environment,
    )  # fmt: skip
    listener.close()
    return process, f"ws://127.0.0.1:{port}"


# --- the measuring side -------------------------------------------------------------------------


async def measure(urls: list[str], args: argparse.Namespace, measurers_count: int) -> dict[str, Any]:
    """The clients are spread over `--measurers` processes, as 1,000 desktops are 1,000 browsers:
    one Python loop parsing every frame of 1,000 clients (about 100 µs each on a loaded core) would
    itself spread the receipts of one event over 100 ms."""
    from websockets.asyncio.client import connect

    controls = [await connect(f"{url}/control", open_timeout=60) for url in urls]

    async def command(index: int, op: str, **fields: Any) -> dict[str, Any]:
        await controls[index].send(json.dumps({"op": op, **fields}))
        reply: dict[str, Any] = json.loads(await controls[index].recv())
        return reply

    for index in range(len(urls)):  # each node's bus is connected before anything is published
        while not (await command(index, "stats"))["bus"]:  # noqa: ASYNC110 (another process's state)
            await asyncio.sleep(0.05)
    share = args.clients // len(urls) // measurers_count  # per node, per measuring process
    measurers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--measure",
            ",".join(urls),
            "--clients",
            str(share),
            "--rounds",
            str(args.rounds),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 24,  # the last line carries every latency sample
        )
        for _ in range(measurers_count)
    ]

    async def each_says(word: str) -> list[str]:
        lines = []
        for process in measurers:
            assert process.stdout is not None
            line = (await asyncio.wait_for(process.stdout.readline(), ROUND_TIMEOUT_S * 4)).decode().strip()
            assert line.startswith(word), line
            lines.append(line)
        return lines

    async def tell(word: str) -> None:
        for process in measurers:
            assert process.stdin is not None
            process.stdin.write(f"{word}\n".encode())
            await process.stdin.drain()

    try:
        await each_says("ready")
        cpu_before = [(await command(index, "stats"))["cpu_s"] for index in range(len(urls))]
        for round_no in range(args.rounds):
            await command(0, "publish", round=round_no)
            await each_says(f"round {round_no}")
            await tell("ack")
            await each_says("acked")
            for index in range(len(urls)):
                while (await command(index, "stats"))["unacked"]:  # noqa: ASYNC110 (acks on other sockets)
                    await asyncio.sleep(0.01)
        cpu_used = [(await command(i, "stats"))["cpu_s"] - cpu_before[i] for i in range(len(urls))]
        await tell("done")
        reports = [json.loads(line.removeprefix("done ")) for line in await each_says("done")]
    finally:
        for process in measurers:
            if process.returncode is None:
                process.kill()
            await process.wait()
        for control in controls:
            await control.close()
    samples = [sample for report in reports for sample in report["samples"]]
    clients = share * len(urls) * measurers_count
    deliveries = share * measurers_count * args.rounds  # per node: each of its clients gets each round
    return {
        "clients": clients,
        "nodes": len(urls),
        "measuring_processes": measurers_count,
        **percentiles(samples),
        # CPU time, not wall time, so less skewed by the other work on the machine.
        "node_cpu_us_per_delivery": [round(cpu * 1e6 / deliveries, 1) for cpu in cpu_used],
        "clients_cpu_us_per_delivery": round(
            sum(report["cpu_s"] for report in reports) * 1e6 / (deliveries * len(urls)), 1
        ),
    }


async def measure_share(urls: list[str], per_node: int, rounds_count: int) -> None:
    """One measuring process: `per_node` clients on each node; answers the coordinator on stdout."""
    clients = [client for url in urls for client in await open_clients(url, per_node, deflate=False)]
    gc.collect()
    gc.freeze()
    rounds = Rounds(expected=len(clients))
    listeners = [asyncio.create_task(listen(client, rounds)) for client in clients]
    print("ready", flush=True)
    cpu_before = time.process_time()
    for round_no in range(rounds_count):
        async with asyncio.timeout(ROUND_TIMEOUT_S):
            await rounds.event_for(round_no).wait()
        print(f"round {round_no}", flush=True)
        assert (await asyncio.to_thread(sys.stdin.readline)).strip() == "ack"
        for client in clients:
            await client.connection.send(json.dumps({"kind": "ack", "id": client.last_id}))
        print("acked", flush=True)
    cpu_s = time.process_time() - cpu_before
    assert (await asyncio.to_thread(sys.stdin.readline)).strip() == "done"
    for task in listeners:
        task.cancel()
    samples = [client.latencies_ms[r] for client in clients for r in range(WARMUP_ROUNDS, rounds_count)]
    print("done " + json.dumps({"samples": samples, "cpu_s": cpu_s}), flush=True)
    await asyncio.gather(*(client.connection.close() for client in clients), return_exceptions=True)


def run_fanout(
    redis_url: str, nodes: int, args: argparse.Namespace, code: str, measurers: int
) -> dict[str, Any]:
    """`code`: this checkout's nodes, or (`--baseline-src`) nodes running another checkout's src/."""
    source = args.baseline_src if code == BASELINE else None
    started = [start_node(redis_url, args.queue_limit, source) for _ in range(nodes)]
    try:
        load_before = os.getloadavg()[0]
        figures = uvloop.run(measure([url for _, url in started], args, measurers))
        load_after = os.getloadavg()[0]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=30)
    return figures | {"load_average_1m": [round(load_before, 2), round(load_after, 2)]}


# --- failover -----------------------------------------------------------------------------------


def campaign(key: int) -> None:
    from c122.persistence.leadership import AdvisoryLockLeadership

    print("following", flush=True)
    leadership = AdvisoryLockLeadership(
        POSTGRES_URL,
        key=key,
        on_change=lambda leading: print("leading" if leading else "following", flush=True),
    )
    asyncio.run(leadership.run())


async def one_failover(key: int) -> float:
    async def candidate() -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--campaign", str(key), stdout=asyncio.subprocess.PIPE
        )

    async def says(process: asyncio.subprocess.Process, word: str) -> None:
        assert process.stdout is not None
        while (line := await process.stdout.readline()) and line.decode().strip() != word:
            pass

    first = await candidate()
    await says(first, "leading")
    second = await candidate()
    await says(second, "following")
    await asyncio.sleep(1.5)  # the second has tried and failed at least once: it is campaigning
    killed_at = time.monotonic()
    first.send_signal(signal.SIGKILL)
    await asyncio.wait_for(says(second, "leading"), 30)
    elapsed = time.monotonic() - killed_at
    second.kill()
    await asyncio.gather(first.wait(), second.wait())
    return elapsed


def run_failovers(count: int) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    times = [asyncio.run(one_failover(0x0C122B00 + n)) for n in range(count)]
    return {
        "runs": count,
        "new_leader_after_kill_s": [round(t, 3) for t in times],
        "max_s": round(max(times), 3),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


@contextlib.contextmanager
def redis_server() -> Any:
    with tempfile.TemporaryDirectory() as folder, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        server = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each code, alternated")
    parser.add_argument("--measurers", type=int, default=4, help="processes the clients are spread over")
    parser.add_argument(
        "--baseline-src", default="", help="another checkout's src/ (e.g. main's), side by side"
    )
    parser.add_argument("--failovers", type=int, default=0)
    parser.add_argument("--queue-limit", type=int, default=1000)
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--redis", default="", help=argparse.SUPPRESS)
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)
    parser.add_argument("--campaign", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fd is not None:
        serve(args.serve_fd, args.redis, args.queue_limit)
        return
    if args.measure:
        uvloop.run(measure_share(args.measure.split(","), args.clients, args.rounds))
        return
    if args.campaign is not None:
        campaign(args.campaign)
        return
    # alternated, so every variant sees the same load: this checkout's nodes measured from one process
    # (as this benchmark measured before) and, with `--measurers` above 1, from that many; with
    # `--baseline-src`, the other checkout's nodes (measured as this checkout's last variant)
    variants = {"one_measuring_process": (BRANCH, 1)}
    if args.measurers > 1:
        variants["spread_measuring_processes"] = (BRANCH, args.measurers)
    if args.baseline_src:
        variants["baseline_code"] = (BASELINE, args.measurers)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    with redis_server() as redis_url:
        time.sleep(0.5)
        for _ in range(args.repeat):
            for name, (code, measurers) in variants.items():
                runs[name].append(run_fanout(redis_url, 2, args, code, measurers))
    failover = run_failovers(args.failovers) if args.failovers else None
    path = write_result(
        "event_fanout_nodes_vs_baseline" if args.baseline_src else "event_fanout_nodes",
        {
            "parameters": {
                "clients": args.clients,
                "rounds": args.rounds,
                "warmup_rounds": WARMUP_ROUNDS,
                "baseline_src": args.baseline_src or None,
            },
            "target": {"p99_ms": TARGET_P99_MS, "failover_s": TARGET_FAILOVER_S},
            "two_nodes_redis": runs,
            "failover": failover,
            "meets_target": {
                "fanout_p99": all(
                    run["p99_ms"] < TARGET_P99_MS
                    for name in variants
                    if name != "baseline_code"
                    for run in runs[name]
                ),
                "failover": failover["max_s"] < TARGET_FAILOVER_S if failover else None,
            },
            "note": "2-core machine, possibly shared with other work: see load_average_1m",
        },
    )
    print(json.dumps({"two_nodes_redis": runs, "failover": failover}, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
