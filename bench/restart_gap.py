"""What a caller lives through when the hotline's process is killed (kill -9) and started again on
the same data.

    .venv/bin/python bench/restart_gap.py [--trials 5] [--database-url URL]
        → bench/results/restart_gap.json

Two kinds of trial (docs/operations.md, "What survives a restart"), each timed from the SIGKILL:

- *a caller talking to an operator's SIP phone* is taken over by the restarted process: the audio gap
  as heard at the caller and at the phone is the time from the last packet that reached it before the
  kill to the first relayed packet after the start (and, separately, from the kill itself);
- *a caller waiting in a queue* cannot be resumed: how long until the restarted process answers SIP,
  until the cut-off caller gets its BYE, and until a new call is answered again.

The hotline is a real `c122 serve` process (SQLite in a temporary folder by default) whose main line
goes straight to a queue. The caller is this script's own SIP stack on loopback; so is operator1's
phone, registered with its SIP password like any phone. Both send a tone from their own RTP socket and
note when each packet arrives (tests/support/rtp_peer.py).
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
from tests.support.rtp_peer import RtpPeer

from c122.bootstrap import build_application
from c122.config import load_settings
from c122.demo import seed_demo
from c122.domain.organisation import EntityKind
from c122.domain.users import CONSOLE
from c122.persistence import migrate
from c122.telephony.sip import CallEnded, IncomingCall, SipStack
from c122.telephony.sip import sdp as sip_sdp
from c122.telephony.sip.trunk import TrunkSettings

MAIN_LINE = "+78001220122"
PHONE_PASSWORD = "bench-phone-secret"
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


async def seed(database_url: str, data_dir: Path) -> dict[str, str]:
    """The demo organisation; the main line goes straight to the information queue. Returns the
    accounts' passwords."""
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
    return {a.login: a.password for a in accounts}


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


async def call(stack: SipStack, server: Server, media_port: int | None = None) -> Any:
    port = media_port or 40000 + secrets.randbelow(5000) * 2
    offer = sip_sdp.make_offer("127.0.0.1", port, codecs=(sip_sdp.PCMU,))
    placed = await stack.invite(
        f"sip:88001220122@127.0.0.1:{server.sip_port}", from_uri="sip:79161234567@127.0.0.1", sdp=offer
    )
    await placed.answered(timeout=20)
    return placed


