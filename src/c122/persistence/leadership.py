"""Which node leads the ACD: the one holding a PostgreSQL session advisory lock.

The lock lives on a dedicated connection kept open (never the pool's: a pooled connection given back
would carry the lock to whoever takes it next). PostgreSQL grants a session advisory lock to one
session at a time, so two leaders at once are impossible while each leader stops leading as soon as
it cannot show that its session is alive:

- the leader asks `SELECT 1` every `check_s` with a timeout of `check_s`; no answer and it steps
  down (within 2 × `check_s`), closing the connection;
- the server drops a silent client only after its TCP keepalives fail (`KEEPALIVE_*` below, set on
  the session: 5 + 3 × 1 s), which is later than the leader's own step-down; a killed process's
  socket is closed by its kernel at once, so its lock is free within a round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs; the pool goes through SQLAlchemy
from sqlalchemy.engine import make_url

ACD_LOCK_KEY = 0x0C122ACD
"""The advisory lock's key (one 64-bit number; the same on every node of a deployment)."""
CHECK_SECONDS = 1.0
KEEPALIVE_IDLE_S = 5
KEEPALIVE_INTERVAL_S = 1
KEEPALIVE_COUNT = 3

_log = logging.getLogger(__name__)


def plain_dsn(database_url: str) -> str:
    """`postgresql+asyncpg://…` as asyncpg takes it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class AdvisoryLockLeadership:
    """`run()` campaigns until cancelled; `leading` says whether this node leads now."""

    def __init__(
        self,
        database_url: str,
        *,
        key: int = ACD_LOCK_KEY,
        check_s: float = CHECK_SECONDS,
        on_change: Callable[[bool], None] = lambda _leading: None,
    ) -> None:
        self._dsn = plain_dsn(database_url)
        self._key = key
        self._check = check_s
        self._on_change = on_change
        self._leading = False

    @property
    def leading(self) -> bool:
        return self._leading

    def describe(self) -> str:
        return "this node leads the ACD" if self._leading else "the ACD is led by another node"

    async def run(self) -> None:
        while True:
            try:
                connection = await asyncio.wait_for(
                    asyncpg.connect(
                        self._dsn,
                        server_settings={
                            "application_name": "c122 acd leadership",
                            "tcp_keepalives_idle": str(KEEPALIVE_IDLE_S),
                            "tcp_keepalives_interval": str(KEEPALIVE_INTERVAL_S),
                            "tcp_keepalives_count": str(KEEPALIVE_COUNT),
                        },
                    ),
                    timeout=self._check * 5,
                )
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                _log.warning("ACD leadership: database unreachable (%s)", exc)
                await asyncio.sleep(self._check)
                continue
            try:
                await self._campaign(connection)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                _log.warning("ACD leadership: connection lost (%s)", exc)
            finally:
                self._step_down()
                with contextlib.suppress(Exception):
                    connection.terminate()
            await asyncio.sleep(self._check)

    async def _campaign(self, connection: Any) -> None:
        while True:
            if self._leading:
                await connection.fetchval("SELECT 1", timeout=self._check)
            elif await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key, timeout=self._check):
                self._leading = True
                _log.info("ACD leadership: this node leads")
                self._on_change(True)
            await asyncio.sleep(self._check)

    def _step_down(self) -> None:
        if self._leading:
            self._leading = False
            _log.warning("ACD leadership: this node no longer leads")
            self._on_change(False)
