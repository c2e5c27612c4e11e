"""Credentials sealed at rest (persistence/sealing.py), on SQLite and PostgreSQL: a trunk's password and
a lookup's secret are stored encrypted with a key from `secret_key` — the row holds no trace of them —
and read back whole; a value stored before sealing is read as it is and sealed by its next save; a
`secret_key` that changed reads them as no credential, logged naming the setting, and nothing else of
the row is lost."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from c122.domain.lookups import KeyKind, LookupDraft, LookupKind, LookupSecret
from c122.domain.trunks import TrunkDraft
from c122.domain.users import Role
from c122.persistence.database import create_engine
from c122.persistence.sealing import PLAIN, Sealer
from c122.persistence.tables.lookups import lookups
from c122.persistence.tables.trunks import trunks
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory

AT = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
PASSWORD = "carrier-Pa55word"
DSN = "postgresql+asyncpg://reader:registry-Pa55@10.0.0.9/registry"
TOKEN = "Bearer registry-token-123"
TRUNK = TrunkDraft("moscow", "10.20.0.5", username="c122", password=PASSWORD, register=True)
LOOKUP = LookupDraft(
    "registry",
    LookupKind.SQL,
    frozenset({KeyKind.PHONE}),
    frozenset({Role.OPERATOR}),
    query="SELECT name FROM people WHERE phone = :value",
    secret=LookupSecret(url=DSN, headers={"Authorization": TOKEN}),
)


@pytest.fixture
async def factories(database_url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(database_url)
    yield {
        key: SqlUnitOfWorkFactory(engine, sealer)
        for key, sealer in (("sealed", Sealer("k" * 40)), ("other", Sealer("x" * 40)), ("plain", PLAIN))
    }
    await engine.dispose()


async def raw_rows(factory: SqlUnitOfWorkFactory) -> str:
    async with factory.engine.connect() as connection:
        trunk_rows = (await connection.execute(select(trunks))).all()
        lookup_rows = (await connection.execute(select(lookups))).all()
    return repr(trunk_rows) + repr(lookup_rows)


async def saved(factory: SqlUnitOfWorkFactory) -> tuple[int, int]:
    async with factory() as uow:
        trunk_id = await uow.trunks.add(TRUNK, AT)
        lookup_id = await uow.lookups.add(LOOKUP, AT)
        await uow.commit()
    return trunk_id, lookup_id


async def read(factory: SqlUnitOfWorkFactory, ids: tuple[int, int]) -> tuple[TrunkDraft, LookupDraft]:
    async with factory() as uow:
        trunk = await uow.trunks.get(ids[0])
        lookup = await uow.lookups.get(ids[1])
    assert trunk is not None
    assert lookup is not None
    return trunk.draft, lookup.draft


async def test_credentials_are_sealed_in_the_row_and_read_back_whole(factories) -> None:  # type: ignore[no-untyped-def]
    ids = await saved(factories["sealed"])
    stored = await raw_rows(factories["sealed"])
    for secret in (PASSWORD, "registry-Pa55", "registry-token-123"):
        assert secret not in stored
    assert "sealed:v1:" in stored
    trunk, lookup = await read(factories["sealed"], ids)
    assert trunk == TRUNK
    assert lookup.secret == LOOKUP.secret


async def test_a_changed_secret_key_reads_as_no_credential_and_says_so(factories, caplog) -> None:  # type: ignore[no-untyped-def]
    ids = await saved(factories["sealed"])
    with caplog.at_level(logging.ERROR, logger="c122.persistence.sealing"):
        trunk, lookup = await read(factories["other"], ids)
    assert (trunk.password, trunk.username, trunk.host) == (None, "c122", "10.20.0.5")
    assert lookup.secret == LookupSecret()
    assert lookup.query == LOOKUP.query
    logged = caplog.text
    for named in ("trunk moscow", "lookup registry", "secret_key"):
        assert named in logged


async def test_credentials_stored_before_sealing_are_read_and_sealed_by_the_next_save(factories) -> None:  # type: ignore[no-untyped-def]
    ids = await saved(factories["plain"])
    assert PASSWORD in await raw_rows(factories["plain"])
    trunk, lookup = await read(factories["sealed"], ids)
    assert (trunk.password, lookup.secret) == (PASSWORD, LOOKUP.secret)
    async with factories["sealed"]() as uow:
        await uow.trunks.update(ids[0], trunk, AT)
        await uow.lookups.update(ids[1], lookup, AT)
        await uow.commit()
    stored = await raw_rows(factories["sealed"])
    assert PASSWORD not in stored
    assert "registry-Pa55" not in stored
    assert await read(factories["sealed"], ids) == (TRUNK, LOOKUP)
