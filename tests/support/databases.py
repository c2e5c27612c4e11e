"""Fresh databases for each test: SQLite files and PostgreSQL databases, both migrated to head.

A template is migrated once per run; each test gets a copy (a file copy for SQLite, CREATE DATABASE
... TEMPLATE for PostgreSQL), so every test starts from the same empty, current schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import asyncpg

from c122.persistence import migrate

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
# One template per test run: concurrent runs (two developers, CI) never drop each other's.
TEMPLATE_NAME = f"c122_test_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"


def postgres_admin_url() -> str:
    return os.environ.get("C122_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_required() -> bool:
    return os.environ.get("C122_REQUIRE_POSTGRES") == "1" or os.environ.get("CI") == "true"


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    try:
        connection = await asyncpg.connect(_plain(postgres_admin_url()), timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"PostgreSQL at {postgres_admin_url()} does not answer: {exc}"
    await connection.close()
    return None


async def create_postgres_template() -> None:
    admin = await asyncpg.connect(_plain(postgres_admin_url()))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE_NAME}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{TEMPLATE_NAME}"')
    finally:
        await admin.close()
    await migrate.upgrade_async(_with_database(postgres_admin_url(), TEMPLATE_NAME))


async def drop_postgres_template() -> None:
    await drop_postgres_database(TEMPLATE_NAME)


async def create_postgres_database(template: str | None = TEMPLATE_NAME) -> tuple[str, str]:
    """A new database (a copy of the migrated template, or empty) and its URL."""
    name = f"c122_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_plain(postgres_admin_url()))
    try:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await admin.close()
    return name, _with_database(postgres_admin_url(), name)


async def drop_postgres_database(name: str) -> None:
    admin = await asyncpg.connect(_plain(postgres_admin_url()))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def create_sqlite_template(folder: Path) -> Path:
    path = folder / "template.db"
    await migrate.upgrade_async(sqlite_url(path))
    return path


def copy_sqlite(template: Path, folder: Path) -> str:
    target = folder / "c122.db"
    shutil.copyfile(template, target)
    return sqlite_url(target)
