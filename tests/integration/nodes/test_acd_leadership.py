"""The ACD's leader is elected through a PostgreSQL advisory lock: four processes racing for it on
the real server, exactly one leads (and PostgreSQL shows one holder); its kill -9 hands the lead to
exactly one other within 5 s; a leader whose database connection is cut steps down."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
import pytest

from c122.persistence.leadership import AdvisoryLockLeadership, plain_dsn
from tests.support import databases
from tests.support.polling import reading, until
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.serial

TAKEOVER_S = 5.0


@dataclass
class Candidate:
    process: asyncio.subprocess.Process
    states: list[str] = field(default_factory=list)

    @property
    def leading(self) -> bool:
        return bool(self.states) and self.states[-1] == "leading"

    async def follow(self) -> None:
        assert self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.states.append(line.decode().strip())


@pytest.fixture
async def postgres() -> str:
    problem = await databases.postgres_available()
    if problem:
        pytest.skip(problem)
    return databases.postgres_admin_url()


@contextlib.asynccontextmanager
async def candidates(database_url: str, key: int, count: int) -> AsyncIterator[list[Candidate]]:
    started = [
        Candidate(
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.support.leader_candidate", database_url, str(key),
                stdout=asyncio.subprocess.PIPE,
            )
        )
        for _ in range(count)
    ]  # fmt: skip
    readers = [asyncio.create_task(candidate.follow()) for candidate in started]
    try:
        # Python's start on a loaded machine takes seconds; each says `following` first.
        await until(reading(lambda: all(candidate.states for candidate in started)), bool, timeout=60)
        yield started
    finally:
        for candidate in started:
            if candidate.process.returncode is None:
                candidate.process.kill()
            await candidate.process.wait()
        await asyncio.gather(*readers, return_exceptions=True)


async def holders(database_url: str, key: int) -> int:
    """Sessions PostgreSQL says hold the lock (a 64-bit key is stored as two 32-bit halves)."""
    connection = await asyncpg.connect(plain_dsn(database_url))
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid",
            key,
        )
        return count
    finally:
        await connection.close()


async def one_leader(group: list[Candidate], timeout: float) -> Candidate:
    """Waits until exactly one leads, then watches a while that it stays exactly one."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        leaders = [c for c in group if c.leading]
        assert len(leaders) <= 1, f"two leaders: {[c.states for c in group]}"
        if leaders:
            break
        assert loop.time() < deadline, f"no leader within {timeout} s: {[c.states for c in group]}"
        await asyncio.sleep(0.05)
    for _ in range(20):  # 1 s of watching: the others keep trying every 0.2 s and must keep failing
        await asyncio.sleep(0.05)
        assert [c for c in group if c.leading] == leaders
    return leaders[0]


async def test_racing_processes_elect_exactly_one_leader_and_a_killed_one_is_replaced(postgres: str) -> None:
    key = secrets.randbits(62)
    async with candidates(postgres, key, 4) as group:
        first = await one_leader(group, timeout=10)
        assert await holders(postgres, key) == 1

        os.kill(first.process.pid, signal.SIGKILL)
        await first.process.wait()
        rest = [c for c in group if c is not first]
        started = asyncio.get_running_loop().time()
        second = await one_leader(rest, timeout=TAKEOVER_S)
        assert asyncio.get_running_loop().time() - started < TAKEOVER_S
        assert await holders(postgres, key) == 1
        assert second is not first


async def test_a_leader_cut_off_from_the_database_steps_down(postgres: str) -> None:
    url = postgres
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    try:
        through_proxy = url.replace(host_port, f"127.0.0.1:{proxy.port}")
        changes: list[bool] = []
        leadership = AdvisoryLockLeadership(
            through_proxy, key=secrets.randbits(62), check_s=0.2, on_change=changes.append
        )
        task = asyncio.create_task(leadership.run())
        try:
            await until(reading(lambda: leadership.leading), bool, timeout=10)
            proxy.partition()  # bytes are swallowed: no reset, no answer, as in a network partition
            await until(reading(lambda: leadership.leading), lambda leading: not leading, timeout=5)
            assert changes == [True, False]
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        await proxy.stop()
