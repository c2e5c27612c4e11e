"""The media hop between nodes: a call held on node B reaches an operator whose desk (event socket and
browser audio leg) is on node A. Two servers in this process on one PostgreSQL and a Redis of the
test's own, each with its own SIP and media; SIPp calls B's main line with a 440 Hz tone, the
operator's browser (aiortc, 1.5 kHz) is on A. When the leader offers the call, B places a signed SIP
leg to A, which bridges it to the browser leg: the operator hears the caller's tone, B's recording of
the call has the operator's tone on the operator's side (what B sends the caller), a hang-up on A's
desk ends the caller's call on B, and A's end of the hop goes with it. An INVITE for a desk without
the nodes' signature is refused with 403."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from c122.domain.users import CONSOLE
from c122.telephony.control import ChannelState
from c122.telephony.media.analysis import dominant_frequency
from c122.telephony.node_hop import HOP_USER_PREFIX
from tests.integration.call_flow.conftest import (
    SCENARIOS,
    HotlineCaller,
    ended_calls,
    hotline_overrides,
    info_queue_id,
    route_main_line,
    sip_port,
    start_sipp_caller,
)
from tests.integration.call_flow.test_consultation import user_id
from tests.integration.call_flow.test_inbound_call import stereo
from tests.integration.call_flow.test_recorded_consultation import segment_audio
from tests.integration.faults.test_restart import ServerProcess
from tests.integration.webrtc.conftest import Browser
from tests.support.polling import reading, until
from tests.support.redis_server import RedisServer
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.peers, pytest.mark.serial]  # frequencies over time ranges: timing-sensitive

SECRET = "nodes-share-this-secret"
CALLER_TONE, OPERATOR_TONE = 440, 1500


def _node(tmp_path: Path, name: str, rtp_min: int, secret: str) -> dict[str, Any]:
    overrides = hotline_overrides(tmp_path / name)
    overrides.update(rtp_port_min=rtp_min, rtp_port_max=rtp_min + 99, node_hop_secret=secret)
    return overrides


@contextlib.asynccontextmanager
async def two_nodes(
    database_url: str, bus_url: str, tmp_path: Path, secret: str = SECRET
) -> AsyncIterator[tuple[RunningServer, RunningServer]]:
    """A (seeded, routes the main line straight to the information queue) and then B."""
    async with running_server(
        database_url, with_telephony=True, event_bus_url=bus_url, **_node(tmp_path, "a", 30000, secret)
    ) as a:
        await _straight_to_queue(a)
        async with running_server(
            database_url,
            with_telephony=True,
            event_bus_url=bus_url,
            seed=False,
            **_node(tmp_path, "b", 30200, secret),
        ) as b:
            b.passwords.update(a.passwords)
            nodes = (a, b)
            await until(reading(lambda: [n for n in nodes if _leads(n)]), lambda led: len(led) == 1, 15)
            for node in nodes:
                if not _leads(node):
                    await node.application.contact_center.refresh()
            yield a, b


async def _straight_to_queue(node: RunningServer) -> None:
    """The main line queues its callers for the information queue at once."""
    flow = {
        "name": "straight_to_queue",
        "entry": "queue",
        "timezone": "Europe/Moscow",
        "nodes": {"queue": {"type": "enqueue", "queue": str(await info_queue_id(node)), "priority": 0}},
    }
    await node.application.context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(node, "straight_to_queue")


def _leads(node: RunningServer) -> bool:
    relay = node.application.relay
    return relay is not None and relay.leading


def _hops(node: RunningServer) -> list[Any]:
    """The hop channels this node's call control holds (either end)."""
    telephony = node.application.telephony
    assert telephony is not None
    return [c for c in telephony.control.channels if HOP_USER_PREFIX in c.called]


@pytest.fixture
def postgres_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("several nodes need PostgreSQL (SQLite serves one node)")
    return database_url


