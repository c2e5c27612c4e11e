"""The call journal at scale: page latency for combinations of filters and each role's scope, and the
export of up to 1,000,000 calls as csv and xlsx (time and the process's peak memory growth).

    .venv/bin/python bench/journal.py [--sqlite-rows 1000000] [--postgres-rows 300000]
                                      [--export-rows 1000000] → bench/results/journal.json

Each database is migrated fresh and seeded in bulk: calls spread over a year across 3 groups, 30
operators, 3 lines, 6 call types, every direction and status, applicants' numbers drawn from 200,000;
one call in ten has a case (with its source and applicant). Then the repository query behind
GET /api/v1/calls runs for each combination of filters (single filters, pairs, and all at once), as an
administrator, a senior of one group and an operator, for the first page and a page further on by
keyset. Each export runs in a child process (so its peak resident memory is its own) through the real
use case (CallRecordService.export_calls: read by keyset in batches, write in a worker thread).
Target (issue 17): p95 < 200 ms at 1,000,000 calls (SQLite) and 10,000,000 (PostgreSQL); export memory
growth under ~50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from bench.databases import on_both_databases
from tests.support.clock import FakeClock

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.domain.reports import local_day_minute
from c122.domain.users import Actor, Role
from c122.persistence import migrate
from c122.persistence import tables as t
from c122.persistence.calls import FileRecordings
from c122.persistence.database import create_engine
from c122.persistence.tables.calls import call_cases, call_records
from c122.persistence.tables.cases import applicants, cases
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.reports.tables import FileTableWriters
from c122.services.calls.service import CallRecordService
from c122.services.events import OutboundEvent
from c122.services.exports.service import ExportJobs

NOW = datetime(2026, 9, 12, 9, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")
BATCH = 20_000
SAMPLES = 7
TARGET_P95_MS = 200.0
LINES = ("+78001220122", "+78001220123", "+78001220124")
SOURCES = ("pstn", "mobile_app", "web")
LAST_NAMES = ("Иванов", "Петрова", "Сидоров", "Лебедев", "Морозова", "Кузнецов", "Волкова", "Соколов")


class Nowhere:
    def publish(self, event: OutboundEvent) -> None:
        pass


def phone(index: int) -> str:
    return f"+7916{index:07d}"


async def seed(url: str, rows: int) -> float:
    started = time.perf_counter()
    rng = random.Random(17)
    engine = create_engine(url)
    async with engine.begin() as db:
        await db.execute(t.services.insert().values(id=1, name="Служба 122"))
        await db.execute(
            t.groups.insert(), [{"id": g, "service_id": 1, "name": f"Группа {g}"} for g in (1, 2, 3)]
        )
        await db.execute(
            t.case_types.insert(),
            [{"id": i, "code": f"t{i}", "name": f"Тип {i}", "icon": "info"} for i in range(1, 7)],
        )
        await db.execute(
            t.users.insert(),
            [
                {
                    "id": u,
                    "login": f"op{u}",
                    "full_name": f"Оператор {u}",
                    "role": "operator",
                    "password_hash": "x",
                }
                for u in range(1, 31)
            ],
        )
        await db.execute(
            t.user_groups.insert(), [{"user_id": u, "group_id": (u - 1) // 10 + 1} for u in range(1, 31)]
        )
        people = max(1, rows // 20)
        await db.execute(
            applicants.insert(),
            [
                {
                    "id": i + 1,
                    "version": 1,
                    "last_name": rng.choice(LAST_NAMES),
                    "emergency_contacts": [],
                    "search_text": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(people)
            ],
        )
    year = 365 * 86400
    case_id = 0
    for start in range(0, rows, BATCH):
        calls, linked, case_rows = [], [], []
        for index in range(start, min(rows, start + BATCH)):
            begun = NOW - timedelta(seconds=rng.randint(0, year))
            direction = rng.choices(("inbound", "outbound", "internal"), (80, 15, 5))[0]
            status = rng.choices(("answered", "missed", "failed"), (75, 20, 5))[0]
            operator = rng.randint(1, 30)
            group = (operator - 1) // 10 + 1
            applicant = phone(rng.randint(0, 199_999))
            answered = status == "answered"
            calls.append(
                {
                    "id": f"c{index:08d}",
                    "direction": direction,
                    "status": status,
                    "line_number": rng.choice(LINES) if direction == "inbound" else None,
                    "caller": applicant if direction != "outbound" else LINES[0],
                    "called": applicant if direction == "outbound" else LINES[0],
                    "case_type_id": rng.randint(1, 6),
                    "group_id": group,
                    "operator_id": operator if answered or direction != "inbound" else None,
                    "started_at": begun,
                    "connected_at": begun + timedelta(seconds=20) if answered else None,
                    "ended_at": begun + timedelta(seconds=200),
                    "wait_s": 20.0,
                    "talk_s": 180.0 if answered else 0.0,
                    "hold_s": 0.0,
                    "wrap_up_s": 0.0,
                    "sla_breached": False,
                    # as the call path writes them: the reports group by these
                    **dict(zip(("local_day", "local_minute"), local_day_minute(begun, MOSCOW), strict=True)),
                }
            )
            if index % 10 == 0:
                case_id += 1
                day = begun.astimezone(MOSCOW).date()
                case_rows.append(
                    {
                        "id": case_id,
                        "version": 1,
                        "name": f"Случай {case_id}",
                        "day": day,
                        "key_type_id": 1,
                        "number": case_id,
                        "type_id": 1,
                        "source": rng.choice(SOURCES),
                        "status": "new",
                        "applicant_id": rng.randint(1, people),
                        "group_id": group,
                        "call_ids": [f"c{index:08d}"],
                        "message_ids": [],
                        "applicant_text": rng.choice(LAST_NAMES).casefold(),
                        "created_at": begun,
                        "updated_at": begun,
                    }
                )
                linked.append({"call_id": f"c{index:08d}", "case_id": case_id})
        async with engine.begin() as db:
            await db.execute(call_records.insert(), calls)
            if case_rows:
                await db.execute(cases.insert(), case_rows)
                await db.execute(call_cases.insert(), linked)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as db:
            await db.exec_driver_sql("ANALYZE")
    else:
        async with engine.begin() as db:
            await db.exec_driver_sql("ANALYZE")
    await engine.dispose()
    return time.perf_counter() - started


def combinations() -> dict[str, CallFilter]:
    month = NOW - timedelta(days=30)
    single: dict[str, dict[str, Any]] = {
        "none": {},
        "period_month": {"since": month, "until": NOW},
        "group": {"group_id": 2},
        "operator": {"operator_id": 12},
        "applicant_phone": {"applicant_phone": phone(4242)},
        "applicant_name": {"applicant_name": "лебед"},
        "line": {"line_number": LINES[1]},
        "case_type": {"case_type_id": 3},
        "source": {"source": "web"},
        "direction": {"direction": "outbound"},
        "status": {"status": "missed"},
    }
    found = {name: CallFilter(**values) for name, values in single.items()}
    names = [n for n in single if n != "none"]
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            found[f"{first}+{second}"] = CallFilter(**single[first], **single[second])
    everything: dict[str, Any] = {}
    for name in ("period_month", "group", "line", "case_type", "direction", "status"):
        everything.update(single[name])
    found["period+group+line+type+direction+status"] = CallFilter(**{**everything, "direction": "inbound"})
    return found


async def listing(url: str) -> dict[str, Any]:
    factory = SqlUnitOfWorkFactory(create_engine(url))
    scopes = {
        "admin": JournalScope(),
        "senior_of_group_2": JournalScope(group_ids=frozenset({2}), user_id=31),
        "operator_12": JournalScope(group_ids=frozenset(), user_id=12),
    }
    figures: dict[str, Any] = {}
    try:
        for scope_name, scope in scopes.items():
            for name, wanted in combinations().items():
                samples: list[float] = []
                further: list[float] = []
                for _ in range(SAMPLES):
                    started = time.perf_counter()
                    async with factory() as uow:
                        page = await uow.calls.list_calls(CallQuery(wanted, scope))
                    samples.append((time.perf_counter() - started) * 1000)
                    if page.next_cursor is not None:
                        started = time.perf_counter()
                        async with factory() as uow:
                            await uow.calls.list_calls(
                                CallQuery(CallFilter(**{**wanted.__dict__, "after": page.next_cursor}), scope)
                            )
                        further.append((time.perf_counter() - started) * 1000)
                figures[f"{scope_name}/{name}"] = {
                    "first_page": percentiles(samples),
                    "next_page": percentiles(further) if further else None,
                    "total": page.total,
                    "total_capped": page.capped,
                }
    finally:
        await factory.dispose()
    return figures


async def export_child(url: str, format: str, folder: str) -> None:
    """Runs in a child process: one export through the use case; prints its figures as JSON."""
    factory = SqlUnitOfWorkFactory(create_engine(url))
    clock = FakeClock(NOW)
    jobs = ExportJobs(FileTableWriters(), Path(folder), Nowhere(), clock, sync_limit=10**9)
    service = CallRecordService(factory, clock, FileRecordings(Path(folder)), MOSCOW, jobs)
    admin = Actor(user_id=1, role=Role.ADMIN, group_ids=frozenset())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    job = await service.export_calls(admin, CallFilter(), format)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    await factory.dispose()
    assert job.path is not None
    print(
        json.dumps(
            {
                "status": job.status,
                "rows": job.rows,
                "seconds": round(seconds, 1),
                "rows_per_s": round(job.rows / seconds),
                "file_mb": round(job.path.stat().st_size / 2**20, 1),
                "peak_rss_before_mb": round(before / 1024, 1),
                "peak_rss_after_mb": round(after / 1024, 1),
                "peak_growth_mb": round((after - before) / 1024, 1),
            }
        )
    )


def export_figures(url: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        for format in ("csv", "xlsx"):
            done = subprocess.run(
                [sys.executable, __file__, "--export-child", url, format, folder],
                check=True,
                capture_output=True,
                text=True,
            )
            found[format] = json.loads(done.stdout.strip().splitlines()[-1])
            print(format, found[format], flush=True)
    return found


def worst(figures: dict[str, Any]) -> float:
    return max(
        max(v["first_page"]["p95_ms"], (v["next_page"] or {"p95_ms": 0})["p95_ms"]) for v in figures.values()
    )


async def measure(url: str, rows: int, *, exports: bool) -> dict[str, Any]:
    await migrate.upgrade_async(url)
    seed_s = await seed(url, rows)
    print("seeded", rows, round(seed_s), flush=True)
    figures = await listing(url)
    slowest = sorted(figures.items(), key=lambda kv: -kv[1]["first_page"]["p95_ms"])[:5]
    result: dict[str, Any] = {
        "rows": rows,
        "seed_s": round(seed_s, 1),
        "combinations": len(figures),
        "worst_p95_ms": worst(figures),
        "meets_target": worst(figures) < TARGET_P95_MS,
        "slowest_first_pages": {k: v["first_page"]["p95_ms"] for k, v in slowest},
        "listing": figures,
    }
    if exports:
        result["export"] = export_figures(url)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite-rows", type=int, default=1_000_000)
    parser.add_argument("--postgres-rows", type=int, default=300_000)
    args = parser.parse_args()
    results = await on_both_databases(
        lambda url: measure(url, args.sqlite_rows, exports=True),
        (lambda url: measure(url, args.postgres_rows, exports=False)) if args.postgres_rows > 0 else None,
    )
    path = write_result(
        "journal",
        {
            "parameters": {"page": 50, "samples": SAMPLES, "export_rows": "every seeded SQLite call"},
            "target": {"p95_ms": TARGET_P95_MS, "sqlite_rows": 1_000_000, "postgres_rows": 10_000_000},
            "results": results,
        },
    )
    print(path)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--export-child":
        asyncio.run(export_child(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        asyncio.run(main())
