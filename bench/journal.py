"""The call journal at scale: page latency for every combination of filters and each role's scope, the
count asked apart, and the export of up to 1,000,000 calls as csv and xlsx beside the bare cost of
writing the same rows (time and the process's peak memory growth).

    # seed a database once (calls generated inside it: tests/support/journal_seed.py)
    nice -n 5 .venv/bin/python bench/journal.py --seed-into URL --rows 1000000
    # time its pages and counts, bounded; and/or its exports
    nice -n 5 .venv/bin/python bench/journal.py --url URL --name journal_sqlite_1m [--budget-s 600]
    nice -n 5 .venv/bin/python bench/journal.py --url URL --name journal_export --export-rows 100000
    # the same exports with another checkout's code beside this one's (git archive REV src | tar -x -C DIR)
    ... --export-rows 1000000 --no-listing --baseline-src DIR/src
    # SQLite: the CPU time of each combination's page-keys statement alone (what the load does not inflate)
    nice -n 5 .venv/bin/python bench/journal.py --url URL --name journal_sqlite_1m_keys_cpu --keys-cpu

The pages are read through the repository query behind GET /api/v1/calls (page size 50, one more row
to tell whether another page follows; nothing counted), for the first page and the next one by keyset;
the count through the one behind GET /api/v1/calls/count. The exports run in child processes (so each
peak resident memory is its own), one after the other: the journal's through the real use case
(CallRecordService.export_calls), the bare ones writing rows of the same shape straight to the csv
module and XlsxWriter; with --baseline-src, also the journal's export by that source tree (another
revision's `src`), in the same run. Target (issue 17): page p95 < 200 ms at 1,000,000 calls (SQLite) and
10,000,000 (PostgreSQL); export memory growth under ~50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from subprocess import PIPE
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from sqlalchemy import func, make_url, select
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from tests.support.clock import FakeClock
from tests.support.journal_reference import unguarded_case_match
from tests.support.journal_seed import NOW, combinations, seed

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.domain.users import Actor, Role
from c122.persistence import applicant_search, migrate
from c122.persistence import calls as call_persistence
from c122.persistence.calls import FileRecordings
from c122.persistence.database import create_engine
from c122.persistence.tables.calls import call_records
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.reports.tables import FileTableWriters
from c122.services.calls.export import COLUMNS
from c122.services.calls.service import CallRecordService
from c122.services.events import OutboundEvent
from c122.services.exports.service import ExportJobs

MOSCOW = ZoneInfo("Europe/Moscow")
SAMPLES = 21
"""Pages timed per combination and page: the p95 of fewer (nearest rank: bench.common.percentiles) is
their slowest one, a single burst of the shared machine or a first read of cold pages deciding it; the
JSON keeps the slowest too (max_ms, and page_max_over_target in the summary)."""
COUNT_SAMPLES = 3
TARGET_P95_MS = 200.0
SCOPES = {
    "admin": JournalScope(),
    "senior_of_group_2": JournalScope(group_ids=frozenset({2}), user_id=31),
    "operator_12": JournalScope(group_ids=frozenset(), user_id=12),
}
# Where the first pages all take longer than this, no more samples are taken: the verdict does not
# change and the run stays within reach on a loaded machine (the JSON gives each figure's sample count).
# One slow sample among fast ones is not enough: that is the stall a p95 is there to weigh.
SLOW_MS = 1000.0
SLOW_SAMPLES = 2


class Nowhere:
    def publish(self, event: OutboundEvent) -> None:
        pass


async def timed(factory: SqlUnitOfWorkFactory, query: CallQuery, samples: int, *, count: bool) -> Any:
    """`samples` timings (fewer when slow) of a page or of the count, and the last answer."""
    took: list[float] = []
    answer: Any = None
    while len(took) < (SLOW_SAMPLES if len(took) >= SLOW_SAMPLES and min(took) > SLOW_MS else samples):
        started = time.perf_counter()
        async with factory() as uow:
            answer = await (uow.calls.count_calls(query) if count else uow.calls.list_calls(query))
        took.append((time.perf_counter() - started) * 1000)
    return percentiles(took), answer


async def combination(
    factory: SqlUnitOfWorkFactory, wanted: CallFilter, scope: JournalScope
) -> dict[str, Any]:
    first, page = await timed(factory, CallQuery(wanted, scope), SAMPLES, count=False)
    further = None
    if page.next_cursor is not None:
        further, _ = await timed(
            factory, CallQuery(replace(wanted, after=page.next_cursor), scope), SAMPLES, count=False
        )
    counting, counted = await timed(factory, CallQuery(wanted, scope), COUNT_SAMPLES, count=True)
    return {
        "first_page": first,
        "next_page": further,
        "rows_on_first_page": len(page.items),
        "count": counting,
        "total": counted.total,
        "capped": counted.capped,
        "estimated": counted.estimated,
    }


async def listing(url: str, budget_s: float, only: str | None = None) -> dict[str, Any]:
    """Every scope × combination (those whose `scope/name` matches the pattern `only`), until the time
    budget is spent (what was left is named)."""
    factory = SqlUnitOfWorkFactory(create_engine(url))
    figures: dict[str, Any] = {}
    wanted = [
        (s, n, f)
        for s in SCOPES
        for n, f in combinations().items()
        if only is None or re.search(only, f"{s}/{n}")
    ]
    deadline = time.monotonic() + budget_s
    try:
        for scope_name, name, filters in wanted:
            if time.monotonic() > deadline:
                break
            found = await combination(factory, filters, SCOPES[scope_name])
            found["load_average_1m"] = round(os.getloadavg()[0], 1)
            figures[f"{scope_name}/{name}"] = found
            print(
                f"  {scope_name}/{name} page p95 {found['first_page']['p95_ms']:.1f} ms,"
                f" count p95 {found['count']['p95_ms']:.1f} ms ({found['total']})",
                flush=True,
            )
    finally:
        await factory.dispose()
    left = [f"{s}/{n}" for s, n, _ in wanted if f"{s}/{n}" not in figures]
    return {"measured": figures, "not_reached": left}


async def name_search_compared(url: str) -> dict[str, Any]:
    """Every combination with the applicant's name (and a name nobody has), in each scope, timed the way
    before the trigram index (the plain `LIKE` over the cases, no `EXISTS` ahead of the walk) and the
    way now (persistence/applicant_search.py, calls.case_match), one after the other per combination,
    so both meet the same load."""
    factory = SqlUnitOfWorkFactory(create_engine(url))
    forms = {
        "before": (applicant_search.plain_name_match, unguarded_case_match),
        "after": (applicant_search.applicant_name_match, call_persistence.case_match),
    }
    wanted = {n: f for n, f in combinations().items() if f.applicant_name is not None}
    wanted["no_such_name"] = CallFilter(applicant_name="нетакого")
    wanted["no_such_name+direction"] = CallFilter(applicant_name="нетакого", direction="inbound")
    figures: dict[str, Any] = {}
    try:
        for scope_name, scope in SCOPES.items():
            for name, filters in wanted.items():
                for form, (name_match, case_match) in forms.items():
                    call_persistence.applicant_name_match = name_match  # type: ignore[assignment]
                    call_persistence.case_match = case_match
                    found = await combination(factory, filters, scope)
                    found["load_average_1m"] = round(os.getloadavg()[0], 1)
                    figures.setdefault(form, {})[f"{scope_name}/{name}"] = found
                    p95 = found["first_page"]["p95_ms"]
                    print(f"  {form} {scope_name}/{name} page p95 {p95:.1f} ms", flush=True)
    finally:
        call_persistence.applicant_name_match, call_persistence.case_match = forms["after"]  # type: ignore[assignment]
        await factory.dispose()
    return {form: {"summary": summary(found), "listing": found} for form, found in figures.items()}


def keys_cpu(url: str, only: str | None = None) -> dict[str, Any]:
    """SQLite: each combination's page-keys statement (persistence/calls.py, _page_keys: the walk that
    finds the page's 51 ids, without the rows, legs and cases read after), run 3 times straight through
    sqlite3 in this process; the least CPU time of the 3 (on a loaded machine the wall time is several
    times the CPU time, and moves with the load)."""
    database = make_url(url).database
    assert database, "a SQLite file"
    figures: dict[str, Any] = {}
    with closing(sqlite3.connect(database)) as db:
        for scope_name, scope in SCOPES.items():
            for name, filters in combinations().items():
                if only is not None and not re.search(only, f"{scope_name}/{name}"):
                    continue
                from_links = call_persistence.links_first(filters)
                keys = call_persistence._page_keys(
                    CallQuery(filters, scope), in_order=True, from_links=from_links
                )
                sql = str(keys.compile(dialect=sqlite_dialect(), compile_kwargs={"literal_binds": True}))
                took = []
                for _ in range(3):
                    started = time.process_time()
                    rows = db.execute(sql).fetchall()
                    took.append((time.process_time() - started) * 1000)
                figures[f"{scope_name}/{name}"] = {"rows": len(rows), "cpu_ms": round(min(took), 2)}
    spent = sorted(figures, key=lambda k: -figures[k]["cpu_ms"])
    return {
        "summary": {
            "combinations": len(figures),
            "total_cpu_ms": round(sum(v["cpu_ms"] for v in figures.values()), 1),
            "over_15_ms": sum(1 for v in figures.values() if v["cpu_ms"] > 15),
            "slowest_cpu_ms": {k: figures[k]["cpu_ms"] for k in spent[:15]},
        },
        "keys": figures,
    }


def worse_page(figure: dict[str, Any], key: str) -> float:
    """The first or the next page's `key` (p95_ms, max_ms), whichever is higher."""
    return float(max(figure["first_page"][key], (figure["next_page"] or {key: 0})[key]))