async def test_a_call_on_node_b_is_heard_at_a_desk_on_node_a_and_hung_up_from_there(
    postgres_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(postgres_url, redis_server.url, tmp_path) as (a, b):
        desk = await a.signed_in("operator1")
        operator = await user_id(a, "operator1")
        async with desk.events() as stream:
            browser = Browser(stream, float(OPERATOR_TONE))
            sipp = None
            try:
                await browser.connect()  # the operator's browser leg: on node A
                await until(  # B reads in A's heartbeat that A holds it
                    lambda: _desk_seen_from(b, operator), bool, timeout=10
                )
                ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
                assert ready.status_code == 200, ready.text

                (tmp_path / "sipp").mkdir()
                text = (SCENARIOS / "caller_until_bye.xml").read_text()
                sipp = await start_sipp_caller(tmp_path / "sipp", "caller_until_bye.xml", text, sip_port(b))

                offered = await stream.next_event("call.offered", timeout=20)
                call_id = offered["data"]["offer"]["call_id"]
                assert b.application.context.call_flow is not None
                assert call_id in b.application.context.call_flow.live_call_ids()  # the call is B's
                # B places the hop at the offer; A answers it and bridges it to the browser leg.
                await until(reading(lambda: [(c.direction, c.state) for c in _hops(b)]),
                            lambda hops: hops == [("outbound", ChannelState.UP)], timeout=10)  # fmt: skip
                assert [(c.direction, c.state) for c in _hops(a)] == [("inbound", ChannelState.UP)]

                accepted = await desk.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
                assert accepted.status_code == 200, accepted.text
                await stream.next_event("call.connected", timeout=10)
                await browser.wait_heard(0.5)  # past the bridge's change
                heard_from = len(browser.audio())
                await browser.wait_heard(1.5)
                caller_heard = browser.audio()[heard_from:]
                assert abs(dominant_frequency(caller_heard) - CALLER_TONE) < 15  # B's caller, on A's desk

                # Hold and unhold from A's desk are carried out by B's call flow; B tells the desk.
                for action, held in (("hold", True), ("unhold", False)):
                    answer = await desk.write("POST", f"/api/v1/operators/me/call/{action}")
                    assert answer.status_code == 204, answer.text
                    changed = (await stream.next_event("call.hold_changed", timeout=10))["data"]
                    assert (changed["call_id"], changed["held"]) == (call_id, held)
                # What B's call flow cannot do for a desk on another node is refused, and the call stays.
                colleague = await user_id(a, "operator2")
                for action in ("transfer", "consult"):
                    refused = await desk.write(
                        "POST", f"/api/v1/operators/me/call/{action}", json={"user_id": colleague}
                    )
                    assert (refused.status_code, refused.json()["code"]) == (409, "call_on_another_node")
                await browser.wait_heard(1.0)
                again = browser.audio()[-8000:]
                assert abs(dominant_frequency(again) - CALLER_TONE) < 15  # talking again after the hold

                hung_up = await desk.write("POST", "/api/v1/operators/me/call/hang-up")
                assert hung_up.status_code == 204, hung_up.text
                ended = (await stream.next_event("call.ended", timeout=10))["data"]
                assert (ended["call_id"], ended["cause"]) == (call_id, "operator_hang_up")
                output, _ = await asyncio.wait_for(sipp.communicate(), 30)
                assert sipp.returncode == 0, output.decode(errors="replace")[-3000:]  # the caller got BYE
                await until(reading(lambda: _hops(a) + _hops(b)), lambda hops: not hops, timeout=10)
                telephony = a.application.telephony
                assert telephony is not None
                assert telephony.operator_legs.channel_for(operator) is not None  # the desk's leg stays
            finally:
                if sipp is not None and sipp.returncode is None:
                    sipp.kill()
                    await sipp.wait()
                await browser.close_peer()

        # Recorded on the call's node: the caller left, the operator (through the hop) right.
        (record,) = await ended_calls(b)
        assert (record["status"], record["operator_id"], record["end_cause"]) == (
            "answered",
            operator,
            "operator_hang_up",
        )
        admin = await b.signed_in("admin")
        audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
        assert audio.status_code == 200, audio.text
        left, right = stereo(audio.content)
        segment_left, segment_right = segment_audio(record["recording_segments"][0], left, right)
        assert abs(dominant_frequency(segment_left) - CALLER_TONE) < 15
        assert abs(dominant_frequency(segment_right) - OPERATOR_TONE) < 15  # what B sends the caller
        assert np.abs(segment_right).mean() > 100


async def _desk_seen_from(node: RunningServer, operator: int) -> bool:
    relay = node.application.relay
    return relay is not None and await relay.desk_at(operator) is not None


async def test_the_caller_hanging_up_on_b_ends_both_ends_of_the_hop_and_an_unsigned_hop_gets_403(
    postgres_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(postgres_url, redis_server.url, tmp_path) as (a, b):
        desk = await a.signed_in("operator1")
        operator = await user_id(a, "operator1")

        # Anyone but a node signing with the shared secret: refused before any media is opened.
        unsigned = await _expect_final(a, f"{HOP_USER_PREFIX}{operator}", 403, tmp_path)
        assert unsigned == 0
        assert not _hops(a)

        async with desk.events() as stream:
            browser = Browser(stream, float(OPERATOR_TONE))
            caller = HotlineCaller(tmp_path / "caller")
            caller.workdir.mkdir()
            try:
                await browser.connect()
                await until(lambda: _desk_seen_from(b, operator), bool, timeout=10)
                ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
                assert ready.status_code == 200, ready.text
                # The caller hangs up 2.5 + 0.6 + 8 s after the hotline answers.
                await caller.call(b, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=8000)
                offered = await stream.next_event("call.offered", timeout=20)
                call_id = offered["data"]["offer"]["call_id"]
                accepted = await desk.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
                assert accepted.status_code == 200, accepted.text
                await stream.next_event("call.connected", timeout=10)
                ended = (await stream.next_event("call.ended", timeout=20))["data"]
                assert (ended["call_id"], ended["cause"]) == (call_id, "caller_hang_up")
                await until(reading(lambda: _hops(a) + _hops(b)), lambda hops: not hops, timeout=10)
                code, output = await caller.finish()
                assert code == 0, output[-3000:]
            finally:
                if caller.process is not None and caller.process.returncode is None:
                    caller.process.kill()
                    await caller.process.wait()
                await browser.close_peer()


async def _expect_final(node: RunningServer, dialled: str, status: int, workdir: Path) -> int:
    """SIPp sends one INVITE for `dialled` to the node and expects `status`; SIPp's exit code."""
    sipp = shutil.which("sipp")
    assert sipp is not None
    scenario = workdir / f"expect_{status}.xml"
    scenario.write_text((SCENARIOS / "uac_expect_final.xml").read_text().replace("STATUS", str(status)))
    process = await asyncio.create_subprocess_exec(
        sipp, f"127.0.0.1:{sip_port(node)}", "-sf", str(scenario), "-s", dialled, "-m", "1",
        "-i", "127.0.0.1", "-p", "0", "-timeout", "15", "-timeout_error", "-nostdin", "-trace_err",
        cwd=workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    return await asyncio.wait_for(process.wait(), 30)


async def test_when_the_calls_node_is_killed_the_desks_end_of_the_hop_ends_and_the_call_is_closed(
    postgres_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    """B is a real `c122 serve` killed with SIGKILL mid-conversation: no BYE reaches A, whose end of the
    hop goes once B's heartbeat is gone; the operator's browser leg stays, the call is closed
    `node_lost` by the leader (A)."""
    overrides = _node(tmp_path, "a", 30000, SECRET)
    async with running_server(
        postgres_url, with_telephony=True, event_bus_url=redis_server.url, **overrides
    ) as a:
        await _straight_to_queue(a)
        await until(reading(lambda: _leads(a)), bool, timeout=15)  # A started first: it leads
        b = ServerProcess(
            postgres_url,
            tmp_path / "b",
            environment={"C122_EVENT_BUS_URL": redis_server.url, "C122_NODE_HOP_SECRET": SECRET},
        )
        # B runs on the real clock and sweeps idle sessions in the shared database: A's clock is set to
        # now, so that the desk's session is not expired by B's sweep.
        a.clock.advance((datetime.now(UTC) - a.clock.now()).total_seconds())
        desk = await a.signed_in("operator1")
        operator = await user_id(a, "operator1")
        sipp = None
        try:
            await b.start()  # before the desk's stream opens: a slow start would time its heartbeat out
            async with desk.events() as stream:
                browser = Browser(stream, float(OPERATOR_TONE))
                try:
                    await browser.connect()
                    ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
                    assert ready.status_code == 200, ready.text
                    (tmp_path / "sipp").mkdir()
                    text = (SCENARIOS / "caller_until_bye.xml").read_text()
                    sipp = await start_sipp_caller(
                        tmp_path / "sipp", "caller_until_bye.xml", text, b.sip_port
                    )
                    offered = await stream.next_event("call.offered", timeout=30)
                    call_id = offered["data"]["offer"]["call_id"]
                    accepted = await desk.write("POST", f"/api/v1/operators/me/offers/{call_id}/accept")
                    assert accepted.status_code == 200, accepted.text
                    await stream.next_event("call.connected", timeout=10)
                    await browser.wait_heard(1.0)
                    assert [c.state for c in _hops(a)] == [ChannelState.UP]

                    await b.kill()  # SIGKILL: no BYE reaches A

                    await until(reading(lambda: _hops(a)), lambda hops: not hops, timeout=20)
                    telephony = a.application.telephony
                    assert telephony is not None
                    assert telephony.operator_legs.channel_for(operator) is not None
                finally:
                    await browser.close_peer()
            admin = await a.signed_in("admin")

            async def journal() -> list[dict[str, Any]]:
                items: list[dict[str, Any]] = (await admin.http.get("/api/v1/calls")).json()["items"]
                return items

            calls = await until(journal, lambda items: items and items[0]["status"] != "active", 20)
            assert [(c["id"], c["end_cause"]) for c in calls] == [(call_id, "node_lost")]
        finally:
            if sipp is not None and sipp.returncode is None:
                sipp.kill()
                await sipp.wait()
            await b.stop()
