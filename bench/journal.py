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
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from bench.databases import on_both_databases
from sqlalchemy import Index
from tests.support.clock import FakeClock
from tests.support.journal_reference import correlated_case_match

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.domain.users import Actor, Role
from c122.persistence import calls as call_persistence
from c122.persistence import migrate
from c122.persistence import tables as t
from c122.persistence.calls import FileRecordings
from c122.persistence.database import create_engine
from c122.persistence.tables.calls import call_cases, call_records
from c122.persistence.tables.cases import cases
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.reports.tables import FileTableWriters
from c122.services.calls.service import CallRecordService
from c122.services.events import OutboundEvent
from c122.services.exports.service import ExportJobs

NOW = datetime(2026, 9, 12, 9, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")
CHUNK = 500_000
SAMPLES = 7
TARGET_P95_MS = 200.0
LINES = ("+78001220122", "+78001220123", "+78001220124")
SOURCES = ("pstn", "mobile_app", "web")
LAST_NAMES = ("Иванов", "Петрова", "Сидоров", "Лебедев", "Морозова", "Кузнецов", "Волкова", "Соколов")
FOLDED_NAMES = tuple(name.casefold() for name in LAST_NAMES)


class Nowhere:
    def publish(self, event: OutboundEvent) -> None:
        pass


def phone(index: int) -> str:
    return f"+7916{index:07d}"


# Pseudo-random but reproducible columns, the same on both databases: a hash of the row number per
# column (multiplier and offset distinct per column, modulo a prime so columns do not move together).
PRIME = 2_147_483_647
YEAR_S = 365 * 86400


def hashed(salt: int, modulo: int, row: str = "i") -> str:
    # A multiplier near the prime makes every step wrap around it, so even the first rows spread.
    multiplier = 179_424_673 * (2 * salt + 1) % PRIME
    return f"((({row} * {multiplier} + {salt * 31_337}) % {PRIME}) % {modulo})"


def pick(expression: str, values: tuple[str, ...]) -> str:
    arms = " ".join(f"WHEN {n} THEN '{v}'" for n, v in enumerate(values))
    return f"(CASE {expression} {arms} END)"


def at(dialect: str, seconds_ago: str) -> str:
    """A UTC moment `seconds_ago` before NOW, as the column stores it on this database."""
    if dialect == "postgresql":
        return f"(TIMESTAMPTZ '{NOW.isoformat()}' - ({seconds_ago}) * INTERVAL '1 second')"
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', {int(NOW.timestamp())} - ({seconds_ago}), 'unixepoch') || '.000000')"
    )


def numbers(dialect: str, low: int, high: int, step: int = 1) -> str:
    """Row numbers low, low+step, … below high, as a table `n(i)`."""
    if dialect == "postgresql":
        return f"(SELECT generate_series(CAST({low} AS BIGINT), {high - 1}, {step}) AS i) AS n"
    return (
        f"(WITH RECURSIVE s(i) AS (SELECT {low} UNION ALL SELECT i + {step} FROM s WHERE i + {step} < {high})"
        " SELECT i FROM s) AS n"
    )