def summary(figures: dict[str, Any]) -> dict[str, Any]:
    pages = {k: worse_page(v, "p95_ms") for k, v in figures.items()}
    over = sorted((k for k, ms in pages.items() if ms >= TARGET_P95_MS), key=lambda k: -pages[k])
    counts = sorted(figures, key=lambda k: -figures[k]["count"]["p95_ms"])
    return {
        "combinations": len(pages),
        "page_p95_over_target": len(over),
        "page_max_over_target": sum(1 for v in figures.values() if worse_page(v, "max_ms") >= TARGET_P95_MS),
        "worst_page_p95_ms": max(pages.values(), default=0.0),
        "median_page_p95_ms": sorted(pages.values())[len(pages) // 2] if pages else 0.0,
        "pages_over_target": {k: pages[k] for k in over},
        "slowest_counts_p95_ms": {k: figures[k]["count"]["p95_ms"] for k in counts[:10]},
        "counts_estimated": sum(1 for v in figures.values() if v["estimated"]),
    }


# Exports -------------------------------------------------------------------------------------------


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


def export_filter(days: float) -> CallFilter:
    return CallFilter(since=NOW - timedelta(days=days), until=NOW + timedelta(seconds=1))


async def journal_export(url: str, format: str, days: float, folder: str) -> tuple[int, Path]:
    factory = SqlUnitOfWorkFactory(create_engine(url))
    clock = FakeClock(NOW)
    jobs = ExportJobs(FileTableWriters(), Path(folder), Nowhere(), clock, sync_limit=10**9)
    service = CallRecordService(factory, clock, FileRecordings(Path(folder)), MOSCOW, jobs)
    admin = Actor(user_id=1, role=Role.ADMIN, group_ids=frozenset())
    try:
        job = await service.export_calls(admin, export_filter(days), format)  # type: ignore[arg-type]
    finally:
        await factory.dispose()
    assert job.status == "finished", job
    assert job.path is not None
    return job.rows, job.path


SAMPLE_ROW = (
    NOW.replace(tzinfo=None),
    "входящий",
    "принятый",
    "+79160004242",
    "лебедев",
    "122 — основной номер",
    "Тип 3",
    "Группа 2",
    "Оператор 12",
    20.0,
    180.0,
    "Случай 4242 (Тип 1, new)",
    "Веб-интерфейс",
)


def bare_export(format: str, rows: int, folder: str) -> tuple[int, Path]:
    """The same number of rows of the journal's shape written straight to the csv module or XlsxWriter
    (constant memory), nothing read from a database: the floor an export cannot go under."""
    path = Path(folder) / f"bare.{format}"
    if format == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file, delimiter=";")
            writer.writerow([c.title for c in COLUMNS])
            text = [c.strftime("%d.%m.%Y %H:%M:%S") if i == 0 else c for i, c in enumerate(SAMPLE_ROW)]
            for _ in range(rows):
                writer.writerow(text)
        return rows, path
    import xlsxwriter  # type: ignore[import-untyped]

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("calls")
    moment = book.add_format({"num_format": "dd.mm.yyyy hh:mm:ss"})
    sheet.write_row(0, 0, [c.title for c in COLUMNS])
    for row in range(1, rows + 1):
        sheet.write_datetime(row, 0, SAMPLE_ROW[0], moment)
        for column, cell in enumerate(SAMPLE_ROW[1:], start=1):
            if isinstance(cell, float):
                sheet.write_number(row, column, cell)
            else:
                sheet.write_string(row, column, cell)
    book.close()
    return rows, path


