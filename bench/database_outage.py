"""How long the API takes to refuse while PostgreSQL is cut off or partitioned, with the default
database timeouts (5 s pool, 5 s connect, 5 s statement), and how long health takes to say 200 again.

Run: .venv/bin/python bench/database_outage.py  → bench/results/database_outage.json
Needs PostgreSQL (C122_TEST_POSTGRES_URL). Traffic stays on loopback: one request at a time.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from tests.integration.faults.conftest import through
from tests.support import databases
from tests.support.polling import until
from tests.support.server import Desk, running_server
from tests.support.tcp_proxy import TcpProxy

SAMPLES = 5


async def refusals(admin: Desk, breaks: Callable[[], None], proxy: TcpProxy) -> dict[str, object]:
    breaks()
    samples, statuses = [], set()
    for n in range(SAMPLES):
        started = time.perf_counter()
        response = await admin.write(
            "POST", "/api/v1/admin/services", json={"name": f"bench {n}"}, timeout=60
        )
        samples.append((time.perf_counter() - started) * 1000)
        statuses.add(response.status_code)
    started = time.perf_counter()
    proxy.restore()
    async with admin.server.client() as client:
        await until(lambda: client.get("/api/v1/health", timeout=60), lambda r: r.status_code == 200, 60)
    recovered_ms = (time.perf_counter() - started) * 1000
    return {
        "write_refused": percentiles(samples),
        "statuses": sorted(statuses),
        "health_200_after_ms": round(recovered_ms),
    }


async def main() -> None:
    await databases.create_postgres_template()
    name, url = await databases.create_postgres_database()
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            async with running_server(through(url, proxy), data_dir=Path(folder)) as server:
                admin = await server.signed_in("admin")
                figures = {
                    "timeouts_s": {"pool": 5, "connect": 5, "statement": 5},
                    "cut": await refusals(admin, proxy.cut, proxy),
                    "partition": await refusals(admin, proxy.partition, proxy),
                }
    finally:
        await proxy.stop()
        await databases.drop_postgres_database(name)
        await databases.drop_postgres_template()
    print(write_result("database_outage", figures))


if __name__ == "__main__":
    asyncio.run(main())
