"""kill -9 of a node that carries a call: the surviving leader ends it. Node A (the leader, in this
process) and node B (a real `c122 serve`, killed with SIGKILL) share PostgreSQL and a Redis of the
test's own; SIPp calls B's main line, which queues the call straight away (decided by A). Once B's
heartbeat has expired, A takes the call out of the queue, closes its record as `node_lost`, and
the queue's watchers see it empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from c122.domain.users import CONSOLE
from tests.integration.call_flow.conftest import SCENARIOS, info_queue_id, route_main_line, start_sipp_caller
from tests.integration.faults.test_restart import ServerProcess
from tests.support.polling import until
from tests.support.redis_server import RedisServer
from tests.support.server import Desk, running_server

pytestmark = [pytest.mark.peers, pytest.mark.serial]


async def _queue(admin: Desk, queue_id: int) -> dict[str, Any]:
    view: dict[str, Any] = (await admin.http.get(f"/api/v1/queues/{queue_id}")).json()
    return view


async def _journal(admin: Desk) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await admin.http.get("/api/v1/calls")).json()["items"]
    return items


async def test_the_calls_of_a_killed_node_are_ended_by_the_surviving_leader(
    database_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several nodes need PostgreSQL (SQLite serves one node)")
    async with running_server(database_url, event_bus_url=redis_server.url, data_dir=tmp_path / "a") as a:
        queue_id = await info_queue_id(a)
        flow = {
            "name": "straight_to_queue",
            "entry": "queue",
            "timezone": "Europe/Moscow",
            "nodes": {"queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0}},
        }
        await a.application.context.ivr_flows.create(CONSOLE, flow)
        await route_main_line(a, "straight_to_queue")
        relay = a.application.relay
        assert relay is not None
        await until(lambda: _leads(relay), bool, timeout=15)  # A started first: it leads

        b = ServerProcess(database_url, tmp_path / "b", environment={"C122_EVENT_BUS_URL": redis_server.url})
        sipp = None
        try:
            await b.start()
            admin = await a.signed_in("admin")
            text = (SCENARIOS / "caller_until_bye.xml").read_text()
            (tmp_path / "sipp").mkdir()
            sipp = await start_sipp_caller(tmp_path / "sipp", "caller_until_bye.xml", text, b.sip_port, 80)
            waiting = await until(
                lambda: _queue(admin, queue_id), lambda view: view["waiting"] == 1, timeout=30
            )
            call_id = waiting["calls"][0]["call_id"]
            assert relay.carried_elsewhere(call_id)  # B's heartbeat (or its forwarded command) names it
            active = await _journal(admin)
            assert [(c["id"], c["status"]) for c in active] == [(call_id, "active")]

            await b.kill()

            await until(lambda: _queue(admin, queue_id), lambda view: view["waiting"] == 0, timeout=15)
            assert not a.application.contact_center.holds_call(call_id)
            calls = await until(
                lambda: _journal(admin), lambda items: items[0]["status"] != "active", timeout=15
            )
            assert [(c["id"], c["status"], c["end_cause"]) for c in calls] == [
                (call_id, "failed", "node_lost")
            ]
        finally:
            if sipp is not None and sipp.returncode is None:
                sipp.kill()
                await sipp.wait()
            await b.stop()


async def _leads(relay: Any) -> bool:
    return bool(relay.leading)
