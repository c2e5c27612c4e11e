"""Revision 0045 on both databases: the queues that listed text channels become the channels' queue
(the «Каналы и чат-бот» setting), a queue already chosen there is kept, and going down restores the
queues' lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from tests.integration.persistence.test_migrations import _empty_database
from tests.support import databases

from c122.persistence import migrate
from c122.persistence.database import create_engine

BEFORE = "0035"


def _filled(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    """`values` and a plain value for every other required column without a default."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        python = column.type.python_type
        row[column.name] = {str: "x", int: 1, float: 1.0, bool: False}.get(python, "x")
    return row


async def _insert(connection: AsyncConnection, name: str, values: dict[str, Any]) -> None:
    table = await connection.run_sync(lambda sync: sa.Table(name, sa.MetaData(), autoload_with=sync))
    await connection.execute(sa.insert(table).values(**_filled(table, values)))


async def _rows(url: str, query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(r) for r in (await connection.execute(sa.text(query))).all()]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_the_queues_text_channels_become_the_channels_queue(kind: str, tmp_path: Path) -> None:
    url, created = await _empty_database(kind, tmp_path)
    try:
        await migrate.upgrade_async(url, BEFORE)
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await _insert(connection, "services", {"id": 1, "name": "Справки"})
                await _insert(connection, "groups", {"id": 1, "service_id": 1, "name": "Справочная"})
                for queue_id, channels in ((5, ["sms", "app"]), (3, ["sms"]), (7, ["messenger"]), (8, None)):
                    await _insert(
                        connection,
                        "queues",
                        {"id": queue_id, "group_id": 1, "name": f"q{queue_id}", "text_channels": channels},
                    )
                # The messenger's queue was already chosen on the channels screen: it stays.
                await _insert(
                    connection,
                    "channel_settings",
                    {"channel": "messenger", "queue_id": 8, "flow_name": "Бот", "updated_at": sa.func.now()},
                )
        finally:
            await engine.dispose()
        await migrate.upgrade_async(url)
        chosen = await _rows(
            url, "SELECT channel, queue_id, flow_name FROM channel_settings ORDER BY channel"
        )
        assert chosen == [("app", 5, None), ("messenger", 8, "Бот"), ("sms", 3, None)]
        await migrate.downgrade_async(url, BEFORE)
        lists = await _rows(url, "SELECT id, text_channels FROM queues ORDER BY id")
        restored = {queue_id: channels for queue_id, channels in lists}
        assert _decoded(restored[3]) == ["sms"]
        assert _decoded(restored[5]) == ["app"]
        assert _decoded(restored[8]) == ["messenger"]
        assert restored[7] is None
    finally:
        if created:
            await databases.drop_postgres_database(created)


def _decoded(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value
