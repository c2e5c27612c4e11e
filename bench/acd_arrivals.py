"""Sustained call arrivals through the contact-centre service, with every state-log and queue-log write.

    .venv/bin/python bench/acd_arrivals.py [--rate 200] [--seconds 10] [--operators 40] [--hold 1.0]
                                           [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

For SQLite (a file in a temporary folder) and PostgreSQL (a database created for the run and dropped
after), the same load: callers join one queue at `--rate` per second for `--seconds` (each arrival
its own task, so a slow commit shows as latency, not as a lower offered rate); `--operators` are on
duty and accept every offer at once (wrap-up 0 s); every caller hangs up `--hold` seconds after
arriving (an abandon while waiting, a completed call once connected). Every command is the real one:
decide, store the changed ACD rows and the log rows in one transaction, commit, publish.

Recorded per database: latency of each command kind (from issue to return, lock wait included), the
arrival rate achieved, commands per second, rows appended to both logs, and whether the target
(200 arrivals per second sustained) was met. Results: bench/results/acd_arrivals.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from bench.databases import on_both_databases
from sqlalchemy import func, select
from tests.support import databases

from c122.clock import SystemClock
from c122.domain.acd import CallOffered, CompletedBy, Outcome, UnknownCall
from c122.domain.organisation import EntityKind, QueueMember
from c122.domain.users import CONSOLE, Actor, Role
from c122.persistence import migrate
from c122.persistence import tables as t
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.security.passwords import Argon2PasswordHasher
from c122.services.contact_center import ContactCenter
from c122.services.contact_center.queue_figures import WaitingCallBoard
from c122.services.events import OutboundEvent
from c122.services.organisation.service import OrganisationAdmin

TARGET_ARRIVALS_PER_S = 200.0


class CountingPublisher:
    def __init__(self) -> None:
        self.published = 0

    def publish(self, event: OutboundEvent) -> None:
        self.published += 1


async def _organisation(factory: SqlUnitOfWorkFactory, operators: int) -> tuple[int, list[Actor]]:
    hasher = Argon2PasswordHasher(time_cost=1, memory_kib=1024)
    admin = OrganisationAdmin(factory, SystemClock(), CountingPublisher(), hasher)
    service = await admin.create(CONSOLE, EntityKind.SERVICE, {"name": "Bench"})
    group = await admin.create(CONSOLE, EntityKind.GROUP, {"service_id": service.id, "name": "Bench"})
    queue = await admin.create(
        CONSOLE, EntityKind.QUEUE, {"group_id": group.id, "name": "Bench", "wrap_up_s": 0.0}
    )
    actors = []
    for n in range(operators):
        values = {
            "login": f"bench{n}",
            "full_name": f"Bench {n}",
            "role": Role.OPERATOR,
            "password": "bench-password",
            "group_ids": [group.id],
        }
        user = await admin.create(CONSOLE, EntityKind.USER, values)
        actors.append(Actor(user_id=user.id, role=Role.OPERATOR, group_ids=frozenset({group.id})))
    async with factory() as uow:
        await uow.acd.set_members(
            queue.id,
            [QueueMember(queue_id=queue.id, user_id=a.user_id, position=i) for i, a in enumerate(actors)],
        )
        await uow.commit()
    return queue.id, actors


async def _log_rows(factory: SqlUnitOfWorkFactory) -> dict[str, int]:
    async with factory() as uow:
        connection = uow._connection  # a count for the report, outside the ports
        assert connection is not None
        state = (
            await connection.execute(select(func.count()).select_from(t.operator_state_log))
        ).scalar_one()
        queue = (await connection.execute(select(func.count()).select_from(t.queue_log))).scalar_one()
    return {"operator_state_log": int(state), "queue_log": int(queue)}


async def run_load(url: str, rate: float, seconds: float, operators: int, hold: float) -> dict[str, Any]:
    await migrate.upgrade_async(url)
    factory = SqlUnitOfWorkFactory(create_engine(url))
    try:
        queue_id, actors = await _organisation(factory, operators)
        publisher = CountingPublisher()
        center = ContactCenter(factory, SystemClock(), publisher, WaitingCallBoard(), rng=random.Random(1))
        await center.start()
        for actor in actors:
            await center.set_my_state(actor, "ready")
        by_id = {str(a.user_id): a for a in actors}
        latencies: dict[str, list[float]] = {"enqueue": [], "accept": [], "hang_up": []}
        tasks: set[asyncio.Task[None]] = set()
        errors: dict[str, int] = {}
        enqueue_done: list[float] = []  # when each arrival's transaction had committed

        def spawn(kind: str, job: Callable[[], Awaitable[object]]) -> asyncio.Task[None]:
            async def timed() -> None:
                started = time.perf_counter()
                try:
                    await job()
                except UnknownCall:
                    return  # the call ended before this command ran
                except Exception as exc:  # counted, reported
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    return
                finished = time.perf_counter()
                latencies[kind].append((finished - started) * 1000)
                if kind == "enqueue":
                    enqueue_done.append(finished)

            task = asyncio.get_running_loop().create_task(timed())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            return task

        def on_outcome(outcome: Outcome) -> None:
            for event in outcome.events:
                if isinstance(event, CallOffered):
                    actor, call_id = by_id[event.offer.operator_id], event.offer.call_id
                    spawn("accept", lambda a=actor, c=call_id: center.accept(a, c))  # type: ignore[misc]

        center.add_listener(on_outcome)
        loop = asyncio.get_running_loop()
        total = int(rate * seconds)
        started = time.perf_counter()
        arrivals: list[asyncio.Task[None]] = []
        for n in range(total):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            call_id = f"b-{n}"
            arrivals.append(spawn("enqueue", lambda c=call_id: center.enqueue(c, queue_id, "+79000000000")))  # type: ignore[misc]
            loop.call_later(hold, spawn, "hang_up", lambda c=call_id: center.hang_up(c, CompletedBy.CALLER))
        offered_for = time.perf_counter() - started
        await asyncio.wait(arrivals, timeout=seconds * 10)
        arrivals_done = (max(enqueue_done) if enqueue_done else time.perf_counter()) - started
        await asyncio.sleep(hold + 0.5)
        while tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        elapsed = time.perf_counter() - started
        commands = sum(len(v) for v in latencies.values())
        half = len(latencies["enqueue"]) // 2
        # Sustained means no backlog builds up: the second half is not slower than the first.
        halves = {
            "first_half": percentiles(latencies["enqueue"][:half] or [0.0]),
            "second_half": percentiles(latencies["enqueue"][half:] or [0.0]),
        }
        return {
            "arrivals": total,
            "arrivals_offered_per_s": round(total / offered_for, 1),
            "arrivals_stored_per_s": round(len(latencies["enqueue"]) / arrivals_done, 1),
            "commands_per_s": round(commands / elapsed, 1),
            "latency": {kind: percentiles(values) for kind, values in latencies.items() if values},
            "enqueue_latency_by_half": halves,
            "log_rows": await _log_rows(factory),
            "events_published": publisher.published,
            "errors": errors,
            "target_met": len(latencies["enqueue"]) / arrivals_done >= TARGET_ARRIVALS_PER_S * 0.98,
        }
    finally:
        await factory.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=TARGET_ARRIVALS_PER_S)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--operators", type=int, default=40)
    parser.add_argument("--hold", type=float, default=1.0)
    parser.add_argument("--postgres", default=databases.DEFAULT_POSTGRES_URL)
    args = parser.parse_args()
    os.environ.setdefault("C122_TEST_POSTGRES_URL", args.postgres)

    async def load(url: str) -> dict[str, Any]:
        return await run_load(url, args.rate, args.seconds, args.operators, args.hold)

    figures = await on_both_databases(load, load)
    parameters = {k: getattr(args, k) for k in ("rate", "seconds", "operators", "hold")}
    path = write_result("acd_arrivals", {"parameters": parameters, "figures": figures})
    print(f"written {path}")


if __name__ == "__main__":
    asyncio.run(main())
