"""What a caller lives through when the hotline's process is killed (kill -9) and started again on
the same data: how long until the restarted process answers SIP, until the caller cut off gets its
BYE, and until a new call is answered again.

    .venv/bin/python bench/restart_gap.py [--trials 5] [--database-url URL]
        → bench/results/restart_gap.json

A restart ends the calls it cannot resume (docs/operations.md, "What survives a restart"): the cut-off
caller hears silence from the kill until the BYE, and nothing after. These figures are also the floor
of the audio gap a call re-attached after a restart would have (the process must be up and listening
before a re-bound socket can relay again).

The hotline is a real `c122 serve` process (SQLite in a temporary folder by default) whose main line
goes straight to a queue with nobody ready; the caller is this script's own SIP stack on loopback,
which answers the hotline's BYE and timestamps it. Each trial: a call waits in the queue, the server
is killed with SIGKILL, started again; the clock runs from the kill.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import secrets
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result

from c122.bootstrap import build_application
from c122.config import load_settings
from c122.demo import seed_demo
from c122.domain.organisation import EntityKind
from c122.domain.users import CONSOLE
from c122.persistence import migrate
from c122.telephony.sip import CallEnded, SipStack
from c122.telephony.sip import sdp as sip_sdp

MAIN_LINE = "+78001220122"
FLOW = "restart_bench"
QUEUE = "Справочная информация"


def free_port() -> int:
    """A port free for UDP and TCP (SIP binds both)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


async def seed(database_url: str, data_dir: Path) -> str:
    """The demo organisation; the main line goes straight to the information queue. Returns the
    administrator's password."""
    await migrate.upgrade_async(database_url)
    settings = load_settings(environ={}, overrides={"database_url": database_url, "data_dir": data_dir})
    application = build_application(settings)
    context = application.context
    accounts = await seed_demo(context.organisation, application.uow_factory)
    queues = await context.organisation.search(CONSOLE, EntityKind.QUEUE, QUEUE, 10, 0)
    queue_id = next(q.id for q in queues.items if q.name == QUEUE)
    flow = {"name": FLOW, "entry": "queue", "timezone": "Europe/Moscow",
            "nodes": {"queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0}}}  # fmt: skip
    await context.ivr_flows.create(CONSOLE, flow)
    lines = await context.organisation.search(CONSOLE, EntityKind.LINE, MAIN_LINE, 10, 0)
    line = next(item for item in lines.items if item.number == MAIN_LINE)
    await context.organisation.update(CONSOLE, EntityKind.LINE, line.id, {"entry_flow": FLOW})
    await application.uow_factory.dispose()
    return next(a.password for a in accounts if a.login == "admin")


class Server:
    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.http_port = free_port()
        self.sip_port = free_port()
        rtp_min = 30000 + secrets.randbelow(200) * 10
        self.environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("C122_")},
            "C122_DATABASE_URL": database_url, "C122_DATA_DIR": str(data_dir),
            "C122_HTTP_PORT": str(self.http_port), "C122_SIP_PORT": str(self.sip_port),
            "C122_SIP_WS_PORT": str(free_port()), "C122_RTP_PORT_MIN": str(rtp_min),
            "C122_RTP_PORT_MAX": str(rtp_min + 99), "C122_QUEUE_ANNOUNCE_SECONDS": "600",
        }  # fmt: skip
        self.log = data_dir / "serve.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "c122.cli", "serve", env=self.environment,
                stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


async def sip_answers(port: int, deadline: float) -> float:
    """Sends OPTIONS every 10 ms until the hotline answers; returns when it did (monotonic)."""
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        local = sock.getsockname()[1]
        while time.monotonic() < deadline:
            branch = "z9hG4bK" + secrets.token_hex(8)
            options = (
                f"OPTIONS sip:hotline@127.0.0.1:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch={branch}\r\n"
                f"From: <sip:probe@127.0.0.1>;tag={branch[-6:]}\r\nTo: <sip:hotline@127.0.0.1>\r\n"
                f"Call-ID: {branch}@bench\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            )
            sock.sendto(options.encode(), ("127.0.0.1", port))
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 4096), 0.01)
            except (TimeoutError, ConnectionRefusedError):
                continue
            if data.startswith(b"SIP/2.0 200"):
                return time.monotonic()
    raise TimeoutError("the restarted hotline never answered OPTIONS")


