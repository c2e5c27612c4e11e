"""Database loss (issue 13, defect 4): with PostgreSQL cut off or partitioned behind a TCP proxy, or the
SQLite file locked by another writer, the API refuses in bounded time with a JSON 503 and Retry-After,
health says 503, callers are still answered (the IVR read before the outage, then the outage notice),
their call records wait in the outbox on disk and reach the database once it answers again — also
after a restart of the process."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from c122.bootstrap import OUTBOX_DIR
from c122.domain.errors import DatabaseUnavailable
from c122.domain.users import CONSOLE
from c122.persistence.outbox import WAITING_FILE
from c122.services.call_flow.context import CallFlowSettings
from c122.telephony.media.codecs import PCMU
from c122.telephony.prompt_audio import PromptAudioFiles
from tests.integration.call_flow.conftest import Carrier, HotlineCaller, hotline_overrides, info_queue_id
from tests.integration.contact_center.test_operator_desk import (
    REFERENCE_QUEUE,
    queue_ids,
    set_state,
    simulator,
    state,
)
from tests.integration.faults.conftest import (
    QUICK_TIMEOUTS,
    ListeningCaller,
    greeting_then_queue,
    journal,
    through,
)
from tests.support.polling import until
from tests.support.server import Desk, RunningServer, running_server
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.serial  # kills the database mid-call: timing-sensitive

ONLY_POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
ONLY_SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
# Longer than any bound the server sets (pool + connect + statement, each 2 s here): a request that
# hangs fails the test instead of passing late.
CLIENT_TIMEOUT_S = 20.0
REGION_CALLER_ID = "+74950001122"
FALLBACK = "+74951112233"


async def refused_while_down(admin: Desk) -> httpx.Response:
    response = await admin.write(
        "POST", "/api/v1/admin/services", json={"name": "Служба на время сбоя"}, timeout=CLIENT_TIMEOUT_S
    )
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == "database_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    return response


async def health_of(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/api/v1/health", timeout=CLIENT_TIMEOUT_S)


@ONLY_POSTGRES
async def test_the_api_refuses_with_503_while_postgres_is_cut_off_or_partitioned_and_recovers(
    database_url: str, db_proxy: TcpProxy, tmp_path: Path
) -> None:
    url = through(database_url, db_proxy)
    async with running_server(url, data_dir=tmp_path / "data", **QUICK_TIMEOUTS) as server:
        admin = await server.signed_in("admin")
        async with server.client() as monitor:
            assert (await health_of(monitor)).status_code == 200
            for name, breaks in (("cut", db_proxy.cut), ("partition", db_proxy.partition)):
                breaks()
                await refused_while_down(admin)
                down = await health_of(monitor)
                assert down.status_code == 503, name
                assert down.json()["status"] == "down"
                assert down.json()["components"]["db"]["status"] == "down"
                await event_stream_closed_for_the_database(admin)

                db_proxy.restore()  # the pool reconnects by itself: no restart
                await until(lambda: health_of(monitor), lambda r: r.status_code == 200, timeout=30)
                created = await admin.write(
                    "POST", "/api/v1/admin/services", json={"name": f"После сбоя ({name})"}
                )
                assert created.status_code == 201, created.text
                async with admin.events() as stream:
                    assert (await stream.receive(timeout=CLIENT_TIMEOUT_S))["kind"] == "ready"


async def event_stream_closed_for_the_database(desk: Desk) -> None:
    """The desktop opening its event stream is told why it cannot have one, in bounded time: a
    `closed` message and close code 4001 with the reason, after which it tries again by itself."""
    async with desk.events() as stream:
        closed = await stream.receive(timeout=CLIENT_TIMEOUT_S)
        assert (closed["kind"], closed["reason"]) == ("closed", "database_unavailable")
        await asyncio.wait_for(stream.socket.wait_closed(), CLIENT_TIMEOUT_S)
        assert stream.socket.close_code == 4001
        assert stream.socket.close_reason == "database_unavailable"


async def outage_notice_pcmu(server: RunningServer) -> bytes:
    """The outage notice as the hotline sends it: its espeak-ng recording (the same file the prompt
    machinery keeps for the phrase), PCMU-encoded."""
    import numpy as np

    prompts = server.application.settings.prompts_path
    relative = await PromptAudioFiles(prompts).phrase(CallFlowSettings(Path()).outage_text)
    with wave.open(str(prompts / relative), "rb") as reader:
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return PCMU.encode(pcm)


def outbox_lines(server: RunningServer) -> list[str]:
    path = server.application.settings.data_dir / OUTBOX_DIR / WAITING_FILE
    return path.read_text().splitlines() if path.exists() else []


async def ended_in_journal(server: RunningServer, count: int = 1) -> list[dict[str, Any]]:
    async def ended() -> list[dict[str, Any]]:
        return [item for item in await journal(server) if item["status"] != "active"]

    return await until(ended, lambda items: len(items) >= count, timeout=30)


async def call_during_outage(server: RunningServer, caller: ListeningCaller) -> None:
    """The caller is answered, hears the greeting read before the outage and then the outage notice,
    and the hotline hangs up; the record waits in the outbox."""
    code, output = await caller.call(server)
    assert code == 0, output[-3000:]  # 200 OK, then the hotline's BYE
    heard = caller.ear.heard()
    notice = await outage_notice_pcmu(server)
    middle = notice[len(notice) // 3 : len(notice) // 3 + 4000]  # half a second of the notice's speech
    assert middle in heard, f"the caller did not hear the outage notice ({len(heard)} bytes heard)"
    assert outbox_lines(server), "the call record should wait in the outbox"


@contextlib.asynccontextmanager
async def a_call_during_outage(
    database_url: str, db_proxy: TcpProxy, overrides: dict[str, Any], caller: ListeningCaller
) -> AsyncIterator[RunningServer]:
    """A hotline reaching PostgreSQL through the proxy takes one call while the database is cut off."""
    async with running_server(through(database_url, db_proxy), with_telephony=True, **overrides) as server:
        await greeting_then_queue(server, await info_queue_id(server))
        db_proxy.cut()
        await call_during_outage(server, caller)
        yield server


@pytest.mark.peers
@ONLY_POSTGRES
async def test_a_call_while_postgres_is_cut_off_is_answered_and_journaled_once_it_is_back(
    database_url: str, db_proxy: TcpProxy, tmp_path: Path, listening_caller: ListeningCaller
) -> None:
    overrides = {**hotline_overrides(tmp_path), **QUICK_TIMEOUTS}
    async with a_call_during_outage(database_url, db_proxy, overrides, listening_caller) as server:
        db_proxy.restore()
        (record,) = await ended_in_journal(server)
        assert record["end_cause"] == "database_unavailable"
        assert record["caller"] == "+79161234567"
        assert record["line_number"] == "+78001220122"
        await until(lambda: asyncio.sleep(0, outbox_lines(server)), lambda lines: not lines)


@pytest.mark.peers
@ONLY_POSTGRES
async def test_writes_left_in_the_outbox_at_a_restart_reach_the_database_after_it(
    database_url: str, db_proxy: TcpProxy, tmp_path: Path, listening_caller: ListeningCaller
) -> None:
    overrides = {**hotline_overrides(tmp_path), **QUICK_TIMEOUTS}
    async with a_call_during_outage(database_url, db_proxy, overrides, listening_caller):
        pass
    # The process stopped with the record only in the outbox; the database is back for the next one.
    db_proxy.restore()
    async with running_server(through(database_url, db_proxy), **overrides) as restarted:
        (record,) = await ended_in_journal(restarted)
        assert record["end_cause"] == "database_unavailable"
        await until(lambda: asyncio.sleep(0, outbox_lines(restarted)), lambda lines: not lines)


@pytest.mark.peers
@ONLY_SQLITE
async def test_a_locked_sqlite_database_refuses_writes_with_503_and_keeps_call_records_in_the_outbox(
    database_url: str, tmp_path: Path, listening_caller: ListeningCaller
) -> None:
    overrides = {**hotline_overrides(tmp_path), **QUICK_TIMEOUTS}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        await greeting_then_queue(server, await info_queue_id(server))
        admin = await server.signed_in("admin")
        # Another process holds the write lock (a backup tool, a stuck script).
        locker = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        try:
            await refused_while_down(admin)
            await call_during_outage(server, listening_caller)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        (record,) = await ended_in_journal(server)
        assert record["end_cause"] == "database_unavailable"
        await until(lambda: asyncio.sleep(0, outbox_lines(server)), lambda lines: not lines)


@pytest.mark.peers
@ONLY_POSTGRES
async def test_with_a_fallback_number_the_caller_reaches_it_through_the_trunk_during_the_outage(
    database_url: str, db_proxy: TcpProxy, tmp_path: Path
) -> None:
    (tmp_path / "carrier").mkdir()
    (tmp_path / "caller").mkdir()
    duty = Carrier(tmp_path / "carrier", REGION_CALLER_ID, FALLBACK)  # the duty desk behind the trunk
    caller = HotlineCaller(tmp_path / "caller")
    await duty.start()
    overrides = {
        **hotline_overrides(tmp_path),
        **QUICK_TIMEOUTS,
        "trunks": [duty.trunk("+7495")],
        "outage_fallback_number": FALLBACK,
    }
    try:
        async with running_server(
            through(database_url, db_proxy), with_telephony=True, **overrides
        ) as server:
            await greeting_then_queue(server, await info_queue_id(server))
            db_proxy.cut()
            # The caller stays past the notice, talks to the duty desk, then hangs up.
            await caller.call(server, "hotline_caller.xml", digits="5", listen_ms=2500, wait_ms=9000)
            code, output = await caller.finish()
            assert code == 0, output[-3000:]
            await duty.finish()  # answered the fallback call, then got the hotline's BYE

            db_proxy.restore()
            (record,) = await ended_in_journal(server)
            assert (record["status"], record["end_cause"]) == ("answered", "transferred")
    finally:
        for process in (duty.process, caller.process):
            if process is not None and process.returncode is None:
                process.kill()
                await process.wait()


@ONLY_SQLITE
async def test_health_is_down_while_another_writer_holds_the_sqlite_lock_though_reads_answer(
    database_url: str,
) -> None:
    """WAL lets reads through while another process (a backup, a stuck script) holds the write lock,
    so `SELECT 1` alone would call the database healthy while every write is refused."""
    async with running_server(database_url, **QUICK_TIMEOUTS) as server:
        operator = await server.signed_in("operator1")
        async with server.client() as monitor:
            assert (await health_of(monitor)).status_code == 200
            locker = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
            locker.execute("BEGIN IMMEDIATE")
            try:
                down = await health_of(monitor)
                assert down.status_code == 503, down.text
                db = down.json()["components"]["db"]
                assert db["status"] == "down"
                assert "write" in db["detail"]
                assert (await operator.http.get("/api/v1/me")).status_code == 200  # reads answer
            finally:
                locker.execute("ROLLBACK")
                locker.close()
            assert (await health_of(monitor)).status_code == 200


@ONLY_POSTGRES
async def test_a_caller_waiting_when_postgres_is_cut_off_keeps_their_place_and_is_offered_once_it_is_back(
    database_url: str, db_proxy: TcpProxy, tmp_path: Path
) -> None:
    """What docs/operations.md promises (and why offers wait): the ACD acts only on what it stored."""
    url = through(database_url, db_proxy)
    async with running_server(url, data_dir=tmp_path / "data", **QUICK_TIMEOUTS) as server:
        operator = await server.signed_in("operator1")
        queue_id = (await queue_ids(operator))[REFERENCE_QUEUE]
        call_id = await simulator(server).place_call(queue_id)
        center = server.application.contact_center
        db_proxy.cut()
        ready = await set_state(operator, "ready")
        assert (ready.status_code, ready.json()["code"]) == (503, "database_unavailable")
        server.clock.advance(5)
        with contextlib.suppress(DatabaseUnavailable):
            await center.tick()
        assert center.holds_call(call_id)
        assert [c.call_id for c in (await center.queue(CONSOLE, queue_id)).calls] == [call_id]

        db_proxy.restore()
        await until(lambda: set_state(operator, "ready"), lambda r: r.status_code == 200, timeout=30)
        assert (await state(operator))["offer"]["call_id"] == call_id
