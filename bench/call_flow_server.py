"""The hotline under test for bench/call_flow_load.py, in its own process.

    .venv/bin/python bench/call_flow_server.py --database-url URL --data-dir DIR --http-port P
        --sip-port P --sip-ws-port P --operators N [--sip-rate-limit]

Migrates the database, builds the application with telephony (as `c122 serve` does), seeds the demo
organisation, then adds what the benchmark needs: a short greeting prompt, a bench group and queue
with N operators as members, and an IVR flow on the main line (+78001220122) that plays the greeting
and enqueues. Prints one JSON line with the accounts once the HTTP server listens, and serves until
SIGTERM or SIGINT. Meanwhile it writes, once a second, the event loop's lateness, the database
connections in use, the number of asyncio tasks and the SQL statements executed so far to
<data-dir>/loop_lag.txt, each pass of the cycle collector over its older generations to
<data-dir>/collector.txt, and on stop every kind of statement with its count to
<data-dir>/sql_statements.txt (kept with the driver's `--keep`). With
C122_BENCH_PROFILE=<file> in its environment it runs under cProfile and writes the statistics there
on stop.

By default the loopback address is a SIP proxy in front (`sip_proxy_hosts`), exempt from the SIP
per-source rate limit as a carrier is: every caller and every phone of the benchmark sends from
127.0.0.1, which would be blocked after 500 datagrams in 10 s. `--sip-rate-limit` keeps the limit, to
show that effect. `--media-workers N` runs the media in N worker processes (`media_workers`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import Pool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import run_profiled
from bench.server import serve_until_stopped

from c122.bootstrap import Application, build_application
from c122.config import load_settings
from c122.demo import HOTLINE, seed_demo
from c122.domain.organisation import EntityKind, QueueMember
from c122.domain.users import CONSOLE, Role
from c122.logs import configure_logging
from c122.persistence import migrate

MAIN_LINE = "+78001220122"
GREETING = "bench_greeting"
FLOW = "bench_flow"
OPERATOR_PASSWORD = "bench-operator-password"


async def _bench_organisation(application: Application, operators: int) -> dict[str, Any]:
    """A group and queue of `operators` members, a greeting, and the main line's flow into that queue."""
    context = application.context
    organisation = context.organisation
    services = await organisation.search(CONSOLE, EntityKind.SERVICE, HOTLINE, limit=10, offset=0)
    service_id = next(s.id for s in services.items if s.name == HOTLINE)
    group = await organisation.create(
        CONSOLE, EntityKind.GROUP, {"service_id": service_id, "name": "Нагрузочная группа"}
    )
    queue = await organisation.create(
        CONSOLE, EntityKind.QUEUE, {"group_id": group.id, "name": "Нагрузочная очередь"}
    )
    logins = []
    members = []
    for n in range(operators):
        login = f"bench{n:04d}"
        values = {
            "login": login,
            "full_name": f"Оператор {n}",
            "role": Role.OPERATOR,
            "password": OPERATOR_PASSWORD,
            "group_ids": [group.id],
            "enabled": True,
        }
        user = await organisation.create(CONSOLE, EntityKind.USER, values)
        members.append(QueueMember(queue_id=queue.id, user_id=user.id, position=n))
        logins.append(login)
    await context.membership.set_members(CONSOLE, queue.id, members)
    prompt = await context.prompts.synthesise(CONSOLE, GREETING, "Приветствие", "Здравствуйте.")
    flow = {
        "name": FLOW,
        "entry": "greeting",
        "timezone": "Europe/Moscow",
        "nodes": {
            "greeting": {"type": "play", "prompt": GREETING, "next": "queue"},
            "queue": {"type": "enqueue", "queue": str(queue.id), "priority": 0},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    lines = await organisation.search(CONSOLE, EntityKind.LINE, MAIN_LINE, limit=10, offset=0)
    line = next(line for line in lines.items if line.number == MAIN_LINE)
    await organisation.update(CONSOLE, EntityKind.LINE, line.id, {"entry_flow": FLOW})
    return {
        "queue_id": queue.id,
        "group_id": group.id,
        "operators": logins,
        "operator_password": OPERATOR_PASSWORD,
        "greeting_ms": prompt.duration_ms,
    }


class StatementCount:
    """SQL statements the hotline has sent to its database (each one costs the main process a compiled
    or cached statement and, on SQLite, a hand-over to aiosqlite's thread and back)."""

    def __init__(self, *engines: AsyncEngine | None) -> None:
        self.total = 0
        self.kinds: Counter[str] = Counter()
        for engine in engines:
            if engine is not None:
                event.listen(engine.sync_engine, "before_cursor_execute", self._executed)

    def _executed(self, _connection: object, _cursor: object, statement: str, *_args: object) -> None:
        self.total += 1
        self.kinds[" ".join(statement.split())[:90]] += 1

    def write(self, path: Path) -> None:
        """Every kind of statement (its first words) with how often it ran, most frequent first."""
        path.write_text("".join(f"{n} {kind}\n" for kind, n in self.kinds.most_common()))


class CollectorPasses:
    """Each pass of the cycle collector over the middle or the oldest generation, as a line of
    `<wall time> <generation> <ms> <objects freed>`: a pass stops the whole event loop, and a call's
    objects that only the collector can free make those passes long (docs/contact-center/call-flow.md,
    "What a call left to the cycle collector")."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._out = path.open("a", buffering=1)
        self._started = 0.0
        gc.callbacks.append(self._pass)

    def _pass(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif info["generation"] >= 1:
            took_ms = (time.perf_counter() - self._started) * 1000
            self._out.write(f"{time.time():.3f} {info['generation']} {took_ms:.1f} {info['collected']}\n")

    def close(self) -> None:
        gc.callbacks.remove(self._pass)
        self._out.close()


async def watch_loop(path: Path, pool: Pool, statements: StatementCount, period: float = 0.05) -> None:
    """Once a second: the event loop's worst lateness in that second (how long a ready callback - a SIP
    message, a media command, an HTTP request - can wait for the one loop that runs everything), the
    most database connections in use at once (the pool's size bounds it), the asyncio tasks, and the
    statements executed so far."""
    loop = asyncio.get_running_loop()
    path.parent.mkdir(parents=True, exist_ok=True)
    in_use = getattr(pool, "checkedout", lambda: -1)
    with path.open("a", buffering=1) as out:
        second_ends = loop.time() + 1.0
        worst = 0.0
        connections = 0
        while True:
            expected = loop.time() + period
            await asyncio.sleep(period)
            worst = max(worst, loop.time() - expected)
            connections = max(connections, int(in_use()))
            if loop.time() >= second_ends:
                tasks = len(asyncio.all_tasks())
                out.write(f"{time.time():.3f} {worst * 1000:.1f} {connections} {tasks} {statements.total}\n")
                worst, connections = 0.0, 0
                second_ends = loop.time() + 1.0


async def serve(args: argparse.Namespace) -> None:
    settings = load_settings(
        environ={},
        overrides={
            "database_url": args.database_url,
            "data_dir": Path(args.data_dir),
            "http_port": args.http_port,
            "sip_port": args.sip_port,
            "sip_ws_port": args.sip_ws_port,
            "rtp_port_min": args.rtp_port_min,
            "rtp_port_max": args.rtp_port_max,
            "log_format": "text",
            "media_workers": args.media_workers,
            # every caller and phone of the benchmark sends from loopback, as from a proxy in front
            "sip_proxy_hosts": "" if args.sip_rate_limit else "127.0.0.1",
            # one hash per sign-in of hundreds of operators; the hashing cost is not what is measured
            "argon2_time_cost": 1,
            "argon2_memory_kib": 1024,
        },
    )
    configure_logging(json_lines=False, level=settings.log_level)
    await migrate.upgrade_async(settings.database_url)
    application = build_application(settings, with_telephony=True)
    telephony = application.telephony
    assert telephony is not None
    async with application.running():
        accounts = await seed_demo(application.context.organisation, application.uow_factory)
        bench = await _bench_organisation(application, args.operators)
        engine = application.uow_factory.engine
        # the ACD's own connection too (`getattr`: a `--server-src` from before it has none)
        statements = StatementCount(engine, getattr(application.uow_factory, "writer", None))
        lag = asyncio.create_task(watch_loop(settings.data_dir / "loop_lag.txt", engine.pool, statements))
        collector = CollectorPasses(settings.data_dir / "collector.txt")
        admin = next(a for a in accounts if a.login == "admin")
        ready = {"admin_password": admin.password, "sip_ports": telephony.sip.bound_ports, **bench}
        await serve_until_stopped(application.app, args.http_port, lambda: ready)
        lag.cancel()
        collector.close()
        statements.write(settings.data_dir / "sql_statements.txt")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--sip-port", type=int, required=True)
    parser.add_argument("--sip-ws-port", type=int, required=True)
    parser.add_argument("--rtp-port-min", type=int, default=20000)
    parser.add_argument("--rtp-port-max", type=int, default=29999)
    parser.add_argument("--operators", type=int, required=True)
    parser.add_argument("--media-workers", type=int, default=0)
    parser.add_argument("--sip-rate-limit", action="store_true", help="keep the per-source SIP rate limit")
    args = parser.parse_args()
    run_profiled(lambda: uvloop.run(serve(args)))


if __name__ == "__main__":
    main()