class Desk:
    """operator1's desktop over HTTP: takes calls on a SIP phone."""

    def __init__(self, server: Server, password: str) -> None:
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.http_port}", timeout=10)
        self.password = password
        self.csrf = ""

    async def sign_in(self) -> None:
        response = await self.client.post(
            "/api/v1/auth/login", json={"login": "operator1", "password": self.password}
        )
        response.raise_for_status()
        self.csrf = response.json()["csrf_token"]

    async def write(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        headers = {"X-CSRF-Token": self.csrf}
        response = await self.client.request(method, path, headers=headers, json=body)
        response.raise_for_status()

    async def state(self) -> str:
        return str((await self.client.get("/api/v1/operators/me/state")).json()["status"])

    async def until(self, wanted: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (state := await self.state()) != wanted:
            if time.monotonic() > deadline:
                raise TimeoutError(f"operator1 is {state}, not {wanted}")
            await asyncio.sleep(0.1)


class Phone:
    """operator1's SIP phone: registers, answers every call with its own RTP socket (1 kHz)."""

    def __init__(self, server: Server) -> None:
        registration = TrunkSettings(
            "hotline", "127.0.0.1", server.sip_port, username="operator1", password=PHONE_PASSWORD,
            register_expires=3600, keepalive_interval=3600,
        )  # fmt: skip
        self.stack = SipStack(
            "127.0.0.1", udp_port=0, tcp_port=None, protection=None, trunks=(registration,),
            on_incoming_call=self._ring,
        )  # fmt: skip
        self.calls: asyncio.Queue[tuple[IncomingCall, RtpPeer]] = asyncio.Queue()

    async def _ring(self, call: IncomingCall) -> None:
        voice = RtpPeer(1000)
        port = await voice.open()
        assert call.offer is not None
        await call.answer(sip_sdp.answer_offer(call.offer, "127.0.0.1", port, codecs=("PCMU",)))
        self.calls.put_nowait((call, voice))


def ended(call: Any) -> asyncio.Future[str]:
    """Resolves with the reason the call ends."""
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def follow() -> None:
        async for event in call.events():
            if isinstance(event, CallEnded) and not future.done():
                future.set_result(event.reason)

    task = asyncio.get_running_loop().create_task(follow())
    future.add_done_callback(lambda _f: task.cancel())
    return future


async def conversation_trial(stack: SipStack, phone: Phone, desk: Desk, server: Server) -> dict[str, float]:
    """A caller and operator1's phone talk; kill; the restarted process takes the call over."""
    await desk.write("PUT", "/api/v1/operators/me/state", {"status": "ready"})
    caller_voice = RtpPeer(440)
    await caller_voice.open()
    placed = await call(stack, server, caller_voice.port)
    caller_end = ended(placed)
    answered, phone_voice = await asyncio.wait_for(phone.calls.get(), 30)
    phone_end = ended(answered)
    await desk.until("on_call")
    deadline = time.monotonic() + 30
    while len(caller_voice.received) < 100 or len(phone_voice.received) < 100:  # two seconds of talk
        if time.monotonic() > deadline:
            heard = (len(caller_voice.received), len(phone_voice.received))
            raise RuntimeError(f"the caller and the phone do not hear each other (packets: {heard})")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # stored for a restart (written in the background)
    killed = time.monotonic()
    await server.kill()
    await server.start()
    deadline = killed + 90
    while caller_voice.first_after(killed) is None or phone_voice.first_after(killed) is None:
        if time.monotonic() > deadline or caller_end.done() or phone_end.done():
            raise RuntimeError("the conversation was not taken over")
        await asyncio.sleep(0.01)
    await asyncio.sleep(1)
    figures: dict[str, float] = {}
    for side, voice in (("caller", caller_voice), ("operator_phone", phone_voice)):
        last, first = voice.last_before(killed), voice.first_after(killed)
        assert last is not None
        assert first is not None
        figures[f"{side}_audio_gap_ms"] = (first - last) * 1000
        figures[f"{side}_audio_back_after_kill_ms"] = (first - killed) * 1000
    if caller_end.done() or phone_end.done():
        raise RuntimeError("a BYE reached the caller or the phone during the restart")
    await placed.hangup()  # the caller hangs up: the phone gets the hotline's BYE, the operator wraps up
    await asyncio.wait_for(phone_end, 10)
    await desk.until("wrap_up")
    await caller_voice.close()
    await phone_voice.close()
    return figures


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
        passwords = await seed(database_url, data_dir)
        server = Server(database_url, data_dir)
        stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, protection=None)
        await stack.start()
        await server.start()
        await sip_answers(server.sip_port, time.monotonic() + 60)
        desk = Desk(server, passwords["operator1"])
        await desk.sign_in()
        await desk.write("PUT", "/api/v1/operators/me/phone", {"mode": "sip", "sip_password": PHONE_PASSWORD})
        phone = Phone(server)
        await phone.stack.start()
        talking: list[dict[str, float]] = []
        waiting: list[dict[str, float]] = []
        try:
            for number in range(arguments.trials):
                talking.append(await conversation_trial(stack, phone, desk, server))
                print(
                    f"conversation {number + 1}: " + ", ".join(f"{k} {v:.0f}" for k, v in talking[-1].items())
                )
            await desk.write("PUT", "/api/v1/operators/me/state", {"status": "on_break", "reason": "break"})
            for number in range(arguments.trials):
                waiting.append(await trial(stack, server, passwords["admin"]))
                print(f"waiting {number + 1}: " + ", ".join(f"{k} {v:.0f}" for k, v in waiting[-1].items()))
        finally:
            await desk.client.aclose()
            await phone.stack.stop()
            await stack.stop()
            await server.stop()
    write_result(
        "restart_gap",
        {
            "database": "postgresql" if arguments.database_url else "sqlite",
            "trials": arguments.trials,
            "load_average_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
            "import_of_serve": imports,
            "conversation_taken_over": {
                "what": "a caller talking to operator1's SIP phone through the hotline; SIGKILL of `c122 "
                "serve`, started again: at the caller and at the phone, the gap from the last packet "
                "before the kill to the first relayed packet after the start (audio_gap), and from the "
                "kill to that packet (audio_back_after_kill); no BYE reached either",
                **{name: percentiles([r[name] for r in talking]) for name in talking[0]},
            },
            "caller_waiting_ended": {
                "what": "one caller waiting in a queue; SIGKILL, started again: the restarted process "
                "answers SIP OPTIONS, the cut-off caller receives BYE, a new call is answered",
                **{name: percentiles([r[name] for r in waiting]) for name in waiting[0]},
            },
        },
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--database-url", default="")
    uvloop.run(main(parser.parse_args()))
