"""Real SIP peers (SIPp, Kamailio, baresip) on 127.0.0.1 against the embedded stack."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tests.support.peers import installed

from c122.telephony.sip import CallEnded, IncomingCall, SipStack, TimerSettings
from c122.telephony.sip.events import CallEvent
from c122.telephony.sip.sdp import answer_offer

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "sip" / "scenarios"
FAST_TIMERS = TimerSettings(t1=0.1, t2=1.0, t4=1.0)


def free_port() -> int:
    """A port free for both UDP and TCP right now (peers that cannot bind 0 need a number)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = int(u.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


@dataclass
class SippResult:
    returncode: int
    output: str
    errors: str


class Sipp:
    """Runs SIPp in the foreground with a bounded call count, in a per-test directory."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.binary = installed("sipp")
        self._procs: list[asyncio.subprocess.Process] = []

    @staticmethod
    def scenario(name: str) -> str:
        return str(SCENARIOS / name)

    async def run(
        self, args: list[str], *, timeout: float = 90.0, transport: str = "u1", port: int | None = None
    ) -> SippResult:
        cmd = [
            self.binary, *args, "-t", transport, "-i", "127.0.0.1", "-p", str(port or free_port()),
            "-timeout", str(int(timeout)), "-timeout_error", "-trace_err", "-nostdin",
        ]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            cwd=self.workdir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._procs.append(proc)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout + 15)
        errors = "".join(p.read_text(errors="replace") for p in self.workdir.glob("*_errors.log"))
        return SippResult(proc.returncode or 0, out.decode(errors="replace")[-3000:], errors)

    def run_in_background(
        self, args: list[str], *, timeout: float = 30.0
    ) -> tuple[asyncio.Task[SippResult], int]:
        """Start a SIPp callee on a fresh port; the task finishes with its result.

        UDP retransmission of our requests covers the moment SIPp is still binding.
        """
        port = free_port()
        task = asyncio.ensure_future(self.run(args, timeout=timeout, port=port))
        return task, port

    async def close(self) -> None:
        for proc in self._procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


@pytest.fixture
async def sipp(tmp_path: Path) -> AsyncIterator[Sipp]:
    runner = Sipp(tmp_path)
    yield runner
    await runner.close()


@dataclass
class CallLog:
    """What the stack's incoming-call handler saw, for assertions."""

    calls: list[IncomingCall] = field(default_factory=list)
    events: dict[str, list[CallEvent]] = field(default_factory=dict)
    ended: asyncio.Queue[tuple[str, CallEnded]] = field(default_factory=asyncio.Queue)

    def reasons(self) -> list[str]:
        return [e.reason for evs in self.events.values() for e in evs if isinstance(e, CallEnded)]

    async def wait_ended(self, count: int, timeout: float = 30.0) -> list[CallEnded]:
        out = []
        async with asyncio.timeout(timeout):
            for _ in range(count):
                out.append((await self.ended.get())[1])
        return out


Behaviour = Callable[[IncomingCall], Awaitable[None]]


async def answer_at_once(call: IncomingCall) -> None:
    await call.ringing()
    assert call.offer is not None
    await call.answer(answer_offer(call.offer, "127.0.0.1", 40000))


def recording_handler(log: CallLog, behaviour: Behaviour) -> Callable[[IncomingCall], Awaitable[None]]:
    async def handle(call: IncomingCall) -> None:
        log.calls.append(call)
        events = log.events.setdefault(call.call_id, [])

        async def watch() -> None:
            async for event in call.events():
                events.append(event)
                if isinstance(event, CallEnded):
                    log.ended.put_nowait((call.call_id, event))

        watcher = asyncio.create_task(watch())
        await behaviour(call)
        await watcher

    return handle


StackFactory = Callable[..., Awaitable[tuple[SipStack, CallLog]]]


@pytest.fixture
async def make_stack() -> AsyncIterator[StackFactory]:
    stacks: list[SipStack] = []

    async def factory(behaviour: Behaviour = answer_at_once, **kwargs: object) -> tuple[SipStack, CallLog]:
        log = CallLog()
        kwargs.setdefault("timers", FAST_TIMERS)
        port = free_port()
        stack = SipStack(
            "127.0.0.1",
            udp_port=port,
            tcp_port=port,
            on_incoming_call=recording_handler(log, behaviour),
            **kwargs,  # type: ignore[arg-type]
        )
        await stack.start()
        stacks.append(stack)
        return stack, log

    yield factory
    for stack in stacks:
        with contextlib.suppress(Exception):
            await stack.stop()


KAMAILIO_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
fork=yes
children=1
tcp_children=1
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
mpath="/usr/lib/x86_64-linux-gnu/kamailio/modules/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "pv.so"
loadmodule "textops.so"
loadmodule "siputils.so"
modparam("rr", "append_fromtag", 1)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        # peers that ignore Record-Route (SIPp's built-in uac) still reach the stack
        $du = "sip:127.0.0.1:{target}";
        t_relay(); exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    t_check_trans();
    if (is_method("INVITE")) {{ record_route(); }}
    $du = "sip:127.0.0.1:{target}";
    t_relay();
    exit;
}}
"""


class Kamailio:
    """A stateful record-routing proxy in front of the stack (`fork=yes`, no database)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = 0
        self._proc: asyncio.subprocess.Process | None = None

    async def start(self, target_port: int) -> int:
        return await self.start_with(KAMAILIO_CFG, target=target_port)

    async def start_with(self, template: str, **values: object) -> int:
        """Kamailio on a free port with `template` (`{port}` and `values` filled in)."""
        binary = installed("kamailio")
        self.port = free_port()
        cfg = self.workdir / "kamailio.cfg"
        cfg.write_text(template.format(port=self.port, **values))
        self._proc = await asyncio.create_subprocess_exec(
            binary, "-f", str(cfg), "-DD", "-E", "-Y", str(self.workdir), "-m", "32", "-M", "4",
            cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        return self.port

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()


@pytest.fixture
async def kamailio(tmp_path: Path) -> AsyncIterator[Kamailio]:
    proxy = Kamailio(tmp_path)
    yield proxy
    await proxy.stop()


BARESIP_CONFIG = """poll_method epoll
sip_listen 127.0.0.1:{sip_port}
net_interface 127.0.0.1
audio_player aubridge,nil
audio_source ausine,440
audio_alert aubridge,nil
ausrc_srate 48000
ausrc_channels 2
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{ctrl_port}
"""


class Baresip:
    """A real SIP phone driven over its ctrl_tcp module (netstring-framed JSON)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sip_port = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self.events: asyncio.Queue[dict[str, object]] = asyncio.Queue()
        self._token = 0

    async def start(self, account: str) -> None:
        binary = installed("baresip")
        self.sip_port = free_port()
        ctrl_port = free_port()
        cfg = self.workdir / "baresip"
        cfg.mkdir()
        (cfg / "config").write_text(BARESIP_CONFIG.format(sip_port=self.sip_port, ctrl_port=ctrl_port))
        (cfg / "accounts").write_text(account + "\n")
        self._proc = await asyncio.create_subprocess_exec(
            binary, "-f", str(cfg), "-s",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=(self.workdir / "baresip.log").open("wb"), stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        reader, self._writer = await self._connect(ctrl_port)
        self._reader_task = asyncio.create_task(self._read(reader))

    @staticmethod
    async def _connect(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with asyncio.timeout(10):
            while True:
                try:
                    return await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    # the phone is still starting; its control port appears within milliseconds
                    await asyncio.sleep(0.05)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            length = await reader.readuntil(b":")
            data = await reader.readexactly(int(length[:-1]))
            await reader.readexactly(1)
            self.events.put_nowait(json.loads(data))

    async def command(self, command: str, params: str = "") -> None:
        assert self._writer is not None
        self._token += 1
        body = json.dumps({"command": command, "params": params, "token": str(self._token)}).encode()
        self._writer.write(str(len(body)).encode() + b":" + body + b",")
        await self._writer.drain()

    async def wait_event(self, kind: str, timeout: float = 15.0) -> dict[str, object]:
        async with asyncio.timeout(timeout):
            while True:
                event = await self.events.get()
                if event.get("type") == kind:
                    return event

    def log(self) -> str:
        return (self.workdir / "baresip.log").read_text(errors="replace")[-4000:]

    async def stop(self) -> None:
        if self._reader_task is not None:
            self._reader_task.cancel()
        if self._writer is not None:
            self._writer.close()
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            try:
                await asyncio.wait_for(self._proc.wait(), 10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()


@pytest.fixture
async def baresip(tmp_path: Path) -> AsyncIterator[Baresip]:
    phone = Baresip(tmp_path)
    yield phone
    await phone.stop()
