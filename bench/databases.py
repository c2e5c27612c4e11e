"""Shared by the benchmarks that measure on both databases: a fresh SQLite file, then a fresh empty
PostgreSQL database when the server answers (else the reason it was skipped)."""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.support import databases

Measure = Callable[[str], Awaitable[dict[str, Any]]]


async def on_both_databases(sqlite: Measure | None, postgres: Measure | None) -> dict[str, Any]:
    """Runs `sqlite(url)` on a temporary SQLite file and `postgres(url)` on a temporary PostgreSQL
    database (None, or a server that does not answer, records why it was skipped)."""
    results: dict[str, Any] = {}
    if sqlite is None:
        results["sqlite"] = {"skipped": "not asked for"}
    else:
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = await sqlite(databases.sqlite_url(Path(folder) / "bench.db"))
        print("sqlite", _headline(results["sqlite"]), flush=True)
    problem = "not asked for" if postgres is None else await databases.postgres_available()
    if postgres is None or problem is not None:
        results["postgres"] = {"skipped": problem}
        return results
    name, url = await databases.create_postgres_database(template=None)
    try:
        results["postgres"] = await postgres(url)
    finally:
        await databases.drop_postgres_database(name)
    print("postgres", _headline(results["postgres"]), flush=True)
    return results


def _headline(figures: dict[str, Any]) -> object:
    return figures.get("worst_p95_ms", figures.get("target_met", ""))
