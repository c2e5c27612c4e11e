"""Revision 0061 on both databases: every leg and every link of a call to a case gets its call's
filtered columns (the link its call's start and its case's source too), equal to what the writers store
(here the benchmark's seed, which writes them as the repositories do); and a migration stopped part-way
(some rows not copied yet, an index not made) completes when run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.integration.persistence.test_migrations import _differences, _empty_database
from tests.support import databases, journal_seed

from c122.persistence import migrate
from c122.persistence.database import create_engine
from c122.persistence.tables.calls import CALL_COPIES

BEFORE = "0057"
COPIED = ", ".join(f"call_{name}" for name in CALL_COPIES)


async def _run(url: str, *statements: str) -> list[tuple[Any, ...]]:
    """Each statement in one transaction; the last one's rows."""
    engine = create_engine(url)
    rows: list[tuple[Any, ...]] = []
    try:
        async with engine.begin() as db:
            for statement in statements:
                result = await db.execute(sa.text(statement))
                rows = [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()
    return rows


async def _copies(url: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    legs = await _run(url, f"SELECT call_id, leg_id, {COPIED} FROM call_legs ORDER BY call_id, leg_id")
    links = await _run(
        url,
        f"SELECT call_id, case_id, call_started_at, {COPIED}, case_source FROM call_cases"
        " ORDER BY call_id, case_id",
    )
    return legs, links


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_the_copies_are_filled_from_the_calls_and_cases_and_a_stopped_run_completes(
    kind: str, tmp_path: Path
) -> None:
    url, created = await _empty_database(kind, tmp_path)
    try:
        await migrate.upgrade_async(url)
        await journal_seed.seed(url, 3000)
        written = await _copies(url)
        assert len(written[0]) > 3000
        assert len(written[1]) == 300
        assert all(row[2] is not None for row in written[0])  # every leg's call has a direction
        assert {row[-1] for row in written[1]} == set(journal_seed.SOURCES)

        await migrate.downgrade_async(url, BEFORE)
        await migrate.upgrade_async(url)
        assert await _copies(url) == written
        assert await _differences(url) == []

        # Stopped part-way: the later calls' copies not made yet, the party index not built again.
        await _run(
            url,
            f"UPDATE alembic_version SET version_num = '{BEFORE}'",
            "UPDATE call_legs SET "
            + ", ".join(f"call_{name} = NULL" for name in CALL_COPIES)
            + " WHERE call_id > 'c00001500'",
            "UPDATE call_cases SET call_started_at = NULL, case_source = NULL, "
            + ", ".join(f"call_{name} = NULL" for name in CALL_COPIES)
            + " WHERE call_id > 'c00001500'",
            "DROP INDEX ix_call_legs_party_call_started_at",
        )
        assert await _copies(url) != written
        await migrate.upgrade_async(url)
        assert await _copies(url) == written
        assert await _differences(url) == []
    finally:
        if created:
            await databases.drop_postgres_database(created)
