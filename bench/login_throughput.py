"""Login cost with argon2id: the hash alone, and whole HTTP logins through a running server.

Run: .venv/bin/python bench/login_throughput.py  → bench/results/login_throughput.json
The target (foundation issue): p99 login < 300 ms on the 2-core machine with the default parameters.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from tests.support import databases
from tests.support.server import running_server

from c122.config import Settings
from c122.security.passwords import Argon2PasswordHasher

HASH_SAMPLES = 60
SEQUENTIAL_LOGINS = 60
CONCURRENT_LOGINS = 60
CONCURRENCY_LEVELS = (2, 4, 8)


def hash_cost(settings: Settings) -> dict[str, float]:
    hasher = Argon2PasswordHasher(time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib)
    stored = hasher.hash("a-good-password")
    samples = []
    for _ in range(HASH_SAMPLES):
        started = time.perf_counter()
        hasher.verify(stored, "a-good-password")
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


async def http_logins(settings: Settings) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        template = await databases.create_sqlite_template(Path(folder))
        url = databases.copy_sqlite(template, Path(folder))
        overrides = {
            "argon2_time_cost": settings.argon2_time_cost,
            "argon2_memory_kib": settings.argon2_memory_kib,
        }
        async with running_server(url, login_max_failures=10_000, **overrides) as server:
            body = {"login": "operator1", "password": server.passwords["operator1"]}

            async def one(client: httpx.AsyncClient) -> float:
                started = time.perf_counter()
                response = await client.post("/api/v1/auth/login", json=body)
                assert response.status_code == 200, response.text
                return (time.perf_counter() - started) * 1000

            async with server.client() as client:
                sequential = [await one(client) for _ in range(SEQUENTIAL_LOGINS)]
                concurrent = {}
                for level in CONCURRENCY_LEVELS:
                    gate = asyncio.Semaphore(level)

                    async def limited(gate: asyncio.Semaphore = gate) -> float:
                        async with gate:
                            return await one(client)

                    started = time.perf_counter()
                    samples = await asyncio.gather(*(limited() for _ in range(CONCURRENT_LOGINS)))
                    elapsed = time.perf_counter() - started
                    concurrent[f"concurrency_{level}"] = {
                        **percentiles(list(samples)),
                        "logins_per_second": round(CONCURRENT_LOGINS / elapsed, 1),
                    }
    return {"sequential": percentiles(sequential), **concurrent}


def main() -> None:
    settings = Settings()
    figures = {
        "argon2": {"time_cost": settings.argon2_time_cost, "memory_kib": settings.argon2_memory_kib},
        "verify_only": hash_cost(settings),
        "http": asyncio.run(http_logins(settings)),
        "target": "p99 login < 300 ms",
        "note": "the server runs in the benchmark's own process (client and server share the cores)",
    }
    path = write_result("login_throughput", figures)
    print(path.read_text())


if __name__ == "__main__":
    main()
