"""User-defined reports at scale: the run of «answered calls and service level by day × group» (a year,
with the median wait, so the percentile query runs too), and the same without the median, on both
databases.

    .venv/bin/python bench/reports.py [--sqlite-rows 100000] [--postgres-rows 100000]
                                      → bench/results/reports.json

Seeded as bench/journal.py seeds the journal (calls over a year, 3 groups, 30 operators); then inbound
calls are given a queue (their group's) and a queueing time, so they count as offered. The queries are
the repository's (`SqlReportRepository.run`), each run SAMPLES times. Target (issue 19): p95 < 2 s at
1,000,000 calls (SQLite) and 10,000,000 (PostgreSQL); the row counts measured so far are in the result.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from bench.databases import on_both_databases
from bench.journal import NOW, seed
from sqlalchemy import func, select, update

from c122.domain.reports import ReportDefinition, local_midnight
from c122.persistence import migrate
from c122.persistence.database import create_engine
from c122.persistence.reports import SqlReportRepository
from c122.persistence.tables.calls import call_records
from c122.services.reports.ports import ReportScope

SAMPLES = 5
TARGET_P95_MS = 2000.0
MOSCOW = ZoneInfo("Europe/Moscow")
YEAR = ReportDefinition(
    dataset="calls",
    dimensions=("day", "group"),
    measures=("answered", "service_level"),
    date_from=NOW.date() - timedelta(days=364),
    date_to=NOW.date(),
)
REPORTS = {
    "answered_and_service_level_by_day_x_group": YEAR,
    "with_median_wait": replace(YEAR, measures=("answered", "service_level", "wait_median")),
    "senior_one_group_by_weekday_x_hour": replace(
        YEAR, dimensions=("weekday", "hour"), measures=("offered", "service_level")
    ),
}


def measure(rows: int) -> Any:
    async def run(url: str) -> dict[str, Any]:
        await migrate.upgrade_async(url)
        seed_s = await seed(url, rows)
        engine = create_engine(url)
        async with engine.begin() as db:
            await db.execute(
                update(call_records)
                .where(call_records.c.direction == "inbound")
                .values(queued_at=call_records.c.started_at, queue_id=call_records.c.group_id)
            )
        figures: dict[str, Any] = {"rows": rows, "seed_s": round(seed_s, 1), "reports": {}}
        # The baseline, side by side: one scan of the same period, counting calls per group, nothing more.
        start, end = (
            local_midnight(YEAR.date_from, MOSCOW),
            local_midnight(YEAR.date_to + timedelta(days=1), MOSCOW),
        )
        plain = (
            select(call_records.c.group_id, func.count())
            .where(call_records.c.started_at >= start, call_records.c.started_at < end)
            .group_by(call_records.c.group_id)
        )
        baseline: list[float] = []
        for _ in range(SAMPLES):
            async with engine.connect() as db:
                began = time.perf_counter()
                (await db.execute(plain)).all()
                baseline.append((time.perf_counter() - began) * 1000)
        figures["baseline_count_per_group"] = percentiles(baseline)
        worst = 0.0
        for name, definition in REPORTS.items():
            scope = ReportScope(group_ids=frozenset({2}) if name.startswith("senior") else None)
            samples: list[float] = []
            cells = 0
            for _ in range(SAMPLES):
                async with engine.connect() as db:
                    started = time.perf_counter()
                    result = await SqlReportRepository(db).run(definition, scope, MOSCOW, [])
                    samples.append((time.perf_counter() - started) * 1000)
                    cells = len(result.rows)
            stats = percentiles(samples)
            worst = max(worst, stats["p95_ms"])
            figures["reports"][name] = {"cells": cells, **stats}
            print(name, cells, stats["p95_ms"], flush=True)
        await engine.dispose()
        figures["worst_p95_ms"] = worst
        figures["meets_target_at_this_size"] = worst < TARGET_P95_MS
        return figures

    return run


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite-rows", type=int, default=100_000)
    parser.add_argument("--postgres-rows", type=int, default=100_000)
    args = parser.parse_args()
    load = os.getloadavg()
    results = await on_both_databases(measure(args.sqlite_rows), measure(args.postgres_rows))
    path = write_result(
        "reports",
        {
            "parameters": {
                "samples": SAMPLES,
                "period": f"{YEAR.date_from}..{YEAR.date_to}",
                "zone": MOSCOW.key,
            },
            "target": f"p95 < {TARGET_P95_MS:.0f} ms at 1,000,000 calls (SQLite), 10,000,000 (PostgreSQL)",
            "load_average_at_start": [round(x, 2) for x in load],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "results": results,
        },
    )
    print(path)


if __name__ == "__main__":
    asyncio.run(main())
