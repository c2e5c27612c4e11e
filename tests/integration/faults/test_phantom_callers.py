"""Phantom callers: a burst of SIPp callers that give up at every phase (cancelled before the answer,
hung up without an ACK, hung up in the IVR or in the queue) and callers that never acknowledge the
answer, so the hotline ends their calls itself (SIP timer H, 32 s) after they have sat in the queue —
more of them at once than the RTP range holds. Once they are gone, no queue holds a caller, no
callback entry stands for a call that was never up, and an operator who comes on duty is offered
nothing and keeps their state. Traffic goes to loopback only: 200 calls in about 2 s, under 60 s.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from c122.domain.users import CONSOLE
from tests.integration.call_flow.conftest import (
    SCENARIOS,
    hotline_overrides,
    info_queue_id,
    route_main_line,
    sip_port,
)
from tests.support.peers import free_udp_port, installed
from tests.support.polling import until
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.peers, pytest.mark.serial]

#: (scenario, callers), started together: 200 callers in about 2 s against an RTP range of 100 ports.
SILENT = (("flood_silent.xml", 30),)
QUICK = (("flood_cancel.xml", 50), ("flood_no_ack.xml", 60), ("flood_hang_up.xml", 60))
RATE_PER_SCENARIO = 30


async def short_menu_then_queue(server: RunningServer, queue_id: int) -> None:
    """The main line greets for up to a second, then queues: callers leave in the IVR and in the queue."""
    context = server.application.context
    await context.prompts.synthesise(CONSOLE, "flood_greeting", "Приветствие", "Здравствуйте.")
    flow = {
        "name": "flood_menu",
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {
                "type": "menu",
                "prompt": "flood_greeting",
                "branches": {"1": "queue"},
                "fallback": "queue",
                "timeout_s": 1,
            },
            "queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(server, "flood_menu")
    assert context.call_flow is not None
    await context.call_flow.warm()  # what a line change starts in the background, awaited here


async def start(
    server: RunningServer,
    workdir: Path,
    callers: tuple[tuple[str, int], ...],
    hold_ms: tuple[int, int] = (200, 3000),
) -> list[asyncio.subprocess.Process]:
    """SIPp callers at RATE_PER_SCENARIO calls/s per scenario; a hanging-up caller stays `hold_ms`."""
    processes = []
    for scenario, count in callers:
        text = (SCENARIOS / scenario).read_text()
        text = text.replace("HOLD_MIN_MS", str(hold_ms[0])).replace("HOLD_MAX_MS", str(hold_ms[1]))
        (workdir / scenario).write_text(text)
        args = [
            *("-sf", str(workdir / scenario), f"127.0.0.1:{sip_port(server)}", "-s", "88001220122"),
            *("-m", str(count), "-r", str(RATE_PER_SCENARIO), "-l", str(count), "-i", "127.0.0.1"),
            *("-p", str(free_udp_port()), "-mp", str(random.randrange(50000, 59000, 4)), "-nostdin"),
            *("-timeout", "45", "-recv_timeout", "40000"),
        ]
        quiet = asyncio.subprocess.DEVNULL
        processes.append(
            await asyncio.create_subprocess_exec(
                installed("sipp"), *args, cwd=workdir, stdin=quiet, stdout=quiet, stderr=quiet
            )
        )
    return processes


async def finished(processes: list[asyncio.subprocess.Process]) -> None:
    try:
        await asyncio.wait_for(asyncio.gather(*(p.wait() for p in processes)), 50)
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def queue(server: RunningServer, queue_id: int) -> dict[str, Any]:
    senior = await server.signed_in("senior1")
    result: dict[str, Any] = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    return result


@pytest.fixture
async def hotline(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, with_telephony=True, **hotline_overrides(tmp_path)) as server:
        yield server


async def test_after_a_burst_of_callers_giving_up_no_queue_holds_a_caller_whose_call_is_gone(
    hotline: RunningServer, tmp_path: Path
) -> None:
    queue_id = await info_queue_id(hotline)
    await short_menu_then_queue(hotline, queue_id)
    call_flow = hotline.application.context.call_flow
    assert call_flow is not None
    silent = await start(hotline, tmp_path, SILENT)
    await finished(await start(hotline, tmp_path, QUICK))
    hotline.clock.advance(30)  # the silent callers have waited half a minute in the queue
    await finished(silent)

    # Every call the hotline carried has ended (a missing ACK ends the call after SIP timer H).
    async def active() -> int:
        return call_flow.active_calls()

    await until(active, lambda count: count == 0, timeout=20)
    hotline.clock.advance(60)  # past any grace before a call that is gone counts as gone
    await call_flow.reconcile()

    assert (await queue(hotline, queue_id))["calls"] == []

    # An operator coming on duty is offered none of them and keeps their state past a ring timeout.
    desk = await hotline.signed_in("operator1")
    ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert ready.status_code == 200, ready.text
    for _ in range(3):
        hotline.clock.advance(30)
        await hotline.application.context.contact_center.tick()
    me = (await desk.http.get("/api/v1/operators/me/state")).json()
    assert (me["status"], me["offer"]) == ("ready", None)


async def test_callers_queued_when_the_process_died_are_never_offered_by_the_next_one(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    async with running_server(
        database_url, with_telephony=True, **hotline_overrides(tmp_path / "first")
    ) as first:
        queue_id = await info_queue_id(first)
        await short_menu_then_queue(first, queue_id)
        callers = await start(first, tmp_path / "first", (("flood_hang_up.xml", 5),), hold_ms=(59000, 60000))
        try:
            await until(lambda: queue(first, queue_id), lambda view: view["waiting"] == 5)
            # A second process on the same database, as after kill -9 of the first: it has the stored
            # queue and none of the calls. Its start-up recovery drops them before any is offered.
            before = gone_calls("system_restart")
            async with running_server(
                database_url, with_telephony=True, **hotline_overrides(tmp_path / "second")
            ) as second:
                desk = await second.signed_in("operator1")
                ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
                assert ready.status_code == 200, ready.text
                await until(lambda: queue(second, queue_id), lambda view: view["calls"] == [])
                for _ in range(3):
                    second.clock.advance(30)
                    await second.application.context.contact_center.tick()
                me = (await desk.http.get("/api/v1/operators/me/state")).json()
                assert (me["status"], me["offer"]) == ("ready", None)
                assert gone_calls("system_restart") - before == 5
        finally:
            await finished_now(callers)


def gone_calls(reason: str) -> float:
    return REGISTRY.get_sample_value("c122_acd_gone_calls_total", {"reason": reason}) or 0.0


async def finished_now(processes: list[asyncio.subprocess.Process]) -> None:
    for process in processes:
        if process.returncode is None:
            process.kill()
            await process.wait()
