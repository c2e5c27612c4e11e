"""The unit of work: one connection and one transaction, with every repository bound to it."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Self

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from c122.domain.errors import DatabaseUnavailable, WritesBlocked
from c122.domain.organisation import CaseType, Group, Line, Queue, Service
from c122.domain.shifts import Shift
from c122.persistence.accounts import SqlApiTokenRepository, SqlSessionRepository, SqlUserRepository
from c122.persistence.audit import SqlAuditLog, SqlAuditTrail
from c122.persistence.board import SqlBoardRepository
from c122.persistence.bot import SqlBotRepository
from c122.persistence.calls import SqlCallRecordRepository
from c122.persistence.cases import SqlCaseRepository
from c122.persistence.citizen import SqlCitizenRepository
from c122.persistence.citizen_call import SqlAppCallRepository
from c122.persistence.contact_center import SqlAcdRepository
from c122.persistence.database import unreachable
from c122.persistence.help_requests import SqlHelpRequestRepository
from c122.persistence.intake import SqlContactRepository
from c122.persistence.ivr import SqlIvrRepository
from c122.persistence.lookups import SqlLookupRepository
from c122.persistence.messages import SqlMessageRepository
from c122.persistence.messenger import SqlMessengerRepository
from c122.persistence.organisation import organisation_repositories
from c122.persistence.phone_book import SqlPhoneBookRepository
from c122.persistence.phones import SqlOperatorPhoneRepository
from c122.persistence.push import SqlPushRepository
from c122.persistence.reports import SqlReportRepository
from c122.persistence.routing import SqlRoutingRepository
from c122.persistence.sealing import PLAIN, Sealer
from c122.persistence.sms import SqlSmsRepository
from c122.persistence.statistics import SqlCallStatistics
from c122.persistence.supervision import SqlMonitoringRepository
from c122.persistence.trunks import SqlTrunkRepository
from c122.persistence.write_gate import WriteGate, connect, write_gate
from c122.services.accounts.ports import ApiTokenRepository, SessionRepository, UserRepository
from c122.services.audit.ports import AuditTrailReader
from c122.services.board.ports import BoardRepository
from c122.services.bot.ports import BotRepository
from c122.services.calls.ports import CallRecordRepository
from c122.services.cases.ports import CaseRepository
from c122.services.citizen.ports import CitizenRepository
from c122.services.citizen_call.ports import AppCallRepository
from c122.services.contact_center.ports import AcdRepository
from c122.services.help_requests.ports import HelpRequestRepository
from c122.services.intake.ports import ContactRepository
from c122.services.ivr.ports import IvrRepository
from c122.services.lookups.ports import LookupRepository
from c122.services.messages.ports import MessageRepository
from c122.services.messenger.ports import MessengerRepository
from c122.services.phone_book.ports import PhoneBookRepository
from c122.services.phones.ports import OperatorPhoneRepository
from c122.services.ports import AuditLog, EntityRepository
from c122.services.push.ports import PushRepository
from c122.services.reports.ports import ReportRepository
from c122.services.routing.ports import RoutingRepository
from c122.services.sms.ports import SmsRepository
from c122.services.statistics.ports import CallStatisticsReader
from c122.services.supervision.ports import MonitoringRepository
from c122.services.trunks.ports import TrunkRepository


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
    help_requests: HelpRequestRepository
    board: BoardRepository
    phone_book: PhoneBookRepository
    lookups: LookupRepository
    trunks: TrunkRepository
    routing: RoutingRepository
    monitoring: MonitoringRepository
    sms: SmsRepository
    call_statistics: CallStatisticsReader
    reports: ReportRepository
    citizen: CitizenRepository
    citizen_calls: AppCallRepository
    bot: BotRepository
    messenger: MessengerRepository
    contacts: ContactRepository
    push: PushRepository

    def __init__(self, engine: AsyncEngine, sealer: Sealer = PLAIN, *, first_in_line: bool = False) -> None:
        self._engine = engine
        self._sealer = sealer
        self._first_in_line = first_in_line
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        try:
            connection = await connect(self._engine, first_in_line=self._first_in_line)
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
        self.help_requests = SqlHelpRequestRepository(connection)
        self.board = SqlBoardRepository(connection)
        self.phone_book = SqlPhoneBookRepository(connection)
        self.lookups = SqlLookupRepository(connection, self._sealer)
        self.trunks = SqlTrunkRepository(connection, self._sealer)
        self.routing = SqlRoutingRepository(connection)
        self.reports = SqlReportRepository(connection)
        self.monitoring = SqlMonitoringRepository(connection)
        self.sms = SqlSmsRepository(connection)
        self.call_statistics = SqlCallStatistics(connection)
        self.citizen = SqlCitizenRepository(connection)
        self.citizen_calls = SqlAppCallRepository(connection)
        self.bot = SqlBotRepository(connection)
        self.messenger = SqlMessengerRepository(connection)
        self.contacts = SqlContactRepository(connection)
        self.push = SqlPushRepository(connection)
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

    async def ping_write(self, within_s: float) -> None:
        """A write that changes nothing, rolled back: `WritesBlocked` when it cannot take the write lock
        within `within_s` — on SQLite the process's writers ahead at the gate, then the file's lock held
        by another connection; on PostgreSQL a table lock. Reads may still answer meanwhile."""
        connection = self._connection
        assert connection is not None
        if connection.dialect.name == "sqlite":
            await _ping_sqlite_write(connection, write_gate(self._engine), within_s)
            return
        try:
            await connection.execute(text(f"SET LOCAL lock_timeout = {int(within_s * 1000)}"))
            await connection.execute(text("UPDATE sessions SET last_seen_at = last_seen_at WHERE false"))
        except Exception as exc:
            if unreachable(exc) or "lock timeout" in str(exc):
                raise WritesBlocked(within_s) from exc
            raise
        finally:
            await connection.rollback()


async def _ping_sqlite_write(connection: AsyncConnection, gate: WriteGate | None, within_s: float) -> None:
    try:
        if gate is not None:
            async with asyncio.timeout(within_s):
                await gate.enter()
    except TimeoutError:
        raise WritesBlocked(within_s) from None
    busy_timeout_ms = await connection.scalar(text("PRAGMA busy_timeout"))
    try:
        await connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(within_s * 1000)}")
        # Not through `execute`: this connection already holds the gate for it.
        await connection.exec_driver_sql("UPDATE sessions SET last_seen_at = last_seen_at WHERE 0")
    except Exception as exc:
        if unreachable(exc):
            raise WritesBlocked(within_s) from exc
        raise
    finally:
        await connection.rollback()
        await connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        if gate is not None:
            gate.leave()


class SqlUnitOfWorkFactory:
    """`sealer` seals stored credentials (persistence/sealing.py); the application passes one made from
    `secret_key`."""

    def __init__(
        self, engine: AsyncEngine, sealer: Sealer = PLAIN, writer: AsyncEngine | None = None
    ) -> None:
        self.engine = engine
        self.sealer = sealer
        self.writer = writer  # the ACD's own connection (`create_writer_engine`), if it has one

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.sealer)

    def first_in_line(self) -> SqlUnitOfWork:
        """A unit of work whose writes go ahead of the others waiting at SQLite's write gate: the ACD's,
        so that its decisions are stored (and carried out) after at most the one transaction already
        writing, however many call-record batches wait (persistence/write_gate.py)."""
        return SqlUnitOfWork(self.engine, self.sealer, first_in_line=True)

    def own_writer(self) -> SqlUnitOfWork:
        """A unit of work over the writer's own connection, first at SQLite's write gate too: the ACD
        stores its decisions there, so that they never wait for a pooled connection behind the
        requests and record batches that hold the shared pool (at 100 calls/s on SQLite the pool was
        all in use for 70 s of five minutes, and callers waited in the queue with operators free)."""
        return SqlUnitOfWork(self.writer or self.engine, self.sealer, first_in_line=True)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.writer is not None:
            await self.writer.dispose()
