"""kill -9 of a node behind Kamailio: new calls keep being answered by the other node, and the dead
node's calls end honestly. Kamailio runs the dispatcher configuration of docs/operations.md ("Several
nodes": priority order, OPTIONS probes every second, the next node on 503 or 408) in front of two real
`c122 serve` processes on one PostgreSQL and a Redis of the test's own: node B first by priority,
node A second (started first, so the ACD's leader unless the load makes it step down; either way the
survivor leads). SIPp callers dial the main line through Kamailio; B takes the first call and queues
it. B is killed with SIGKILL: the next SIPp calls through Kamailio are answered by A (the only node
left) and wait in its queue, B's caller leaves the queue and its call record is closed as
`node_lost`."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from c122.domain.users import CONSOLE
from tests.integration.call_flow.conftest import (
    SCENARIOS,
    info_queue_id,
    route_main_line,
    start_sipp_caller,
)
from tests.integration.faults.test_restart import Desk, Hotline, ServerProcess
from tests.integration.sip.conftest import Kamailio, kamailio  # noqa: F401 (the fixture)
from tests.integration.sip.test_dispatcher_failover import DISPATCHER_CFG
from tests.support.peers import installed
from tests.support.polling import until
from tests.support.redis_server import RedisServer
from tests.support.server import running_server

pytestmark = [
    pytest.mark.peers,
    pytest.mark.serial,
    pytest.mark.timeout(240),
]  # two nodes start on a loaded machine

STRAIGHT_TO_QUEUE = "straight_to_queue"


def _through_the_proxy(scenario: str) -> str:
    """A SIPp scenario whose ACK follows the Record-Route Kamailio set (as a phone behind it does)."""
    text = (SCENARIOS / scenario).read_text()
    text = text.replace('<recv response="200" rtd="true"/>', '<recv response="200" rtd="true" rrs="true"/>')
    text = text.replace(
        "ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0", "ACK [next_url] SIP/2.0\n      [routes]"
    )
    assert "[routes]" in text
    return text


async def _call(workdir: Path, proxy_port: int) -> asyncio.subprocess.Process:
    """A caller on the main line through Kamailio, staying until the hotline hangs up."""
    scenario = "caller_until_bye.xml"
    return await start_sipp_caller(_made(workdir), scenario, _through_the_proxy(scenario), proxy_port, 80)


def _made(folder: Path) -> Path:
    folder.mkdir()
    return folder


async def _queue(admin: Desk, queue_id: int) -> dict[str, Any]:
    view: dict[str, Any] = (await admin.http.get(f"/api/v1/queues/{queue_id}")).json()
    return view


def _waiting_besides(call_id: str, count: int) -> Callable[[dict[str, Any]], bool]:
    return lambda view: sum(c["call_id"] != call_id for c in view["calls"]) == count


async def _journal(admin: Desk) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await admin.http.get("/api/v1/calls")).json()["items"]
    return items


async def _dispatcher_flags(control: Path) -> dict[str, str]:
    """The dispatcher's flags by node port (`A…` active, `I…` inactive), as `kamcmd` lists them."""
    listing = await asyncio.create_subprocess_exec(
        installed("kamcmd"), "-s", f"unix:{control}", "dispatcher.list",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    output, _ = await listing.communicate()
    return dict(re.findall(r"URI: sip:127\.0\.0\.1:(\d+)\s+FLAGS: (\w+)", output.decode()))


async def test_a_node_killed_behind_kamailio_leaves_new_calls_to_the_other_and_its_own_end_as_node_lost(
    database_url: str,
    redis_server: RedisServer,
    kamailio: Kamailio,  # noqa: F811
    tmp_path: Path,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several nodes need PostgreSQL (SQLite serves one node)")
    async with running_server(database_url, data_dir=tmp_path / "seeding") as seeding:
        queue_id = await info_queue_id(seeding)
        flow = {
            "name": STRAIGHT_TO_QUEUE,
            "entry": "queue",
            "timezone": "Europe/Moscow",
            "nodes": {"queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0}},
        }
        await seeding.application.context.ivr_flows.create(CONSOLE, flow)
        await route_main_line(seeding, STRAIGHT_TO_QUEUE)
        passwords = dict(seeding.passwords)
    bus = {"C122_EVENT_BUS_URL": redis_server.url}
    a = ServerProcess(database_url, tmp_path / "a", environment=bus)
    b = ServerProcess(database_url, tmp_path / "b", environment=bus)
    callers: list[asyncio.subprocess.Process] = []
    try:
        await a.start()
        await b.start()
        listing = tmp_path / "dispatcher.list"
        listing.write_text(f"1 sip:127.0.0.1:{b.sip_port} 0 10\n1 sip:127.0.0.1:{a.sip_port} 0 5\n")
        control = tmp_path / "kamailio.ctl"
        proxy_port = await kamailio.start_with(DISPATCHER_CFG, list=listing, control=control, interval=1)
        a_port, b_port = str(a.sip_port), str(b.sip_port)
        await until(
            lambda: _dispatcher_flags(control),
            lambda flags: flags.get(b_port, "").startswith("A") and flags.get(a_port, "").startswith("A"),
            timeout=30,
        )
        admin = await Hotline(a, passwords, queue_id).desk("admin")

        callers.append(await _call(tmp_path / "on_b", proxy_port))  # B first by priority
        waiting = await until(lambda: _queue(admin, queue_id), lambda view: view["waiting"] == 1, timeout=30)
        on_b = waiting["calls"][0]["call_id"]

        await b.kill()

        for n in range(2):  # the first may meet B still marked active: 408 after 2 s, then A
            callers.append(await _call(tmp_path / f"after_{n}", proxy_port))
            await until(lambda: _queue(admin, queue_id), _waiting_besides(on_b, n + 1), timeout=30)
        assert all(caller.returncode is None for caller in callers[1:])  # answered, on the line, on A
        await until(
            lambda: _dispatcher_flags(control),
            lambda flags: flags.get(b_port, "").startswith("I"),
            timeout=15,
        )
        calls = await until(
            lambda: _journal(admin),
            lambda items: any(c["id"] == on_b and c["status"] != "active" for c in items),
            timeout=30,
        )
        ended = {c["id"]: (c["status"], c["end_cause"]) for c in calls}
        assert ended[on_b] == ("failed", "node_lost")  # the dead node's call, ended by the survivor
        on_a = {c["call_id"] for c in (await _queue(admin, queue_id))["calls"]}
        assert on_b not in on_a
        assert len(on_a) == 2
        assert all(ended[call][0] == "active" for call in on_a)
    finally:
        for caller in callers:
            if caller.returncode is None:
                caller.kill()
                await caller.wait()
        await b.stop()
        await a.stop()
