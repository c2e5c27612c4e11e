"""Faults driven against the real server: a TCP proxy between the server and PostgreSQL that cuts or
partitions the link, a locked SQLite file, and callers from SIPp who only listen."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvloop
from sqlalchemy.engine import make_url

from c122.domain.users import CONSOLE
from c122.telephony.media.codecs import PCMU
from tests.integration.call_flow.conftest import SCENARIOS, sip_port
from tests.integration.sip.conftest import make_stack, sipp  # noqa: F401 - fixtures of the SIP floods
from tests.support.peers import free_udp_port, installed
from tests.support.server import RunningServer
from tests.support.tcp_proxy import TcpProxy


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], object]]:
    return {"uvloop": uvloop.new_event_loop}


# Short bounds keep the tests short; what they prove is that there is a bound, not its size.
QUICK_TIMEOUTS = {
    "database_pool_timeout_seconds": 2.0,
    "database_connect_timeout_seconds": 2.0,
    "database_statement_timeout_seconds": 2.0,
}


@pytest.fixture
async def db_proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


def through(database_url: str, proxy: TcpProxy) -> str:
    """The same database, reached through the proxy."""
    return make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


async def greeting_then_queue(server: RunningServer, queue_id: int) -> None:
    """The main line greets the caller, then puts them in the queue (which needs the database)."""
    context = server.application.context
    await context.prompts.synthesise(CONSOLE, "test_greeting", "Приветствие", "Здравствуйте.")
    flow = {
        "name": "test_greet",
        "entry": "greet",
        "timezone": "Europe/Moscow",
        "nodes": {
            "greet": {"type": "play", "prompt": "test_greeting", "next": "queue"},
            "queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    admin = await server.signed_in("admin")
    lines = (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    main = next(line for line in lines if line["number"] == "+78001220122")
    response = await admin.write(
        "PATCH", f"/api/v1/admin/lines/{main['id']}", json={"entry_flow": "test_greet"}
    )
    assert response.status_code == 200, response.text
    call_flow = context.call_flow
    assert call_flow is not None
    await call_flow.warm()  # what a line change starts in the background, awaited here


@dataclass
class RtpEar:
    """A UDP socket that takes the RTP the hotline plays to a caller, as PCMU bytes in order."""

    sock: socket.socket = field(default_factory=lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
    packets: list[bytes] = field(default_factory=list)  # in arrival order: loopback does not reorder

    def __post_init__(self) -> None:
        self.sock.bind(("127.0.0.1", free_udp_port_even()))
        self.sock.setblocking(False)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    async def listen(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            datagram = await loop.sock_recv(self.sock, 2048)
            if len(datagram) > 12 and datagram[1] & 0x7F == PCMU.payload_type:
                self.packets.append(datagram[12:])

    def heard(self) -> bytes:
        return b"".join(self.packets)


def free_udp_port_even() -> int:
    while (port := free_udp_port()) % 2:
        pass
    return port


@dataclass
class ListeningCaller:
    """SIPp dials the main line and stays until the hotline hangs up; `ear` gets the audio."""

    workdir: Path
    ear: RtpEar = field(default_factory=RtpEar)

    async def call(self, server: RunningServer) -> tuple[int, str]:
        text = (SCENARIOS / "caller_listens.xml").read_text().replace("MEDIA_PORT", str(self.ear.port))
        (self.workdir / "caller_listens.xml").write_text(text)
        listening = asyncio.create_task(self.ear.listen())
        process = await asyncio.create_subprocess_exec(
            installed("sipp"), "-sf", str(self.workdir / "caller_listens.xml"),
            f"127.0.0.1:{sip_port(server)}", "-s", "88001220122", "-m", "1", "-i", "127.0.0.1",
            "-p", str(free_udp_port()), "-mp", str(random.randrange(50000, 59000, 4)), "-nostdin",
            "-timeout", "50", "-timeout_error", "-trace_err",
            cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            output, _ = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
            self.ear.sock.close()
        return int(process.returncode or 0), output.decode(errors="replace")


@pytest.fixture
def listening_caller(tmp_path: Path) -> ListeningCaller:
    folder = tmp_path / "caller"
    folder.mkdir(exist_ok=True)
    return ListeningCaller(folder)


async def journal(server: RunningServer, **filters: str) -> list[dict[str, Any]]:
    admin = await server.signed_in("admin")
    items: list[dict[str, Any]] = (await admin.http.get("/api/v1/calls", params=filters)).json()["items"]
    return items
