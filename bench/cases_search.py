"""Card list search and filtered listing over many cases, on SQLite and PostgreSQL, and creation throughput.

    .venv/bin/python bench/cases_search.py [--sqlite-rows 1000000] [--postgres-rows 1000000]
        → bench/results/cases_search.json

Each database is migrated fresh and seeded in bulk (applicants with phones, cases spread over a year,
six types, three groups, every status), then the repository query behind GET /api/v1/cases runs with
the scope of an operator of two groups, for each kind of request the desktop makes: the first page,
status and period filters, a type, and searches by phone, name, date and case name. Each figure is
the latency of one page of 50 with its total count. Creation throughput runs `create_case_for_call`
(counter upsert, applicant lookup by phone, insert, history, commit) sequentially and 8 at a time.
Target (issue "Case cards and applicants"): p95 < 50 ms at 1,000,000 cases on SQLite and 10,000,000
on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result
from bench.databases import on_both_databases
from tests.support.clock import FakeClock

from c122.domain.cases import MONTHS_RU, ApplicantData, CaseStatus, StatusFilter, case_day
from c122.persistence import migrate
from c122.persistence import tables as t
from c122.persistence.cases import applicant_search_text
from c122.persistence.database import create_engine
from c122.persistence.tables.cases import applicant_phones, applicants, case_counters, cases
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.services.cases.ports import CaseQuery
from c122.services.cases.service import CaseDesk, ListRequest, with_search
from c122.services.events import OutboundEvent

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 9, 12, 9, 0, tzinfo=UTC)
TYPES = [
    "Справочная информация",
    "Запись на вакцинацию",
    "Вызов врача на дом",
    "Запись к врачу",
    "Другое",
    "Жалоба",
]
LAST_NAMES = [
    "Иванов",
    "Петрова",
    "Сидоров",
    "Кузнецова",
    "Смирнов",
    "Волкова",
    "Орлов",
    "Зайцева",
    "Соколов",
]
FIRST_NAMES = ["Мария", "Алексей", "Анна", "Дмитрий", "Ольга", "Пётр", "Елена", "Игорь"]
BATCH = 5000
SAMPLES = 40
CREATIONS = 300
TARGET_P95_MS = 50.0


class Silent:
    def publish(self, event: OutboundEvent) -> None:
        pass


def phone_of(index: int) -> str:
    return f"+7916{index:07d}"


async def seed(factory: SqlUnitOfWorkFactory, rows: int) -> float:
    started = time.perf_counter()
    rng = random.Random(122)
    statuses = list(CaseStatus)
    engine = factory.engine
    async with engine.begin() as db:
        await db.execute(t.services.insert().values(id=1, name="Служба 122"))
        await db.execute(
            t.groups.insert(), [{"id": g, "service_id": 1, "name": f"Группа {g}"} for g in (1, 2, 3)]
        )
        await db.execute(
            t.case_types.insert(),
            [
                {"id": i + 1, "code": f"t{i + 1}", "name": name, "icon": "info"}
                for i, name in enumerate(TYPES)
            ],
        )
    applicant_count = max(1, rows // 3)
    applicant_texts: list[str] = []
    for start in range(0, applicant_count, BATCH):
        people = []
        phones = []
        for index in range(start, min(applicant_count, start + BATCH)):
            last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
            folded = applicant_search_text_for(last, first, phone_of(index))
            applicant_texts.append(folded)
            people.append(
                {
                    "id": index + 1,
                    "version": 1,
                    "last_name": last,
                    "first_name": first,
                    "emergency_contacts": [],
                    "search_text": folded,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            phones.append({"applicant_id": index + 1, "position": 0, "phone": phone_of(index)})
        async with engine.begin() as db:
            await db.execute(applicants.insert(), people)
            await db.execute(applicant_phones.insert(), phones)
    counters: dict[tuple[date, int], int] = {}
    year_seconds = 365 * 86400
    for start in range(0, rows, BATCH):
        batch = []
        for index in range(start, min(rows, start + BATCH)):
            created = NOW - timedelta(seconds=int(year_seconds * (index / rows) ** 2))
            type_id = rng.randint(1, len(TYPES))
            day = case_day(created, MOSCOW)
            number = counters.get((day, type_id), 0) + 1
            counters[(day, type_id)] = number
            name = f"{MONTHS_RU[day.month - 1]}{day.day:02d}_{TYPES[type_id - 1]}_{number:03d}"
            batch.append(
                {
                    "version": 1,
                    "name": name,
                    "day": day,
                    "key_type_id": type_id,
                    "number": number,
                    "type_id": type_id,
                    "source": "pstn",
                    "status": rng.choice(statuses).value,
                    "attention": rng.random() < 0.02,
                    "applicant_id": (applicant := rng.randint(1, applicant_count)),
                    "applicant_text": applicant_texts[applicant - 1],
                    "group_id": rng.randint(1, 3),
                    "call_ids": [],
                    "message_ids": [],
                    "search_text": f"{name} {TYPES[type_id - 1]}".casefold(),
                    "created_at": created,
                    "updated_at": created,
                }
            )
        async with engine.begin() as db:
            await db.execute(cases.insert(), batch)
    async with engine.begin() as db:
        # The counters the seeded numbers were drawn from, so new cases continue the sequences.
        await db.execute(
            case_counters.insert(),
            [{"day": day, "type_id": type_id, "last_number": n} for (day, type_id), n in counters.items()],
        )
        if engine.dialect.name == "postgresql":
            # Applicants were given their ids; new ones must continue after them.
            await db.execute(
                text("SELECT setval(pg_get_serial_sequence('applicants', 'id'), max(id)) FROM applicants")
            )
    async with engine.begin() as db:
        await db.execute(text("ANALYZE"))  # planner statistics, as a live database has them
    return time.perf_counter() - started


def applicant_search_text_for(last: str, first: str, phone: str) -> str:
    return applicant_search_text(ApplicantData(last_name=last, first_name=first, phones=(phone,)))


async def timed(samples: int, make: Callable[[int], Awaitable[Any]]) -> dict[str, float]:
    durations = []
    for i in range(samples):
        started = time.perf_counter()
        await make(i)
        durations.append((time.perf_counter() - started) * 1000)
    return percentiles(durations)


async def listing_figures(factory: SqlUnitOfWorkFactory, rows: int) -> dict[str, Any]:
    rng = random.Random(7)
    applicant_count = max(1, rows // 3)
    scope: dict[str, Any] = {"group_ids": frozenset({1, 2}), "user_id": 99}

    async def run(request: ListRequest) -> None:
        since = NOW - timedelta(hours=24) if request.last_24h else request.since
        query = CaseQuery(
            statuses=request.status.statuses, since=since, type_id=request.type_id, limit=50, **scope
        )
        query = with_search(query, request.q, MOSCOW)
        async with factory() as uow:
            await uow.cases.list_cases(query)

    async def a_name() -> str:
        async with factory.engine.connect() as db:
            offset = rng.randint(0, rows - 1)
            return str(
                (
                    await db.execute(cases.select().with_only_columns(cases.c.name).offset(offset).limit(1))
                ).scalar()
            )

    names = [await a_name() for _ in range(SAMPLES)]
    kinds: dict[str, Callable[[int], ListRequest]] = {
        "first_page_any": lambda i: ListRequest(),
        "active": lambda i: ListRequest(status=StatusFilter.ACTIVE),
        "inactive_page": lambda i: ListRequest(status=StatusFilter.INACTIVE),
        "last_24h_active": lambda i: ListRequest(status=StatusFilter.ACTIVE, last_24h=True),
        "by_type": lambda i: ListRequest(type_id=1 + i % len(TYPES)),
        "search_phone": lambda i: ListRequest(
            q=phone_of(rng.randint(0, applicant_count - 1)).replace("+7", "8")
        ),
        "search_last_name": lambda i: ListRequest(q=rng.choice(LAST_NAMES)[:5]),
        "search_date": lambda i: ListRequest(
            q=(NOW.date() - timedelta(days=rng.randint(0, 300))).strftime("%d.%m.%Y")
        ),
        "search_case_name": lambda i: ListRequest(q=names[i % len(names)]),
    }
    figures: dict[str, Any] = {}
    for kind, make in kinds.items():
        await run(make(0))  # warm the cache and the plan
        figures[kind] = await timed(SAMPLES, lambda i, make=make: run(make(i)))
    return figures


async def creation_figures(factory: SqlUnitOfWorkFactory) -> dict[str, Any]:
    clock = FakeClock(NOW)
    desk = CaseDesk(factory, clock, Silent(), MOSCOW)
    started = time.perf_counter()
    for i in range(CREATIONS):
        await desk.create_case_for_call(caller=f"8916{i:07d}", type_id=1, call_id=f"seq-{i}", group_id=1)
    sequential = CREATIONS / (time.perf_counter() - started)
    semaphore = asyncio.Semaphore(8)

    async def one(i: int) -> None:
        async with semaphore:
            await desk.create_case_for_call(caller=f"8926{i:07d}", type_id=2, call_id=f"par-{i}", group_id=1)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(CREATIONS)))
    concurrent = CREATIONS / (time.perf_counter() - started)
    return {
        "cases": CREATIONS,
        "sequential_per_s": round(sequential, 1),
        "concurrency_8_per_s": round(concurrent, 1),
    }


async def measure(url: str, rows: int) -> dict[str, Any]:
    await migrate.upgrade_async(url)
    factory = SqlUnitOfWorkFactory(create_engine(url))
    try:
        seed_s = await seed(factory, rows)
        listing = await listing_figures(factory, rows)
        creation = await creation_figures(factory)
    finally:
        await factory.dispose()
    worst = max(figures["p95_ms"] for figures in listing.values())
    return {
        "rows": rows,
        "seed_s": round(seed_s, 1),
        "listing": listing,
        "worst_p95_ms": worst,
        "meets_target": worst < TARGET_P95_MS,
        "creation": creation,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sqlite-rows", type=int, default=1_000_000)
    parser.add_argument("--postgres-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    results = await on_both_databases(
        lambda url: measure(url, args.sqlite_rows),
        (lambda url: measure(url, args.postgres_rows)) if args.postgres_rows > 0 else None,
    )
    path = write_result(
        "cases_search",
        {
            "parameters": {"page": 50, "samples": SAMPLES, "scope": "operator of 2 of 3 groups"},
            "target": {"p95_ms": TARGET_P95_MS, "sqlite_rows": 1_000_000, "postgres_rows": 10_000_000},
            "results": results,
        },
    )
    print(path)


if __name__ == "__main__":
    asyncio.run(main())
