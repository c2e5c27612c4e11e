"""The journal's page on PostgreSQL run many times in a row on one connection, each sample's time in
order: whether a prepared statement's generic plan (PostgreSQL may keep one from a statement's sixth
run) makes some runs stall, with the journal's settings (calls.py, PAGE_PLANS) and without them.

    nice -n 10 .venv/bin/python bench/journal_plans.py --url URL --name journal_postgres_10m_plan_cache \
        [--only 'operator_12/applicant_phone$'] [--runs 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from bench.journal import SCOPES
from sqlalchemy.ext.asyncio import AsyncConnection
from tests.support.journal_seed import combinations

from c122.domain.calls import CallQuery
from c122.persistence import calls as call_persistence
from c122.persistence.calls import SqlCallRecordRepository
from c122.persistence.database import create_engine

GENERIC = ("generic",)
"""The plan PostgreSQL may keep from a statement's sixth run on, forced from the first (what a stall is)."""
FORMS = {
    "postgres_defaults": (),
    "no_parallel_workers": ("max_parallel_workers_per_gather",),
    "no_parallel_workers_custom_plans": ("max_parallel_workers_per_gather", "plan_cache_mode"),
    "generic_plans_forced": GENERIC,
}


async def runs(url: str, query: CallQuery, count: int, *, settings: tuple[str, ...]) -> list[float]:
    """`count` pages of `query` on one connection (each in its own transaction), their times in ms."""
    engine = create_engine(url)
    took: list[float] = []
    try:
        async with engine.connect() as db:
            for _ in range(count):
                started = time.perf_counter()
                async with db.begin():
                    await page(db, query, settings=settings)
                took.append(round((time.perf_counter() - started) * 1000, 1))
    finally:
        await engine.dispose()
    return took


async def page(db: AsyncConnection, query: CallQuery, *, settings: tuple[str, ...]) -> None:
    """The page as the journal reads it with only these of its settings (PAGE_PLANS), PostgreSQL's
    defaults for the others."""
    kept = dict(call_persistence.PAGE_PLANS)
    for name in set(kept) - set(settings):
        call_persistence.PAGE_PLANS.pop(name)
    if settings == GENERIC:
        call_persistence.PAGE_PLANS["plan_cache_mode"] = "force_generic_plan"
    try:
        await SqlCallRecordRepository(db).list_calls(query)
    finally:
        call_persistence.PAGE_PLANS.clear()
        call_persistence.PAGE_PLANS.update(kept)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--only", default="operator_12/applicant_phone$")
    parser.add_argument("--runs", type=int, default=12)
    args = parser.parse_args()
    load = os.getloadavg()
    found: dict[str, Any] = {}
    for scope_name, scope in SCOPES.items():
        for name, wanted in combinations().items():
            key = f"{scope_name}/{name}"
            if not re.search(args.only, key):
                continue
            query = CallQuery(wanted, scope)
            for form, settings in FORMS.items():
                took = await runs(args.url, query, args.runs, settings=settings)
                found.setdefault(key, {})[form] = {
                    "ms_in_order": took,
                    **percentiles(took),
                    "load_average_1m": round(os.getloadavg()[0], 1),
                }
                print(key, form, took, flush=True)
    path = write_result(
        args.name,
        {
            "parameters": {"runs_per_connection": args.runs, "only": args.only},
            "load_average_at_start": [round(x, 1) for x in load],
            "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
            "results": found,
        },
    )
    print(path)


if __name__ == "__main__":
    asyncio.run(main())
