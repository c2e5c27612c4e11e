"""The unit of work: one connection and one transaction, with every repository bound to it."""

from __future__ import annotations

import contextlib
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from c122.domain.errors import DatabaseUnavailable
from c122.domain.organisation import CaseType, Group, Line, Queue, Service
from c122.domain.shifts import Shift
from c122.persistence.accounts import SqlApiTokenRepository, SqlSessionRepository, SqlUserRepository
from c122.persistence.audit import SqlAuditLog, SqlAuditTrail
from c122.persistence.board import SqlBoardRepository
from c122.persistence.calls import SqlCallRecordRepository
from c122.persistence.cases import SqlCaseRepository
from c122.persistence.contact_center import SqlAcdRepository
from c122.persistence.database import unreachable
from c122.persistence.ivr import SqlIvrRepository
from c122.persistence.messages import SqlMessageRepository
from c122.persistence.organisation import organisation_repositories
from c122.persistence.phones import SqlOperatorPhoneRepository
from c122.services.accounts.ports import ApiTokenRepository, SessionRepository, UserRepository
from c122.services.audit.ports import AuditTrailReader
from c122.services.board.ports import BoardRepository
from c122.services.calls.ports import CallRecordRepository
from c122.services.cases.ports import CaseRepository
from c122.services.contact_center.ports import AcdRepository
from c122.services.ivr.ports import IvrRepository
from c122.services.messages.ports import MessageRepository
from c122.services.phones.ports import OperatorPhoneRepository
from c122.services.ports import AuditLog, EntityRepository


class SqlUnitOfWork:
    # Typed as the ports, so mypy checks that each SQL repository fulfils its Protocol.
    services: EntityRepository[Service]
    groups: EntityRepository[Group]
    queues: EntityRepository[Queue]
    lines: EntityRepository[Line]
    case_types: EntityRepository[CaseType]
    shifts: EntityRepository[Shift]
    users: UserRepository
    sessions: SessionRepository
    api_tokens: ApiTokenRepository
    audit: AuditLog
    audit_trail: AuditTrailReader
    acd: AcdRepository
    cases: CaseRepository
    calls: CallRecordRepository
    ivr: IvrRepository
    phones: OperatorPhoneRepository
    messages: MessageRepository
    board: BoardRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        try:
            connection = await self._engine.connect()
            await connection.begin()
        except Exception as exc:
            if unreachable(exc):
                raise DatabaseUnavailable() from exc
            raise
        self._connection = connection
        for name, repository in organisation_repositories(connection).items():
            setattr(self, name, repository)
        self.users = SqlUserRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.api_tokens = SqlApiTokenRepository(connection)
        self.audit = SqlAuditLog(connection)
        self.audit_trail = SqlAuditTrail(connection)
        self.acd = SqlAcdRepository(connection)
        self.cases = SqlCaseRepository(connection)
        self.calls = SqlCallRecordRepository(connection)
        self.ivr = SqlIvrRepository(connection)
        self.phones = SqlOperatorPhoneRepository(connection)
        self.messages = SqlMessageRepository(connection)
        self.board = SqlBoardRepository(connection)
        return self

    async def __aexit__(self, *exc: object) -> None:
        error = exc[1] if len(exc) > 1 and isinstance(exc[1], BaseException) else None
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if error is not None and not isinstance(error, DatabaseUnavailable) and unreachable(error):
            # A connection that timed out or lost its server is dropped, never rolled back: the
            # rollback would wait on the same dead socket.
            with contextlib.suppress(Exception):
                await connection.invalidate()
            with contextlib.suppress(Exception):
                await connection.close()
            raise DatabaseUnavailable() from error
        try:
            if connection.in_transaction():
                await connection.rollback()
        except Exception as exc:
            if unreachable(exc):
                raise DatabaseUnavailable() from exc
            raise
        finally:
            await connection.close()

    async def commit(self) -> None:
        assert self._connection is not None, "commit outside `async with`"
        await self._connection.commit()
        await self._connection.begin()

    async def ping(self) -> None:
        assert self._connection is not None
        await self._connection.execute(text("SELECT 1"))


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()