def call_rows(dialect: str, low: int, high: int) -> str:
    way, outcome = hashed(1, 100), hashed(2, 100)
    direction = f"(CASE WHEN {way} < 80 THEN 'inbound' WHEN {way} < 95 THEN 'outbound' ELSE 'internal' END)"
    status = f"(CASE WHEN {outcome} < 75 THEN 'answered' WHEN {outcome} < 95 THEN 'missed' ELSE 'failed' END)"
    operator = f"({hashed(3, 30)} + 1)"
    pad = "lpad(CAST({} AS TEXT), {}, '0')" if dialect == "postgresql" else "printf('%0{1}d', {0})"
    applicant = f"('+7916' || {pad.format(hashed(4, 200_000), 7)})"
    began = hashed(5, YEAR_S)
    return f"""
        INSERT INTO call_records (id, direction, status, line_number, caller, called, case_type_id,
            group_id, operator_id, started_at, connected_at, ended_at, wait_s, talk_s, hold_s, wrap_up_s,
            sla_breached)
        SELECT 'c' || {pad.format("i", 8)}, {direction}, {status},
            CASE WHEN {direction} = 'inbound' THEN {pick(hashed(6, 3), LINES)} END,
            CASE WHEN {direction} <> 'outbound' THEN {applicant} ELSE '{LINES[0]}' END,
            CASE WHEN {direction} = 'outbound' THEN {applicant} ELSE '{LINES[0]}' END,
            {hashed(7, 6)} + 1, ({operator} - 1) / 10 + 1,
            CASE WHEN {status} = 'answered' OR {direction} <> 'inbound' THEN {operator} END,
            {at(dialect, began)},
            CASE WHEN {status} = 'answered' THEN {at(dialect, f"{began} - 20")} END,
            {at(dialect, f"{began} - 200")},
            20.0, CASE WHEN {status} = 'answered' THEN 180.0 ELSE 0.0 END, 0.0, 0.0, false
        FROM {numbers(dialect, low, high)}
    """


def case_rows(dialect: str, low: int, high: int, people: int) -> tuple[str, str]:
    """One call in ten has a case: its id is the call's number / 10 + 1."""
    pad = "lpad(CAST({} AS TEXT), {}, '0')" if dialect == "postgresql" else "printf('%0{1}d', {0})"
    began = hashed(5, YEAR_S)
    moscow_day = (
        f"CAST(({at(dialect, began)} AT TIME ZONE 'Europe/Moscow') AS DATE)"
        if dialect == "postgresql"
        else f"date({int(NOW.timestamp())} - ({began}) + 3 * 3600, 'unixepoch')"
    )
    call_id = f"'c' || {pad.format('i', 8)}"
    json_ids = f"'[\"' || {call_id} || '\"]'"
    if dialect == "postgresql":
        json_ids = f"CAST({json_ids} AS JSON)"
    first = low + (-low) % 10
    insert_cases = f"""
        INSERT INTO cases (id, version, name, day, key_type_id, number, type_id, source, status,
            applicant_id, group_id, call_ids, message_ids, applicant_text, created_at, updated_at)
        SELECT i / 10 + 1, 1, 'Случай ' || CAST(i / 10 + 1 AS TEXT), {moscow_day}, 1, i / 10 + 1, 1,
            {pick(hashed(8, 3), SOURCES)}, 'new', {hashed(9, people)} + 1, ({hashed(3, 30)}) / 10 + 1,
            {json_ids}, '[]', {pick(hashed(10, len(LAST_NAMES)), FOLDED_NAMES)},
            {at(dialect, began)}, {at(dialect, began)}
        FROM {numbers(dialect, first, high, 10)}
    """
    link = f"""
        INSERT INTO call_cases (call_id, case_id)
        SELECT {call_id}, i / 10 + 1 FROM {numbers(dialect, first, high, 10)}
    """
    return insert_cases, link


def applicant_rows(dialect: str, people: int) -> str:
    empty = "CAST('[]' AS JSON)" if dialect == "postgresql" else "'[]'"
    return f"""
        INSERT INTO applicants (id, version, last_name, emergency_contacts, search_text, created_at,
            updated_at)
        SELECT i + 1, 1, {pick(hashed(11, len(LAST_NAMES)), LAST_NAMES)}, {empty},
            '', {at(dialect, "0")}, {at(dialect, "0")}
        FROM {numbers(dialect, 0, people)}
    """


def bulk_indexes() -> list[Index]:
    """The indexes a bulk load drops and builds again after (one build is much faster than a million
    inserts into each)."""
    return [*call_records.indexes, *cases.indexes, *call_cases.indexes]


