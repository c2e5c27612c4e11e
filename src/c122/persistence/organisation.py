"""SQL repositories of the organisation's records: one generic class for services, groups, queues, lines
and case types, with the search helpers other repositories share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Select, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.errors import Conflict, NotFound
from c122.domain.organisation import CaseType, CaseTypeIcon, Group, Line, Queue, Service
from c122.domain.shifts import Shift
from c122.persistence import tables as t
from c122.services.ports import Page

E = TypeVar("E")


def fold(text: str) -> str:
    """The case-folded form used for search on every database (Cyrillic included)."""
    return text.casefold()


def like_pattern(query: str) -> str:
    """A LIKE pattern matching `query` anywhere, with LIKE's special characters taken literally."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlEntityRepository(Generic[E]):
    """CRUD over one table whose rows convert to one frozen domain record."""

    def __init__(
        self,
        connection: AsyncConnection,
        table: Table,
        to_entity: Callable[[Row[Any]], E],
        search_fields: Sequence[str],
        entity_name: str,
    ) -> None:
        self._db = connection
        self._table = table
        self._to_entity = to_entity
        self._search_fields = search_fields
        self._entity_name = entity_name

    def _select(self) -> Select[Any]:
        return select(self._table)

    async def _rows_to_entities(self, rows: Sequence[Row[Any]]) -> list[E]:
        return [self._to_entity(row) for row in rows]

    def _search_text(self, values: Mapping[str, Any]) -> str:
        return fold(" ".join(str(values.get(name) or "") for name in self._search_fields))

    async def get(self, entity_id: int) -> E | None:
        row = (await self._db.execute(self._select().where(self._table.c.id == entity_id))).first()
        return None if row is None else (await self._rows_to_entities([row]))[0]

    async def search(self, query: str, limit: int, offset: int) -> Page[E]:
        condition = (
            self._table.c.search_text.like(like_pattern(query), escape="\\") if query.strip() else None
        )
        count = select(func.count()).select_from(self._table)
        listing = self._select().order_by(self._table.c.id).limit(limit).offset(offset)
        if condition is not None:
            count = count.where(condition)
            listing = listing.where(condition)
        total = (await self._db.execute(count)).scalar_one()
        rows = (await self._db.execute(listing)).all()
        return Page(items=await self._rows_to_entities(rows), total=total)

    def _matching(self, criteria: Mapping[str, object]) -> list[Any]:
        return [self._table.c[name] == value for name, value in criteria.items()]

    async def find(self, criteria: Mapping[str, object]) -> E | None:
        statement = self._select().where(*self._matching(criteria)).limit(1)
        row = (await self._db.execute(statement)).first()
        return None if row is None else (await self._rows_to_entities([row]))[0]

    async def count(self, criteria: Mapping[str, object]) -> int:
        statement = select(func.count()).select_from(self._table).where(*self._matching(criteria))
        return int((await self._db.execute(statement)).scalar_one())

    async def create(self, values: Mapping[str, Any]) -> E:
        row = {**values, "search_text": self._search_text(values)}
        try:
            result = await self._db.execute(insert(self._table).values(row).returning(self._table.c.id))
        except IntegrityError as exc:
            raise Conflict(f"{self._entity_name}: such a record already exists", code="duplicate") from exc
        created = await self.get(result.scalar_one())
        assert created is not None
        return created

    async def update(self, entity_id: int, values: Mapping[str, Any]) -> E:
        current = (await self._db.execute(self._select().where(self._table.c.id == entity_id))).first()
        if current is None:
            raise NotFound(f"{self._entity_name} {entity_id} does not exist")
        merged = {**current._mapping, **values}
        row = {**values, "search_text": self._search_text(merged)}
        try:
            await self._db.execute(update(self._table).where(self._table.c.id == entity_id).values(row))
        except IntegrityError as exc:
            raise Conflict(f"{self._entity_name}: such a record already exists", code="duplicate") from exc
        updated = await self.get(entity_id)
        assert updated is not None
        return updated

    async def delete(self, entity_id: int) -> None:
        try:
            result = await self._db.execute(delete(self._table).where(self._table.c.id == entity_id))
        except IntegrityError as exc:
            raise Conflict(f"{self._entity_name} {entity_id} is still referenced", code="in_use") from exc
        if result.rowcount == 0:
            raise NotFound(f"{self._entity_name} {entity_id} does not exist")


def _service(row: Row[Any]) -> Service:
    return Service(id=row.id, name=row.name, description=row.description)


def group_from_row(row: Row[Any]) -> Group:
    values = {name: row._mapping[name] for name in _GROUP_FIELDS}
    values["early_ready"] = bool(values["early_ready"])
    values["operator_camera"] = bool(values["operator_camera"])
    values["record_video"] = bool(values["record_video"])
    return Group(**values)


def queue_from_row(row: Row[Any]) -> Queue:
    values = {name: row._mapping[name] for name in _QUEUE_FIELDS}
    values["required_skills"] = frozenset(values["required_skills"] or ())
    values["manual_ready"] = bool(values["manual_ready"])
    values["callbacks_enabled"] = bool(values["callbacks_enabled"])
    return Queue(**values)


_GROUP_FIELDS = [f.name for f in fields(Group)]
_QUEUE_FIELDS = [f.name for f in fields(Queue)]


def _line(row: Row[Any]) -> Line:
    return Line(
        id=row.id,
        number=row.number,
        name=row.name,
        service_id=row.service_id,
        entry_flow=row.entry_flow,
        default_case_type_id=row.default_case_type_id,
    )


def _case_type(row: Row[Any]) -> CaseType:
    return CaseType(id=row.id, code=row.code, name=row.name, icon=CaseTypeIcon(row.icon))


def _shift(row: Row[Any]) -> Shift:
    return Shift(id=row.id, name=row.name, starts_at=row.starts_at, ends_at=row.ends_at)


def organisation_repositories(connection: AsyncConnection) -> dict[str, SqlEntityRepository[Any]]:
    return {
        "services": SqlEntityRepository(connection, t.services, _service, ["name", "description"], "service"),
        "groups": SqlEntityRepository(connection, t.groups, group_from_row, ["name", "description"], "group"),
        "queues": SqlEntityRepository(connection, t.queues, queue_from_row, ["name"], "queue"),
        "lines": SqlEntityRepository(connection, t.lines, _line, ["number", "name"], "line"),
        "case_types": SqlEntityRepository(
            connection, t.case_types, _case_type, ["code", "name"], "case type"
        ),
        "shifts": SqlEntityRepository(connection, t.shifts, _shift, ["name"], "shift"),
    }
