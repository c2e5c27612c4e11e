"""What the call path keeps of the organisation (a group's video setting, the case types): read once,
read again at once after `forget` (the organisation's change event) and after `ttl_s` without one (a
change made through another node), and a read that began before a change is not kept."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from c122.domain.organisation import CaseType, CaseTypeIcon, Group
from c122.services.cases.case_types import KnownCaseTypes
from c122.services.organisation.video_recording import VideoRecordingPolicy


@dataclass
class Table:
    rows: dict[int, Any]
    reads: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def get(self, entity_id: int) -> Any:
        self.reads += 1
        row = self.rows.get(entity_id)  # as the database had it when asked
        await self.gate.wait()
        return row


@dataclass
class Uow:
    groups: Table
    case_types: Table


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_groups_answer_is_kept_until_forgotten_or_too_old() -> None:
    groups = Table({1: Group(id=1, service_id=1, name="Справочная", description="", record_video=False)})
    groups.gate.set()
    uow = Uow(groups, Table({}))

    @asynccontextmanager
    async def factory() -> AsyncIterator[Uow]:
        yield uow

    clock = Clock()
    policy = VideoRecordingPolicy(factory, ttl_s=5.0, now=clock)  # type: ignore[arg-type]
    assert [await policy.records(1), await policy.records(1)] == [False, False]
    assert groups.reads == 1
    groups.rows[1] = replace(groups.rows[1], record_video=True)
    assert await policy.records(1) is False  # changed elsewhere, not announced here: kept a while
    clock.now += 5.0
    assert await policy.records(1) is True  # too old: read again
    groups.rows[1] = replace(groups.rows[1], record_video=False)
    policy.forget()
    assert await policy.records(1) is False
    assert groups.reads == 3


async def test_a_read_that_began_before_a_change_is_not_kept() -> None:
    info = CaseType(id=7, code="info", name="Справка", icon=CaseTypeIcon.INFO)
    types = Table({7: info})
    uow = Uow(Table({}), types)
    known = KnownCaseTypes(ttl_s=5.0, now=Clock())
    reading = asyncio.ensure_future(known.get(uow, 7))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    types.rows[7] = replace(info, name="Справка новая")
    known.forget()  # the change is announced while the old row is on its way
    types.gate.set()
    assert await reading == info
    assert await known.get(uow, 7) == replace(info, name="Справка новая")  # type: ignore[arg-type]
    assert await known.get(uow, 7) == replace(info, name="Справка новая")  # type: ignore[arg-type]
    assert types.reads == 2
    assert await known.get(uow, 8) is None  # type: ignore[arg-type]
    assert await known.get(uow, 8) is None  # type: ignore[arg-type]
    assert types.reads == 4  # a type not found is not kept