def export_child(kind: str, url: str, format: str, days: float, rows: int, folder: str) -> None:
    """Runs in a child process: one export; prints its figures as JSON."""
    imported = resource.getrusage(resource.RUSAGE_SELF)
    imported_cpu_s = imported.ru_utime + imported.ru_stime
    sampler = ResidentMemory()
    started = time.perf_counter()
    with sampler:
        if kind == "journal":
            written, path = asyncio.run(journal_export(url, format, days, folder))
        else:
            written, path = bare_export(format, rows, folder)
    seconds = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "rows": written,
                "seconds": round(seconds, 1),
                "rows_per_s": round(written / seconds),
                # CPU time is what the code costs; on a shared machine the wall time is mostly the wait
                "cpu_s": round(used.ru_utime + used.ru_stime - imported_cpu_s, 1),
                "file_mb": round(path.stat().st_size / 2**20, 1),
                "rss_before_mb": round(sampler.before / 2**20, 1),
                "rss_peak_mb": round(sampler.peak / 2**20, 1),
                "peak_growth_mb": round((sampler.peak - sampler.before) / 2**20, 1),
                "load_average_1m_after": round(os.getloadavg()[0], 1),
            }
        )
    )


async def export_figures(
    url: str,
    rows: int,
    timeout_s: float,
    formats: tuple[str, ...] = ("csv", "xlsx"),
    baseline_src: str | None = None,
) -> dict[str, Any]:
    """csv and xlsx of about `rows` calls (the newest: a period holding that many), each beside the bare
    writing of as many rows (and the export by `baseline_src`'s code: `baseline`); one child at a time,
    each stopped after `timeout_s`."""
    stored = await stored_calls(url)
    days = 365 * min(1.0, rows / stored)
    found: dict[str, Any] = {"calls_stored": stored, "period_days": round(days, 2)}
    with tempfile.TemporaryDirectory() as folder:
        for format in formats:
            for kind in ("journal", "baseline", "bare") if baseline_src else ("journal", "bare"):
                arguments = ["journal" if kind == "baseline" else kind, url, format, str(days), str(rows)]
                env = dict(os.environ, PYTHONPATH=str(baseline_src)) if kind == "baseline" else None
                child = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--export-child",
                    *arguments,
                    folder,
                    stdout=PIPE,
                    stderr=PIPE,
                    env=env,
                )
                try:
                    output, errors = await asyncio.wait_for(child.communicate(), timeout_s)
                except TimeoutError:
                    child.kill()
                    await child.wait()
                    found[f"{format}/{kind}"] = {"stopped_after_s": timeout_s}
                    print(format, kind, "stopped", flush=True)
                    continue
                if child.returncode != 0:
                    raise RuntimeError(f"the {kind} {format} export failed: {errors.decode()[-2000:]}")
                found[f"{format}/{kind}"] = json.loads(output.decode().strip().splitlines()[-1])
                print(format, kind, found[f"{format}/{kind}"], flush=True)
    return found


