"""Schema migrations, run from the CLI and the tests (`c122 db upgrade`)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from c122.persistence.database import create_engine

_MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


async def pending_revisions(database_url: str) -> list[str]:
    """Migrations not yet applied to the database (empty when its schema is current)."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            current = set(
                await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
            )
    finally:
        await engine.dispose()
    heads = tuple(script.get_heads())
    applied = {rev.revision for rev in script.iterate_revisions(tuple(current), "base")} if current else set()
    return [rev.revision for rev in script.iterate_revisions(heads, "base") if rev.revision not in applied]


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """The same from inside a running event loop (env.py starts its own loop, so it runs in a thread)."""
    await asyncio.to_thread(upgrade, database_url, revision)


async def downgrade_async(database_url: str, revision: str) -> None:
    await asyncio.to_thread(downgrade, database_url, revision)
