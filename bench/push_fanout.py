"""One broadcast to app users fanned out to many Web Push subscriptions against a local push endpoint.

    .venv/bin/python bench/push_fanout.py [--subscriptions 100000] [--budget 180] [--concurrency 200]

The real push services cannot be reached from here: a local endpoint in a child process (an asyncio
HTTP/1.1 server answering 201 to every POST, keep-alive) stands in for them. The subscriptions are
stored in a SQLite file (their keys are real P-256 keys; every message is encrypted per RFC 8291 and
VAPID-signed as in production), then one broadcast runs through the product's AppPush with the real
WebPushSender. The run is bounded: after `--budget` seconds the fan-out is stopped, and what was sent
by then is counted from the stored deliveries. Recorded: messages sent and delivered, per second, the
projected time for all subscriptions, and the load average. Results: bench/results/push_fanout.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result
from sqlalchemy import func, insert, select
from tests.support.push_endpoint import BrowserKeys

from c122.channels.push import vapid
from c122.channels.push.webpush import WebPushSender
from c122.clock import SystemClock
from c122.domain.push import Audience, Broadcast, PushSubscription, SubscriptionKind
from c122.persistence import migrate
from c122.persistence import tables as t
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.services.push.ports import Outcome
from c122.services.push.service import AppPush

ENDPOINT_CODE = r"""
import asyncio, sys
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""


class Counting:
    """The real sender, counting each outcome as it returns (a page's deliveries are stored only when
    the whole page is done, so a stopped run would otherwise count nothing of its last page)."""

    def __init__(self, sender: WebPushSender) -> None:
        self.sender = sender
        self.outcomes: dict[str, int] = {}

    async def send(self, subscription: PushSubscription, payload: bytes, ttl_s: int) -> Outcome:
        outcome = await self.sender.send(subscription, payload, ttl_s)
        self.outcomes[outcome.state.value] = self.outcomes.get(outcome.state.value, 0) + 1
        return outcome

    async def close(self) -> None:
        await self.sender.close()


async def run(args: argparse.Namespace) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="c122-push-bench-"))
    url = f"sqlite+aiosqlite:///{folder / 'push.db'}"
    await migrate.upgrade_async(url)
    # Started once, before the measured part: a blocking start is fine here.
    endpoint = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-c", ENDPOINT_CODE], stdout=subprocess.PIPE, text=True
    )
    try:
        assert endpoint.stdout is not None
        port = int(endpoint.stdout.readline())
        engine = create_engine(url)
        keys = [BrowserKeys.new() for _ in range(50)]
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        async with engine.begin() as db:
            devices = max(1, args.subscriptions // 100)
            await db.execute(
                insert(t.citizen.citizen_devices),
                [{"phone": f"+7900{i:07d}", "platform": "web", "created_at": now} for i in range(devices)],
            )
            for start in range(0, args.subscriptions, 5000):
                rows = []
                for i in range(start, min(start + 5000, args.subscriptions)):
                    key = keys[i % len(keys)]
                    rows.append(
                        {
                            "device_id": 1 + i % devices,
                            "kind": "web",
                            "endpoint": f"http://127.0.0.1:{port}/push/{i}",
                            "p256dh": key.p256dh,
                            "auth": key.auth,
                            "created_at": now,
                        }
                    )
                await db.execute(insert(t.push.push_subscriptions), rows)
        setup_s = time.perf_counter() - t0
        key = vapid.load_or_create(folder / vapid.KEY_FILE)
        sender = Counting(WebPushSender(key, "mailto:bench@localhost", connections=args.concurrency))
        uow = SqlUnitOfWorkFactory(engine)
        push = AppPush(
            uow, SystemClock(), {SubscriptionKind.WEB: sender}, public_key="", concurrency=args.concurrency
        )
        async with uow() as u:
            broadcast = await u.push.add_broadcast(
                Broadcast(
                    0, "Отключение воды", "Завтра с 10 до 14 часов во всём районе", Audience(), 1, "Бенч", now
                )
            )
            await u.commit()
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        task = asyncio.create_task(push.fan_out(broadcast))
        finished = True
        try:
            await asyncio.wait_for(asyncio.shield(task), args.budget)
        except TimeoutError:
            finished = False
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        elapsed = time.perf_counter() - t0
        load_after = os.getloadavg()
        async with engine.connect() as db:
            states = dict(
                (
                    await db.execute(
                        select(t.push.push_deliveries.c.state, func.count()).group_by(
                            t.push.push_deliveries.c.state
                        )
                    )
                ).all()
            )
        await sender.close()
        await engine.dispose()
    finally:
        endpoint.terminate()
        endpoint.wait(timeout=10)
    sent = sum(sender.outcomes.values())
    rate = sent / elapsed if elapsed else 0.0
    return {
        "subscriptions": args.subscriptions,
        "concurrency": args.concurrency,
        "budget_s": args.budget,
        "finished_within_budget": finished,
        "seconds": round(elapsed, 1),
        "sent": sent,
        "outcomes": sender.outcomes,
        "deliveries_stored": states,
        "per_second": round(rate, 1),
        "projected_seconds_for_all": round(args.subscriptions / rate, 1) if rate else None,
        "setup_seconds": round(setup_s, 1),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "note": "a local endpoint stands in for the push services; bounded by budget_s",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--budget", type=float, default=180)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    path = write_result("push_fanout", figures)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
