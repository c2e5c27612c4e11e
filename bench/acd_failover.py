"""Failover of the ACD between two nodes: kill -9 of the leader (a real `c122 serve`) mid-shift, with
callers waiting that a follower queued through it; the time until the follower leads, and until it
has decided an operator's command itself (the first decision a desk sees after the failover).

    .venv/bin/python bench/acd_failover.py [--runs 2]  → bench/results/acd_failover.json

Each run: a new PostgreSQL database and Redis server; the leader is `c122 serve` in a subprocess, the
follower runs in this process (`build_application`, as the tests' `running_server`). Loopback only.
Target (issue #24): a new leader within 5 s, the queue's order and the operators' states intact.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import write_result
from tests.integration.faults.test_restart import ServerProcess
from tests.support import databases
from tests.support.polling import reading, until
from tests.support.redis_server import RedisServer
from tests.support.server import running_server

from c122.persistence.migrate import upgrade_async


async def one_run(folder: Path) -> dict[str, Any]:
    name, url = await databases.create_postgres_database(template=None)
    redis = RedisServer(folder)
    redis.start()
    leader = ServerProcess(url, folder / "leader", environment={"C122_EVENT_BUS_URL": redis.url})
    try:
        await upgrade_async(url)
        async with running_server(url, data_dir=folder / "seed") as seeding:
            passwords = dict(seeding.passwords)
        await leader.start()
        print("leader up", flush=True)
        async with running_server(url, event_bus_url=redis.url, seed=False, data_dir=folder / "f") as node:
            node.passwords.update(passwords)
            relay, center = node.application.relay, node.application.contact_center
            assert relay is not None
            await asyncio.sleep(2)
            assert not relay.leading, "the follower led before the kill"
            await center.refresh()
            acd, setup = center._ready()
            operator = next(u for u in setup.staff.values() if u.login == "operator1")
            queue_id = int(acd.state.members_by_operator[str(operator.id)][0].queue_id)
            desk = await node.signed_in("operator1")
            await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "on_break", "reason": "x"})
            calls = [f"call-{secrets.token_hex(8)}" for _ in range(5)]
            for call_id in calls:
                await center.enqueue(call_id, queue_id, "+79990001100")
            order_before = [key[4] for key in center._ready()[0].state.orders[str(queue_id)]]

            print("calls queued through the leader; killing it", flush=True)
            killed = time.monotonic()
            await leader.kill()
            await until(reading(lambda: relay.leading), bool, timeout=30)  # read every 0.1 s
            leads = time.monotonic() - killed
            print(f"the follower leads after {leads:.2f} s", flush=True)
            while True:  # the first command this node decides itself (bounded: 30 s)
                answer = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
                if answer.status_code == 200:
                    break
                if time.monotonic() - killed > 30:
                    raise AssertionError(f"no command decided 30 s after the kill: {answer.text}")
                await asyncio.sleep(0.05)
            decides = time.monotonic() - killed
            order_after = [key[4] for key in center._ready()[0].state.orders[str(queue_id)]]
            return {
                "new_leader_s": round(leads, 3),
                "first_command_decided_s": round(decides, 3),
                "queue_order_intact": order_before == order_after == calls,
            }
    finally:
        await leader.stop()
        redis.kill()
        await databases.drop_postgres_database(name)


async def main(runs: int) -> None:
    load = [round(os.getloadavg()[0], 2)]
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(await one_run(Path(folder)))
    load.append(round(os.getloadavg()[0], 2))
    path = write_result(
        "acd_failover",
        {
            "runs": results,
            "max_new_leader_s": max(r["new_leader_s"] for r in results),
            "max_first_command_decided_s": max(r["first_command_decided_s"] for r in results),
            "load_average_1m": load,
        },
    )
    print(path.read_text())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    asyncio.run(main(parser.parse_args().runs))
