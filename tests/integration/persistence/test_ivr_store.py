"""Flow versions in storage: a save moves the head only from the version before it, so of two
administrators saving the same version the second is refused instead of silently overwriting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from c122.domain.errors import Conflict
from c122.domain.ivr import Flow, HangUpNode
from c122.persistence.database import create_engine
from c122.persistence.unit_of_work import SqlUnitOfWorkFactory

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _flow(version: int, prompt: str | None = None) -> Flow:
    return Flow("Линия", version, "bye", "Europe/Moscow", {"bye": HangUpNode(prompt)})


async def test_two_saves_of_the_same_version_keep_the_first(database_url: str) -> None:
    factory = SqlUnitOfWorkFactory(create_engine(database_url))
    try:
        async with factory() as uow:
            await uow.ivr.add_flow_version(_flow(1), AT, None)
            await uow.commit()
        async with factory() as first, factory() as second:
            for uow in (first, second):  # both read version 1
                head = await uow.ivr.flow("Линия")
                assert head is not None
                assert head.latest == 1
            await first.ivr.add_flow_version(_flow(2, "first"), AT, 7)
            await first.commit()
            with pytest.raises(Conflict) as refused:
                await second.ivr.add_flow_version(_flow(2, "second"), AT, 8)
            assert refused.value.code == "version_conflict"
        async with factory() as uow:
            stored = await uow.ivr.flow("Линия")
            versions = await uow.ivr.flow_versions("Линия")
            with pytest.raises(Conflict) as duplicate:
                await uow.ivr.add_flow_version(_flow(1), AT, None)
            assert duplicate.value.code == "duplicate"
        assert stored is not None
        assert (stored.latest, stored.saved_by, stored.flow.nodes["bye"]) == (2, 7, HangUpNode("first"))
        assert [(v.version, v.saved_by) for v in versions] == [(1, None), (2, 7)]
    finally:
        await factory.dispose()