async def stored_calls(url: str) -> int:
    engine = create_engine(url)
    async with engine.connect() as db:
        stored = int((await db.execute(select(func.count()).select_from(call_records))).scalar_one())
    await engine.dispose()
    return stored


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed-into", help="migrate and seed this empty database (URL) with --rows calls")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--url", help="a database seeded by --seed-into: time its pages and counts")
    parser.add_argument("--name", default="journal", help="the result file's name under bench/results/")
    parser.add_argument("--budget-s", type=float, default=600.0, help="stop timing combinations after this")
    parser.add_argument("--export-rows", type=int, default=0, help="export about this many calls of --url")
    parser.add_argument("--export-timeout-s", type=float, default=900.0)
    parser.add_argument("--export-formats", default="csv,xlsx", help="comma-separated: csv, xlsx")
    parser.add_argument("--no-listing", action="store_true", help="the exports only")
    parser.add_argument("--baseline-src", help="also export with the c122 package under this folder")
    parser.add_argument("--only", help="time only the combinations whose scope/name matches this pattern")
    parser.add_argument("--keys-cpu", action="store_true", help="SQLite: the page-keys statements' CPU time")
    parser.add_argument(
        "--name-search-compared",
        action="store_true",
        help="the applicant's name combinations, plain and indexed",
    )
    args = parser.parse_args()
    if args.seed_into:
        await migrate.upgrade_async(args.seed_into)
        print("seeded", args.rows, round(await seed(args.seed_into, args.rows, progress=True)), flush=True)
        return
    load = os.getloadavg()
    dialect = "postgresql" if args.url.startswith("postgresql") else "sqlite"
    results: dict[str, Any] = {"database": dialect, "calls": await stored_calls(args.url)}
    if args.keys_cpu:
        results["keys_cpu"] = keys_cpu(args.url, args.only)
    elif args.name_search_compared:
        results["name_search"] = await name_search_compared(args.url)
    elif not args.no_listing:
        listed = await listing(args.url, args.budget_s, args.only)
        results["summary"] = summary(listed["measured"])
        results["not_reached"] = listed["not_reached"]
        results["listing"] = listed["measured"]
    if args.export_rows:
        formats = tuple(args.export_formats.split(","))
        results["export"] = await export_figures(
            args.url, args.export_rows, args.export_timeout_s, formats, args.baseline_src
        )
    path = write_result(
        args.name,
        {
            "parameters": {
                "page": 50,
                "samples": SAMPLES,
                "count_samples": COUNT_SAMPLES,
                "samples_when_the_first_two_over_1s": SLOW_SAMPLES,
                "budget_s": args.budget_s,
            },
            "target": {"p95_ms": TARGET_P95_MS, "sqlite_rows": 1_000_000, "postgres_rows": 10_000_000},
            "load_average_at_start": [round(x, 1) for x in load],
            "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
            "results": results,
        },
    )
    print(path)


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "--export-child":
        kind, url, format, days, rows, folder = sys.argv[2:]
        export_child(kind, url, format, float(days), int(rows), folder)
    else:
        asyncio.run(main())