async def seed(url: str, rows: int) -> float:
    """The organisation in rows, then calls, cases and their links generated by the database itself
    (INSERT … SELECT over generated row numbers), in chunks so progress shows."""
    started = time.perf_counter()
    engine = create_engine(url)
    dialect = engine.dialect.name
    people = max(1, rows // 20)
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
        await db.exec_driver_sql(applicant_rows(dialect, people))
        for index in bulk_indexes():
            await db.run_sync(lambda sync, index=index: index.drop(sync))
    for low in range(0, rows, CHUNK):
        high = min(rows, low + CHUNK)
        insert_cases, link = case_rows(dialect, low, high, people)
        async with engine.begin() as db:
            for statement in (call_rows(dialect, low, high), insert_cases, link):
                await db.exec_driver_sql(statement)
        print(f"  {high} calls in {time.perf_counter() - started:.0f} s", flush=True)
    async with engine.begin() as db:
        for index in bulk_indexes():
            await db.run_sync(lambda sync, index=index: index.create(sync))
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


SCOPES = {
    "admin": JournalScope(),
    "senior_of_group_2": JournalScope(group_ids=frozenset({2}), user_id=31),
    "operator_12": JournalScope(group_ids=frozenset(), user_id=12),
}
# Where one page takes longer than this, fewer samples are taken: the verdict does not change and the
# run stays within reach on a loaded machine (the JSON gives each figure's sample count).
SLOW_MS = 1000.0
SLOW_SAMPLES = 2
# The case filters as first written (a correlated EXISTS per call), measured beside the indexed form.
BASELINE = ("source", "applicant_name", "group+source", "line+source", "applicant_name+source")


async def timed_pages(
    factory: SqlUnitOfWorkFactory, wanted: CallFilter, scope: JournalScope
) -> dict[str, Any]:
    samples: list[float] = []
    further: list[float] = []
    while len(samples) < (SLOW_SAMPLES if samples and max(samples) > SLOW_MS else SAMPLES):
        started = time.perf_counter()
        async with factory() as uow:
            page = await uow.calls.list_calls(CallQuery(wanted, scope))
        samples.append((time.perf_counter() - started) * 1000)
        if page.next_cursor is not None:
            started = time.perf_counter()
            async with factory() as uow:
                await uow.calls.list_calls(CallQuery(replace(wanted, after=page.next_cursor), scope))
            further.append((time.perf_counter() - started) * 1000)
    return {
        "first_page": percentiles(samples),
        "next_page": percentiles(further) if further else None,
        "total": page.total,
        "total_capped": page.capped,
    }


async def listing(url: str) -> dict[str, Any]:
    factory = SqlUnitOfWorkFactory(create_engine(url))
    figures: dict[str, Any] = {}
    try:
        for scope_name, scope in SCOPES.items():
            for name, wanted in combinations().items():
                figures[f"{scope_name}/{name}"] = await timed_pages(factory, wanted, scope)
                print(
                    f"  {scope_name}/{name}",
                    figures[f"{scope_name}/{name}"]["first_page"]["p95_ms"],
                    flush=True,
                )
    finally:
        await factory.dispose()
    return figures


async def baseline(url: str) -> dict[str, Any]:
    """The same pages with the case filters in their first, correlated form, side by side."""
    factory = SqlUnitOfWorkFactory(create_engine(url))
    indexed = call_persistence.case_match
    found: dict[str, Any] = {}
    try:
        for name in BASELINE:
            wanted = combinations()[name]
            call_persistence.case_match = correlated_case_match
            before = await timed_pages(factory, wanted, SCOPES["admin"])
            call_persistence.case_match = indexed
            after = await timed_pages(factory, wanted, SCOPES["admin"])
            found[f"admin/{name}"] = {
                "correlated_exists_p95_ms": before["first_page"]["p95_ms"],
                "indexed_p95_ms": after["first_page"]["p95_ms"],
                "same_total": before["total"] == after["total"],
            }
            print(f"  baseline admin/{name}", found[f"admin/{name}"], flush=True)
    finally:
        call_persistence.case_match = indexed
        await factory.dispose()
    return found


async def export_child(url: str, format: str, folder: str) -> None:
    """Runs in a child process: one export through the use case; prints its figures as JSON."""
    factory = SqlUnitOfWorkFactory(create_engine(url))
    clock = FakeClock(NOW)
    jobs = ExportJobs(FileTableWriters(), Path(folder), Nowhere(), clock, sync_limit=10**9)
    service = CallRecordService(factory, clock, FileRecordings(Path(folder)), MOSCOW, jobs)
    admin = Actor(user_id=1, role=Role.ADMIN, group_ids=frozenset())
    sampler = ResidentMemory()
    started = time.perf_counter()
    with sampler:
        job = await service.export_calls(admin, CallFilter(), format)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
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
                "rss_before_mb": round(sampler.before / 2**20, 1),
                "rss_peak_mb": round(sampler.peak / 2**20, 1),
                "peak_growth_mb": round((sampler.peak - sampler.before) / 2**20, 1),
            }
        )
    )


