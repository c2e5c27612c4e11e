"""Migrations go up and down on both databases, and the schema they build is the one the code uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from tests.support import databases

from c122.persistence import migrate
from c122.persistence.applicant_search import outside_metadata
from c122.persistence.database import create_engine
from c122.persistence.tables import metadata


async def _table_names(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
            return {name for name in names if outside_metadata(name, "table")}
    finally:
        await engine.dispose()


async def _differences(url: str) -> list[object]:
    """What autogenerate would still change: nothing, when the migrations build exactly `metadata`."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list(
                await connection.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"include_name": outside_metadata}), metadata
                    )
                )
            )
    finally:
        await engine.dispose()


async def _empty_database(kind: str, tmp_path: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return databases.sqlite_url(tmp_path / "fresh.db"), None
    problem = await databases.postgres_available()
    if problem:
        if databases.postgres_required():
            pytest.fail(problem)
        pytest.skip(problem)
    name, url = await databases.create_postgres_database(template=None)
    return url, name


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_migrations_go_up_down_and_up_again(kind: str, tmp_path: Path) -> None:
    url, created = await _empty_database(kind, tmp_path)
    try:
        assert await migrate.pending_revisions(url) != []
        await migrate.upgrade_async(url)
        assert await migrate.pending_revisions(url) == []
        assert await _table_names(url) - {"alembic_version"} == set(metadata.tables)
        assert await _differences(url) == []
        await migrate.downgrade_async(url, "base")
        assert await _table_names(url) - {"alembic_version"} == set()
        await migrate.upgrade_async(url)
        assert await migrate.pending_revisions(url) == []
    finally:
        if created:
            await databases.drop_postgres_database(created)
