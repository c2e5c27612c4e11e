"""An export's rows, read plainly batch after batch (CallRecordService._rows: the record's columns, its
operators' legs and cases, names looked up once), are the journal's rows of the same calls in the same
order, cell for cell (tests/support/journal_reference.py, screen_row), on SQLite and PostgreSQL: for
the benchmark's generated calls with operators' and listeners' legs and calls of several cases added,
in every scope, for random filter combinations."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.support import journal_seed
from tests.support.clock import FakeClock
from tests.support.journal_reference import screen_row

from c122.domain.calls import CallFilter, CallQuery, JournalScope
from c122.persistence.calls import FileRecordings
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory
from c122.services.calls import service as calls_service
from c122.services.exports.ports import Row

ZONE = ZoneInfo("Europe/Moscow")
CALLS = 1200
SCOPES = (
    JournalScope(),
    JournalScope(group_ids=frozenset({2}), user_id=31),
    JournalScope(group_ids=frozenset(), user_id=12),
)


async def _journal_rows(factory: SqlUnitOfWorkFactory, query: CallQuery) -> list[Row]:
    found: list[Row] = []
    wanted = replace(query.filter, limit=97)
    while True:
        async with factory() as uow:
            page = await uow.calls.list_calls(replace(query, filter=wanted))
        found += [screen_row(row, ZONE) for row in page.items]
        if page.next_cursor is None:
            return found
        wanted = replace(wanted, after=page.next_cursor)


async def test_export_rows_are_the_journals_rows_cell_for_cell(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await journal_seed.seed(database_url, CALLS)
    await journal_seed.add_second_cases(database_url)
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    monkeypatch.setattr(calls_service, "EXPORT_BATCH", 113)  # many batches, one cut inside a second
    # The rows' source alone: no export job is run, so no export service is given.
    service = calls_service.CallRecordService(
        factory,
        FakeClock(journal_seed.NOW),
        FileRecordings(Path(".")),
        ZONE,
        exports=None,  # type: ignore[arg-type]
    )
    combinations = list(journal_seed.combinations().items())
    chosen = [("none", CallFilter()), *random.Random(17).sample(combinations, 12)]
    try:
        compared = 0
        for scope in SCOPES:
            for name, wanted in chosen:
                query = CallQuery(wanted, scope)
                exported = [row async for batch in service._rows(query) for row in batch]
                assert exported == await _journal_rows(factory, query), f"{scope}/{name}"
                compared += len(exported)
    finally:
        await factory.dispose()
    assert compared > CALLS  # the comparison covered rows with operators, consultants and cases