class ResidentMemory:
    """The process's resident memory sampled every 20 ms while in the block: the peak and the level
    on entry (getrusage's lifetime peak hides an export that stays below the imports' peak)."""

    def __init__(self) -> None:
        self.before = self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def resident() -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize()

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, self.resident())

    def __enter__(self) -> ResidentMemory:
        self.before = self.peak = self.resident()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self.resident())


def export_figures(url: str) -> dict[str, Any]:
    """Both exports at once, each in its own child process (so each peak is its own)."""
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        children = {
            format: subprocess.Popen(
                [sys.executable, __file__, "--export-child", url, format, folder],
                stdout=subprocess.PIPE,
                text=True,
            )
            for format in ("csv", "xlsx")
        }
        for format, child in children.items():
            output, _ = child.communicate()
            if child.returncode != 0:
                raise RuntimeError(f"the {format} export failed")
            found[format] = json.loads(output.strip().splitlines()[-1])
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
    side_by_side = await baseline(url)
    slowest = sorted(figures.items(), key=lambda kv: -kv[1]["first_page"]["p95_ms"])[:5]
    result: dict[str, Any] = {
        "rows": rows,
        "seed_s": round(seed_s, 1),
        "combinations": len(figures),
        "worst_p95_ms": worst(figures),
        "meets_target": worst(figures) < TARGET_P95_MS,
        "slowest_first_pages": {k: v["first_page"]["p95_ms"] for k, v in slowest},
        "baseline_correlated_exists": side_by_side,
        "listing": figures,
    }
    if exports:
        result["export"] = export_figures(url)
    return result


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite-rows", type=int, default=1_000_000, help="0: PostgreSQL only")
    parser.add_argument("--postgres-rows", type=int, default=10_000_000, help="0: SQLite only")
    parser.add_argument("--name", default="journal", help="the result file's name under bench/results/")
    parser.add_argument("--no-export", action="store_true", help="the listing only")
    parser.add_argument("--export-from", help="only the exports, of every call of this database URL")
    args = parser.parse_args()
    load = os.getloadavg()
    if args.export_from:
        # Lets the exports run beside the listing on a database seeded before (by this benchmark).
        results: dict[str, Any] = {"export": export_figures(args.export_from)}
    else:
        results = await on_both_databases(
            (lambda url: measure(url, args.sqlite_rows, exports=not args.no_export))
            if args.sqlite_rows > 0
            else None,
            (lambda url: measure(url, args.postgres_rows, exports=False)) if args.postgres_rows > 0 else None,
        )
    path = write_result(
        args.name,
        {
            "parameters": {
                "page": 50,
                "samples": SAMPLES,
                "samples_when_over_1s": SLOW_SAMPLES,
                "export_rows": "every seeded SQLite call",
            },
            "target": {"p95_ms": TARGET_P95_MS, "sqlite_rows": 1_000_000, "postgres_rows": 10_000_000},
            "load_average_at_start": [round(x, 1) for x in load],
            "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
            "results": results,
        },
    )
    print(path)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--export-child":
        asyncio.run(export_child(sys.argv[2], sys.argv[3], sys.argv[4]))
    else:
        asyncio.run(main())
