"""Repositories over SQLAlchemy Core: one generic class for organisation records, and the specific ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Row, Select, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.errors import Conflict, NotFound
from c122.domain.organisation import CaseType, CaseTypeIcon, Group, Line, Queue, Service
from c122.domain.users import CONSOLE_USER_ID, Role, User
from c122.persistence import tables as t
from c122.services.ports import AuditEntry, Page, StoredApiToken, StoredSession

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
    return Group(**{name: row._mapping[name] for name in _GROUP_FIELDS})


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
        id=row.id, number=row.number, name=row.name, service_id=row.service_id, entry_flow=row.entry_flow
    )


def _case_type(row: Row[Any]) -> CaseType:
    return CaseType(id=row.id, code=row.code, name=row.name, icon=CaseTypeIcon(row.icon))


def organisation_repositories(connection: AsyncConnection) -> dict[str, SqlEntityRepository[Any]]:
    return {
        "services": SqlEntityRepository(connection, t.services, _service, ["name", "description"], "service"),
        "groups": SqlEntityRepository(connection, t.groups, group_from_row, ["name", "description"], "group"),
        "queues": SqlEntityRepository(connection, t.queues, queue_from_row, ["name"], "queue"),
        "lines": SqlEntityRepository(connection, t.lines, _line, ["number", "name"], "line"),
        "case_types": SqlEntityRepository(
            connection, t.case_types, _case_type, ["code", "name"], "case type"
        ),
    }


class SqlUserRepository(SqlEntityRepository[User]):
    """Users with their group memberships (a separate table), loaded in one extra query per page."""

    def __init__(self, connection: AsyncConnection) -> None:
        super().__init__(connection, t.users, self._bare_user, ["login", "full_name"], "user")

    @staticmethod
    def _bare_user(row: Row[Any]) -> User:
        return User(
            id=row.id,
            login=row.login,
            full_name=row.full_name,
            role=Role(row.role),
            enabled=bool(row.enabled),
            group_ids=frozenset(),
            password_hash=row.password_hash,
        )

    async def _rows_to_entities(self, rows: Sequence[Row[Any]]) -> list[User]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        memberships = await self._db.execute(
            select(t.user_groups.c.user_id, t.user_groups.c.group_id).where(t.user_groups.c.user_id.in_(ids))
        )
        groups: dict[int, set[int]] = {}
        for user_id, group_id in memberships:
            groups.setdefault(user_id, set()).add(group_id)
        return [
            User(**{**self._bare_user(row).__dict__, "group_ids": frozenset(groups.get(row.id, ()))})
            for row in rows
        ]

    async def set_groups(self, user_id: int, group_ids: frozenset[int]) -> None:
        await self._db.execute(delete(t.user_groups).where(t.user_groups.c.user_id == user_id))
        if group_ids:
            await self._db.execute(
                insert(t.user_groups), [{"user_id": user_id, "group_id": gid} for gid in sorted(group_ids)]
            )

    async def count_in_group(self, group_id: int) -> int:
        statement = (
            select(func.count()).select_from(t.user_groups).where(t.user_groups.c.group_id == group_id)
        )
        return int((await self._db.execute(statement)).scalar_one())

    async def list_by_ids(self, user_ids: frozenset[int]) -> list[User]:
        if not user_ids:
            return []
        rows = (await self._db.execute(self._select().where(t.users.c.id.in_(sorted(user_ids))))).all()
        return await self._rows_to_entities(rows)


def _session(row: Row[Any]) -> StoredSession:
    return StoredSession(**row._mapping)


class SqlSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def create(self, token_hash: str, user_id: int, now: datetime, source: str) -> StoredSession:
        values = {
            "token_hash": token_hash,
            "user_id": user_id,
            "created_at": now,
            "last_seen_at": now,
            "source": source[:64],
        }
        result = await self._db.execute(insert(t.sessions).values(values).returning(*t.sessions.c))
        return _session(result.one())

    async def get(self, token_hash: str) -> StoredSession | None:
        row = (
            await self._db.execute(select(t.sessions).where(t.sessions.c.token_hash == token_hash))
        ).first()
        return None if row is None else _session(row)

    async def touch(self, session_id: int, now: datetime) -> None:
        await self._db.execute(
            update(t.sessions).where(t.sessions.c.id == session_id).values(last_seen_at=now)
        )

    async def revoke(self, session_id: int, now: datetime, reason: str) -> None:
        await self._db.execute(
            update(t.sessions)
            .where(t.sessions.c.id == session_id, t.sessions.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all_for_user(self, user_id: int, now: datetime, reason: str) -> list[int]:
        live = t.sessions.c.user_id == user_id, t.sessions.c.revoked_at.is_(None)
        ids = list((await self._db.execute(select(t.sessions.c.id).where(*live))).scalars())
        if ids:
            await self._db.execute(
                update(t.sessions)
                .where(t.sessions.c.id.in_(ids))
                .values(revoked_at=now, revoked_reason=reason)
            )
        return ids

    async def live_user_ids(self, since: datetime) -> dict[int, datetime]:
        statement = select(t.sessions.c.user_id, func.min(t.sessions.c.created_at)).where(
            t.sessions.c.revoked_at.is_(None), t.sessions.c.last_seen_at >= since
        )
        rows = await self._db.execute(statement.group_by(t.sessions.c.user_id))
        # min() keeps the column's type, so the UTC zone is restored on read.
        return {user_id: started for user_id, started in rows}


class SqlApiTokenRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def create(self, name: str, user_id: int, token_hash: str, now: datetime) -> StoredApiToken:
        values = {"name": name, "user_id": user_id, "token_hash": token_hash, "created_at": now}
        result = await self._db.execute(insert(t.api_tokens).values(values).returning(*t.api_tokens.c))
        return StoredApiToken(**result.one()._mapping)

    async def get_by_hash(self, token_hash: str) -> StoredApiToken | None:
        statement = select(t.api_tokens).where(t.api_tokens.c.token_hash == token_hash)
        row = (await self._db.execute(statement)).first()
        return None if row is None else StoredApiToken(**row._mapping)


class SqlAuditLog:
    def __init__(self, connection: AsyncConnection) -> None:
        self._db = connection

    async def entries(self, entity: str, limit: int = 100) -> list[AuditEntry]:
        statement = (
            select(t.audit_log)
            .where(t.audit_log.c.entity == entity)
            .order_by(t.audit_log.c.id.desc())
            .limit(limit)
        )
        rows = (await self._db.execute(statement)).all()
        return [AuditEntry(**{k: v for k, v in row._mapping.items() if k != "id"}) for row in rows]

    async def record(
        self,
        *,
        at: datetime,
        actor_id: int | None,
        action: str,
        entity: str,
        entity_id: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        values = {
            "at": at,
            # The command line has no account; its rows show no actor (the foreign key allows NULL).
            "actor_id": None if actor_id == CONSOLE_USER_ID else actor_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": dict(detail) if detail else None,
        }
        await self._db.execute(insert(t.audit_log).values(values))
