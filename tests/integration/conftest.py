"""Every integration test runs twice: on SQLite and on PostgreSQL, each from a freshly migrated database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import databases
from tests.support.server import RunningServer, running_server

_sqlite_template: Path | None = None
_postgres_ready: bool | None = None


async def _postgres_template_ready() -> bool:
    global _postgres_ready
    if _postgres_ready is None:
        problem = await databases.postgres_available()
        if problem and databases.postgres_required():
            pytest.fail(f"the PostgreSQL suite must run here: {problem}")
        if problem is None:
            await databases.create_postgres_template()
        _postgres_ready = problem is None
    return _postgres_ready


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    global _sqlite_template
    if request.param == "sqlite":
        if _sqlite_template is None:
            # The run's own temporary folder: a template from an earlier run may predate a migration.
            folder = tmp_path.parent / "sqlite-template"
            folder.mkdir(exist_ok=True)
            _sqlite_template = await databases.create_sqlite_template(folder)
        yield databases.copy_sqlite(_sqlite_template, tmp_path)
        return
    if not await _postgres_template_ready():
        pytest.skip("PostgreSQL is not reachable (set C122_TEST_POSTGRES_URL)")
    name, url = await databases.create_postgres_database()
    try:
        yield url
    finally:
        await databases.drop_postgres_database(name)


@pytest.fixture
async def server(database_url: str) -> AsyncIterator[RunningServer]:
    async with running_server(database_url) as running:
        yield running


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run's PostgreSQL template goes with the run."""
    if _postgres_ready:
        asyncio.run(databases.drop_postgres_template())
