"""SMS through real Kannel to its simulated SMSC, with delivery reports (issue #22, MM-02).

The product (a real server on SQLite and on PostgreSQL, side by side) queues N Cyrillic messages in
its outbox in batches of 50 (one transaction each, `SmsChannel.send_notices`); its dispatcher hands
them to smsbox's sendsms; Kannel's test SMSC (fakesmsc) takes them and answers with
delivery reports, which come back to the product's dlr-url and move each message to «delivered».
Measured: messages per second until every part is on the SMSC, and until every message is delivered
in the product's database (the sustained rate with reports).

Side by side in the same run, the baseline: the same number of messages posted straight to smsbox's
sendsms by a client with the same concurrency as the dispatcher (one at a time), without the product
and without delivery reports —
Kannel's own rate on this machine. The load average is recorded with each figure (the machine is shared).

    .venv/bin/python -m bench.sms_kannel [--messages 300] [--no-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bench.common import write_result
from tests.support import databases
from tests.support.kannel import PASSWORD, USERNAME, Kannel
from tests.support.server import running_server

from c122.domain.sms import SmsState
from c122.persistence import migrate

SECRET = "sms-callback-secret-of-the-bench"
TEXT = "Ваше обращение № {n} принято, ожидайте звонка специалиста."  # one UCS-2 part
PHONE = "+7916{n:07d}"
BATCH = 50  # messages queued in one transaction


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def _wait(check: Any, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def through_the_product(database_url: str, messages: int, folder: Path) -> dict[str, Any]:
    await migrate.upgrade_async(database_url)
    gateway = Kannel(folder)

    def addressed(base_url: str) -> dict[str, object]:
        return gateway.product_settings(base_url, SECRET)

    async with running_server(database_url, addressed=addressed, data_dir=folder / "data") as server:
        gateway.start_for(server.base_url, SECRET)
        try:
            sms = server.application.context.sms
            load_before = load()
            started = time.perf_counter()
            # Queued in batches (one transaction each), as a burst of notices is: one commit per
            # message made PostgreSQL's round trips the limit of the run, not the gateway.
            for first in range(0, messages, BATCH):
                batch = range(first, min(first + BATCH, messages))
                await sms.send_notices([(PHONE.format(n=n), TEXT.format(n=n)) for n in batch])
            queued_s = time.perf_counter() - started

            async def all_on_air() -> bool:
                return len(gateway.sent()) >= messages

            async def all_delivered() -> bool:
                return (await sms.counts()).get(SmsState.DELIVERED.value, 0) >= messages

            on_air = await _wait(all_on_air, 300)
            on_air_s = time.perf_counter() - started
            delivered = await _wait(all_delivered, 300)
            delivered_s = time.perf_counter() - started
            return {
                "messages": messages,
                "queued_s": round(queued_s, 2),
                "all_on_the_smsc": on_air,
                "on_the_smsc_per_s": round(messages / on_air_s, 1),
                "all_delivered": delivered,
                "delivered_per_s": round(messages / delivered_s, 1),
                "states": await sms.counts(),
                "load_average_before": load_before,
                "load_average_after": load(),
            }
        finally:
            gateway.stop()


async def straight_to_kannel(messages: int, folder: Path) -> dict[str, Any]:
    """The baseline: sendsms called directly, one request at a time, as the dispatcher does."""
    gateway = Kannel(folder)
    gateway.start("http://127.0.0.1:9/unused?x=1")
    try:
        load_before = load()
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=10) as client:
            for n in range(messages):
                answer = await client.get(
                    gateway.sendsms_url,
                    params={
                        "username": USERNAME,
                        "password": PASSWORD,
                        "to": PHONE.format(n=n),
                        "text": TEXT.format(n=n),
                        "charset": "UTF-8",
                        "coding": "2",
                        "from": "122",
                    },
                )
                answer.raise_for_status()

        async def all_on_air() -> bool:
            return len(gateway.sent()) >= messages

        on_air = await _wait(all_on_air, 300)
        elapsed = time.perf_counter() - started
        return {
            "messages": messages,
            "all_on_the_smsc": on_air,
            "on_the_smsc_per_s": round(messages / elapsed, 1),
            "load_average_before": load_before,
            "load_average_after": load(),
        }
    finally:
        gateway.stop()


async def run(messages: int, postgres: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "k0").mkdir()
        results["baseline_straight_to_kannel"] = await straight_to_kannel(messages, Path(folder) / "k0")
    print("baseline", results["baseline_straight_to_kannel"], flush=True)
    with tempfile.TemporaryDirectory() as folder:
        url = databases.sqlite_url(Path(folder) / "bench.db")
        (Path(folder) / "k1").mkdir()
        results["product_sqlite"] = await through_the_product(url, messages, Path(folder) / "k1")
    print("sqlite", results["product_sqlite"], flush=True)
    problem = await databases.postgres_available() if postgres else "not asked for"
    if problem is not None:
        results["product_postgres"] = {"skipped": problem}
        return results
    name, url = await databases.create_postgres_database(template=None)
    try:
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "k2").mkdir()
            results["product_postgres"] = await through_the_product(url, messages, Path(folder) / "k2")
    finally:
        await databases.drop_postgres_database(name)
    print("postgres", results["product_postgres"], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(run(args.messages, not args.no_postgres))
    print(write_result("sms_kannel", results))


if __name__ == "__main__":
    main()