async def waiting_calls(base_url: str, password: str) -> int:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
        await client.post("/api/v1/auth/login", json={"login": "admin", "password": password})
        queues = (await client.get("/api/v1/queues")).json()["items"]
        return sum(int(q["waiting"]) for q in queues)


async def call(stack: SipStack, server: Server) -> Any:
    offer = sip_sdp.make_offer("127.0.0.1", 40000 + secrets.randbelow(5000) * 2)
    placed = await stack.invite(
        f"sip:88001220122@127.0.0.1:{server.sip_port}", from_uri="sip:79161234567@127.0.0.1", sdp=offer
    )
    await placed.answered(timeout=20)
    return placed


async def trial(stack: SipStack, server: Server, password: str) -> dict[str, float]:
    base_url = f"http://127.0.0.1:{server.http_port}"
    cut_off = await call(stack, server)
    for _ in range(200):  # the caller reaches the queue within a few seconds
        if await waiting_calls(base_url, password) >= 1:
            break
        await asyncio.sleep(0.05)
    else:
        raise TimeoutError("the caller never reached the queue")
    ended = asyncio.get_running_loop().create_future()

    async def follow() -> None:
        async for event in cut_off.events():
            if isinstance(event, CallEnded) and not ended.done():
                ended.set_result((time.monotonic(), event.reason))

    follower = asyncio.create_task(follow())
    killed = time.monotonic()
    await server.kill()
    await server.start()
    listening = await sip_answers(server.sip_port, killed + 60)
    bye_at, reason = await asyncio.wait_for(ended, 60)
    assert reason == "remote-bye", reason
    follower.cancel()
    answered_call = await call(stack, server)
    answered = time.monotonic()
    await answered_call.hangup()
    return {
        "sip_answers_ms": (listening - killed) * 1000,
        "bye_received_ms": (bye_at - killed) * 1000,
        "new_call_answered_ms": (answered - killed) * 1000,
    }


async def import_cost() -> dict[str, float]:
    """Wall and CPU time of importing what `serve` imports in a fresh interpreter: a restart's floor."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", "import c122.bootstrap, c122.cli")
    await process.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(time.monotonic() - started, 3), "cpu_s": round(cpu, 3)}


async def main(arguments: argparse.Namespace) -> None:
    load_before = os.getloadavg()[0]
    imports = await import_cost()
    with tempfile.TemporaryDirectory(prefix="c122-restart-") as folder:
        data_dir = Path(folder)
        database_url = arguments.database_url or f"sqlite+aiosqlite:///{data_dir / 'c122.db'}"
        password = await seed(database_url, data_dir)
        server = Server(database_url, data_dir)
        stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, protection=None)
        await stack.start()
        await server.start()
        await sip_answers(server.sip_port, time.monotonic() + 60)
        results: list[dict[str, float]] = []
        try:
            for number in range(arguments.trials):
                results.append(await trial(stack, server, password))
                print(f"trial {number + 1}: " + ", ".join(f"{k} {v:.0f}" for k, v in results[-1].items()))
        finally:
            await stack.stop()
            await server.stop()
    write_result(
        "restart_gap",
        {
            "database": "postgresql" if arguments.database_url else "sqlite",
            "trials": arguments.trials,
            "what": "from SIGKILL of `c122 serve` with one caller waiting in a queue: the restarted process "
            "answers SIP OPTIONS, the cut-off caller receives BYE, a new call is answered",
            "load_average_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
            "import_of_serve": imports,
            **{name: percentiles([r[name] for r in results]) for name in results[0]},
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--database-url", default="")
    uvloop.run(main(parser.parse_args()))
