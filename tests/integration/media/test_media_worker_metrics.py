"""What a media worker shows an operator of the service: pinned to its CPU (kept across a restart),
and its own figures on /metrics (legs, packets, the kernel's drops on its sockets, its media clock's
lateness, CPU time), read from real worker processes and the kernel's socket table."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from tests.support.server import running_server

from c122.telephony.media.messages import EndpointOpened, OpenEndpoint, SetBridge
from c122.telephony.media.metrics import MediaWorkersCollector, socket_drops
from c122.telephony.media.workers.pool import MediaWorkers

CPUS = sorted(os.sched_getaffinity(0))


@pytest.fixture
async def pinned() -> AsyncIterator[MediaWorkers]:
    base = random.randrange(30000, 44000, 2)
    pool = MediaWorkers(
        count=2,
        bind_host="127.0.0.1",
        public_address="",
        port_min=base,
        port_max=base + 39,
        cpus=(CPUS[-1], CPUS[0]),
    )
    await pool.start()
    try:
        yield pool
    finally:
        await pool.stop()


def _metrics(pool: MediaWorkers) -> str:
    registry = CollectorRegistry()
    registry.register(MediaWorkersCollector(pool))
    return generate_latest(registry).decode()


async def _figures_with(pool: MediaWorkers, index: int, packets: int) -> None:
    """Until worker `index` has sent figures counting `packets` received (they come every 5 s)."""
    async with asyncio.timeout(20):
        while (figures := pool.workers[index].figures) is None or figures.packets_received < packets:  # noqa: ASYNC110  # figures come unasked, no event
            await asyncio.sleep(0.2)


async def test_each_worker_runs_on_its_own_cpu_and_keeps_it_when_started_again(pinned):
    assert os.sched_getaffinity(pinned.workers[0].pid) == {CPUS[-1]}
    assert os.sched_getaffinity(pinned.workers[1].pid) == {CPUS[0]}
    os.kill(pinned.workers[0].pid, signal.SIGKILL)
    async with asyncio.timeout(15):
        await pinned.wait_restarts(1)
    assert os.sched_getaffinity(pinned.workers[0].pid) == {CPUS[-1]}


async def test_metrics_show_each_workers_legs_packets_and_clock_and_a_dead_one_as_down(pinned, peer):
    caller, operator = await peer(), await peer()
    for name, side in (("caller", caller), ("operator", operator)):
        opened = await pinned.execute(OpenEndpoint(name, remote=("127.0.0.1", side.port)))
        assert isinstance(opened, EndpointOpened)
        side.target = ("127.0.0.1", opened.port)
    await pinned.execute(
        SetBridge("b", ("caller", "operator"), (("caller", "operator"), ("operator", "caller")))
    )
    holder = next(w.index for w in pinned.workers if pinned.legs_of(w))
    for sequence in range(30):
        caller.send(0, b"\xff" * 160, sequence=sequence)
        await asyncio.sleep(0.005)
    await operator.wait_packets(30)
    await _figures_with(pinned, holder, 30)
    text = _metrics(pinned)
    assert f'c122_media_worker_legs{{worker="{holder}"}} 2.0' in text
    assert f'c122_media_worker_legs{{worker="{1 - holder}"}} 0.0' in text
    assert f'c122_media_worker_rtp_packets_received{{worker="{holder}"}} 30.0' in text
    assert f'c122_media_worker_rtp_packets_sent{{worker="{holder}"}} 30.0' in text
    assert f'c122_media_worker_socket_drops{{worker="{holder}"}} 0.0' in text
    assert f'c122_media_worker_tick_lateness_ms_max{{worker="{holder}"}}' in text
    assert f'c122_media_worker_cpu_seconds{{worker="{holder}"}}' in text
    assert f'c122_media_worker_up{{worker="{holder}"}} 1.0' in text
    os.kill(pinned.workers[holder].pid, signal.SIGKILL)
    async with asyncio.timeout(10):
        while holder in pinned.running():  # noqa: ASYNC110  # the pool offers no event for a death
            await asyncio.sleep(0.05)
    assert f'c122_media_worker_up{{worker="{holder}"}} 0.0' in _metrics(pinned)
    async with asyncio.timeout(15):
        await pinned.wait_restarts(1)
    text = _metrics(pinned)
    assert f'c122_media_worker_up{{worker="{holder}"}} 1.0' in text
    assert "c122_media_worker_restarts 1.0" in text


def test_socket_drops_are_what_the_kernel_dropped_on_a_full_receive_queue():
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as full,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender,
    ):
        full.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        full.bind(("127.0.0.1", 0))
        port = full.getsockname()[1]
        assert socket_drops([port]) == {port: 0}
        for _ in range(200):  # never read: the queue fills and the kernel drops the rest
            sender.sendto(b"\xff" * 172, ("127.0.0.1", port))
        assert socket_drops([port])[port] > 100
        assert socket_drops([port - 1])[port - 1] > 100  # the RTCP port after an RTP port counts too
        assert port + 2 not in socket_drops([port + 2])


async def test_the_services_metrics_endpoint_shows_its_pinned_workers(database_url: str) -> None:
    base = random.randrange(30000, 44000, 2)
    overrides = {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": base,
        "rtp_port_max": base + 39,
        "media_workers": 1,
        "media_worker_cpus": str(CPUS[-1]),
    }
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        media = server.application.telephony.media  # type: ignore[union-attr]
        assert os.sched_getaffinity(media.workers[0].pid) == {CPUS[-1]}
        async with server.client() as client:
            text = (await client.get("/metrics")).text
    assert 'c122_media_worker_up{worker="0"} 1.0' in text
    assert 'c122_media_worker_legs{worker="0"} 0.0' in text
    assert 'c122_media_worker_socket_drops{worker="0"} 0.0' in text
    assert "c122_media_worker_restarts 0.0" in text
