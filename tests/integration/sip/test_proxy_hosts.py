"""A SIP proxy in front of the node (Kamailio's dispatcher) sends every caller from its one address:
with `sip_proxy_hosts` it is never rate-limited as one source, also after the trunks are applied
again (the trunks screen, the refresh once a minute), while any other address still is."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tests.integration.call_flow.conftest import hotline_overrides, sip_port
from tests.support.server import RunningServer, running_server

from c122.telephony.sip.protection import ProtectionSettings

pytestmark = pytest.mark.peers

PROXY = "127.0.0.1"
OTHER = "127.0.0.2"
# Past the per-source limit in one window: a source that is not exempt is blocked before the end.
REQUESTS = ProtectionSettings().max_requests_per_source + 100


@pytest.fixture
async def node_behind_proxy(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    overrides = {**hotline_overrides(tmp_path), "sip_proxy_hosts": PROXY}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        yield server


def _options(port: int, tag: str, n: int) -> bytes:
    return (
        f"OPTIONS sip:122@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {tag}:{port};branch=z9hG4bKpx{tag}{n}\r\n"
        f"From: <sip:probe@{tag}>;tag=p{n}\r\nTo: <sip:122@127.0.0.1>\r\nCall-ID: probe-{tag}-{n}\r\n"
        "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
    ).encode()


async def answered(source: str, target: int) -> int:
    """Sends REQUESTS OPTIONS from `source` in a few batches; how many got an answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((source, 0))
    sock.setblocking(False)
    port = sock.getsockname()[1]
    loop = asyncio.get_running_loop()
    answers = 0

    def read_waiting() -> None:  # as they come: a full receive queue would drop answers here
        nonlocal answers
        while True:
            try:
                answers += sock.recv(65535).startswith(b"SIP/2.0 ")
            except BlockingIOError:
                return

    try:
        for start in range(0, REQUESTS, 25):
            for n in range(start, min(start + 25, REQUESTS)):
                sock.sendto(_options(port, source, n), ("127.0.0.1", target))
            await asyncio.sleep(0.02)
            read_waiting()
        deadline = loop.time() + 3
        while loop.time() < deadline and answers < REQUESTS:
            await asyncio.sleep(0.02)
            read_waiting()
    finally:
        sock.close()
    return answers


async def test_the_proxy_in_front_is_never_rate_limited_and_others_are(node_behind_proxy: RunningServer):
    telephony = node_behind_proxy.application.telephony
    assert telephony is not None
    port = sip_port(node_behind_proxy)

    assert await answered(PROXY, port) == REQUESTS
    telephony.apply_trunks([])  # as the trunks' refresh does: the carriers' addresses set anew
    assert await answered(PROXY, port) == REQUESTS

    # Another address sending as much is blocked once past the limit: the exemption is the proxy's.
    assert await answered(OTHER, port) <= ProtectionSettings().max_requests_per_source
