"""SQL repositories of accounts, their browser sessions and API tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from c122.domain.users import Role, User
from c122.persistence import tables as t
from c122.persistence.organisation import SqlEntityRepository
from c122.services.accounts.ports import StoredApiToken, StoredSession


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
            idle_to_away_s=row.idle_to_away_s,
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
