"""The case repository's counter under concurrent creators, on SQLite and PostgreSQL: every key gets
exactly 1..n across a Moscow midnight that is also a month boundary, and a rolled-back creation leaves
no gap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from c122.domain.cases import CaseSource, new_case, sequence_key
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory

MOSCOW = ZoneInfo("Europe/Moscow")
WRITERS = 6
CASES_PER_WRITER = 5


@dataclass
class Store:
    factory: SqlUnitOfWorkFactory
    type_id: int


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    async with factory() as uow:
        case_type = await uow.case_types.create(
            {"code": "info", "name": "Справочная информация", "icon": "info"}
        )
        await uow.commit()
    try:
        yield Store(factory, case_type.id)
    finally:
        await factory.dispose()


async def _create(store: Store, at: datetime, *, commit: bool = True) -> tuple[str, int]:
    key = sequence_key(at, MOSCOW, store.type_id)
    async with store.factory() as uow:
        number = await uow.cases.next_number(key)
        case = new_case(
            key=key,
            number=number,
            type_name="Справочная информация",
            source=CaseSource.WEB,
            created_at=at,
            by=None,
        )
        stored = await uow.cases.add_case(case)
        if commit:
            await uow.commit()
    return stored.name, stored.number


async def test_concurrent_creators_across_a_month_end_midnight_get_every_number_once(
    store: Store,
) -> None:
    # 20:59:59 UTC on 30 September is 23:59:59 in Moscow; a second later it is 1 October there.
    before = datetime(2026, 9, 30, 20, 59, 59, tzinfo=UTC)
    after = before + timedelta(seconds=2)

    async def writer(index: int) -> list[tuple[str, int]]:
        return [await _create(store, before if (index + i) % 2 else after) for i in range(CASES_PER_WRITER)]

    results = [item for batch in await asyncio.gather(*(writer(i) for i in range(WRITERS))) for item in batch]
    by_day: dict[str, list[int]] = {}
    for name, number in results:
        by_day.setdefault(name[:5], []).append(number)
    assert sorted(by_day) == ["Окт01", "Сен30"]
    for numbers in by_day.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert sum(len(numbers) for numbers in by_day.values()) == WRITERS * CASES_PER_WRITER


async def test_a_creation_that_is_rolled_back_leaves_no_gap(store: Store) -> None:
    at = datetime(2026, 9, 12, 9, 0, tzinfo=UTC)
    assert await _create(store, at) == ("Сен12_Справочная информация_001", 1)
    await _create(store, at, commit=False)
    assert await _create(store, at) == ("Сен12_Справочная информация_002", 2)
