"""A running hotline with telephony, callers from SIPp and operators' phones from baresip."""

from __future__ import annotations

import asyncio
import random
import re
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvloop
from tests.support.peers import Baresip, free_udp_port, installed
from tests.support.polling import until
from tests.support.server import Desk, RunningServer, running_server

from c122.api.schemas.events import EVENT_PAYLOADS
from c122.domain.users import CONSOLE
from c122.telephony.media.codecs import PCMU

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "sip" / "scenarios"
OPERATOR_SIP_PASSWORD = "phone-secret-1"
INFO_QUEUE = "Справочная информация"


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], object]]:
    return {"uvloop": uvloop.new_event_loop}


def hotline_overrides(tmp_path: Path) -> dict[str, Any]:
    rtp_min = random.randrange(20000, 32000, 100)  # below the ephemeral ports peers are given
    return {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": rtp_min,
        "rtp_port_max": rtp_min + 99,
        "data_dir": tmp_path / "data",
        "queue_announce_seconds": 10.0,
        "webrtc_host_addresses": "127.0.0.1",  # a browser leg (aiortc) on loopback, which aioice skips
    }


@pytest.fixture
async def hotline(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(database_url, with_telephony=True, **hotline_overrides(tmp_path)) as server:
        published: list[tuple[str, dict[str, Any]]] = []
        server.application.bus.subscribe(lambda event: published.append((event.type, dict(event.data))))
        yield server
    for event_type, data in published:  # every event a real call published matches its schema
        EVENT_PAYLOADS[event_type].model_validate(data)


@pytest.fixture
async def hotline_on_workers(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """The hotline with its media in two media worker processes (`media_workers`)."""
    overrides = hotline_overrides(tmp_path) | {"media_workers": 2}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        yield server


def sip_port(server: RunningServer) -> int:
    telephony = server.application.telephony
    assert telephony is not None
    return telephony.sip.bound_ports["udp"]


async def info_queue_id(server: RunningServer) -> int:
    admin = await server.signed_in("admin")
    queues = (await admin.http.get("/api/v1/admin/queues", params={"q": INFO_QUEUE})).json()["items"]
    return int(next(q["id"] for q in queues if q["name"] == INFO_QUEUE))


async def put_menu_on_main_line(server: RunningServer, queue_id: int) -> None:
    """The main line plays a greeting menu: 1 sets the topic «Справочная информация» and reaches the
    information queue; silence reaches the queue without a topic."""
    context = server.application.context
    await context.prompts.synthesise(CONSOLE, "test_greeting", "Приветствие", "Здравствуйте. Нажмите один.")
    flow = {
        "name": "test_menu",
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {
                "type": "menu",
                "prompt": "test_greeting",
                "branches": {"1": "topic"},
                "fallback": "queue",
                "timeout_s": 8,
            },
            "topic": {"type": "set_case_type", "case_type": await info_case_type(server), "next": "queue"},
            "queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(server, "test_menu")


async def operator_ready_for_the_menu(
    hotline: RunningServer, operator_phone: Callable[..., Awaitable[Baresip]]
) -> tuple[int, Desk, Baresip]:
    """The main line's menu leads to the information queue, and operator1 waits there, ready, on a SIP
    phone: the queue's id, their desk and their phone."""
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    desk = await hotline.signed_in("operator1")
    phone = await operator_phone(hotline, desk)
    ready = await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    assert ready.status_code == 200
    return queue_id, desk, phone


async def info_case_type(server: RunningServer) -> int:
    admin = await server.signed_in("admin")
    types = (await admin.http.get("/api/v1/admin/case-types")).json()["items"]
    return int(next(t["id"] for t in types if t["code"] == "info"))


async def route_main_line(server: RunningServer, flow: str) -> None:
    """The demo's main line +78001220122 runs `flow`."""
    admin = await server.signed_in("admin")
    lines = (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    main = next(line for line in lines if line["number"] == "+78001220122")
    response = await admin.write("PATCH", f"/api/v1/admin/lines/{main['id']}", json={"entry_flow": flow})
    assert response.status_code == 200, response.text


@dataclass
class HotlineCaller:
    """One SIPp caller dialling the main line and sending a 440 Hz tone."""

    workdir: Path
    process: asyncio.subprocess.Process | None = None

    async def call(
        self, server: RunningServer, scenario: str, *, digits: str, listen_ms: int, wait_ms: int
    ) -> None:
        text = (SCENARIOS / scenario).read_text()
        text = text.replace("LISTEN_MS", str(listen_ms)).replace("WAIT_MS", str(wait_ms))
        text = text.replace("DIGITS", digits)
        self.process = await start_sipp_caller(self.workdir, scenario, text, sip_port(server))

    async def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        assert self.process is not None
        output, _ = await asyncio.wait_for(self.process.communicate(), timeout)
        return int(self.process.returncode or 0), output.decode(errors="replace")


def write_tone(path: Path, seconds: int = 2) -> None:
    """A 440 Hz tone, G.711 µ-law, as SIPp's rtp_stream plays it."""
    n = np.arange(8000 * seconds)
    pcm = (8000 * np.sin(2 * np.pi * 440 * n / 8000)).astype(np.int16)
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(8000)
        writer.writeframes(PCMU.encode(pcm))


async def start_sipp_caller(
    workdir: Path, scenario: str, text: str, port: int, timeout_s: int = 60
) -> asyncio.subprocess.Process:
    """SIPp running the scenario `text` (saved as `scenario` in `workdir`, with tone.wav) once against
    the hotline's main line on 127.0.0.1:`port`."""
    write_tone(workdir / "tone.wav")
    (workdir / scenario).write_text(text)
    media_port = random.randrange(50000, 59000, 4)
    return await asyncio.create_subprocess_exec(
        installed("sipp"), "-sf", str(workdir / scenario), f"127.0.0.1:{port}",
        "-s", "88001220122", "-m", "1", "-i", "127.0.0.1", "-p", str(free_udp_port()),
        "-mp", str(media_port), "-nostdin", "-timeout", str(timeout_s), "-timeout_error", "-trace_err",
        cwd=workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


@pytest.fixture
async def caller(tmp_path: Path) -> AsyncIterator[HotlineCaller]:
    folder = tmp_path / "caller"
    folder.mkdir()
    person = HotlineCaller(folder)
    yield person
    if person.process is not None and person.process.returncode is None:
        person.process.kill()
        await person.process.wait()


@pytest.fixture
async def operator_phone(
    tmp_path: Path,
) -> AsyncIterator[Callable[..., Awaitable[Baresip]]]:
    phones: list[Baresip] = []

    async def make(
        server: RunningServer, desk: Desk, login: str = "operator1", frequency: int = 1000
    ) -> Baresip:
        """The operator switches to a SIP phone; baresip registers with the password and answers by itself."""
        response = await desk.write(
            "PUT", "/api/v1/operators/me/phone", json={"mode": "sip", "sip_password": OPERATOR_SIP_PASSWORD}
        )
        assert response.status_code == 200, response.text
        folder = tmp_path / f"phone{len(phones)}"
        folder.mkdir()
        account = (
            f"<sip:{login}@127.0.0.1:{sip_port(server)}>;auth_pass={OPERATOR_SIP_PASSWORD};"
            "regint=600;answermode=auto;audio_codecs=PCMU"
        )
        phone = Baresip(folder, frequency, account=account)
        phones.append(phone)
        await phone.start()

        async def phone_settings() -> dict[str, Any]:
            settings: dict[str, Any] = (await desk.http.get("/api/v1/operators/me/phone")).json()
            return settings

        await until(phone_settings, lambda settings: settings["sip"]["registered"], timeout=10)
        return phone

    yield make
    for phone in phones:
        await phone.stop()


@dataclass
class Carrier:
    """SIPp as the carrier behind a trunk: answers one INVITE for `dialled` whose From and
    P-Asserted-Identity present `caller_id`, then waits for the hotline's BYE (carrier_uas.xml)."""

    workdir: Path
    caller_id: str
    dialled: str
    port: int = field(default_factory=free_udp_port)
    process: asyncio.subprocess.Process | None = None
    scenario: str = "carrier_uas.xml"  # or a challenging one: carrier_auth_uas.xml, carrier_auth_refuses.xml
    username: str = ""  # the credentials a challenging scenario expects
    secret: str = ""

    def trunk(self, *prefixes: str) -> dict[str, Any]:
        """The trunk to it; no OPTIONS probes: the scenario takes nothing but its one INVITE."""
        return {"name": "carrier", "host": "127.0.0.1", "port": self.port, "prefixes": list(prefixes),
                "caller_id": self.caller_id, "keepalive_s": 0}  # fmt: skip

    async def start(self) -> None:
        scenario = (SCENARIOS / self.scenario).read_text()
        for placeholder, value in (
            ("CALLER_ID", re.escape(self.caller_id)),
            ("DIALLED", re.escape(self.dialled)),
            ("USERNAME", self.username),
            ("SECRET", self.secret),
        ):
            scenario = scenario.replace(placeholder, value)
        (self.workdir / "carrier.xml").write_text(scenario)
        self.process = await asyncio.create_subprocess_exec(
            installed("sipp"), "-sf", str(self.workdir / "carrier.xml"), "-m", "1", "-i", "127.0.0.1",
            "-p", str(self.port), "-mp", str(random.randrange(50000, 59000, 4)), "-nostdin",
            "-timeout", "40", "-timeout_error", "-trace_err", "-trace_msg",
            cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip

    async def finish(self) -> None:
        """The call went as the scenario expects (headers checked, our BYE received)."""
        assert self.process is not None
        output, _ = await asyncio.wait_for(self.process.communicate(), 30)
        assert self.process.returncode == 0, output.decode(errors="replace")[-3000:]

    def received_invites(self) -> list[str]:
        """The INVITEs the carrier received, as SIPp traced them (-trace_msg), in order."""
        (trace,) = self.workdir.glob("carrier_*_messages.log")
        messages = trace.read_text(errors="replace").replace("\r\n", "\n").split("\n\n")
        return [m.strip() for m in messages if m.strip().startswith("INVITE ")]


@pytest.fixture
async def carrier(tmp_path: Path) -> AsyncIterator[Callable[[str, str], Carrier]]:
    made: list[Carrier] = []

    def make(caller_id: str, dialled: str) -> Carrier:
        folder = tmp_path / f"carrier{len(made)}"
        folder.mkdir()
        made.append(Carrier(folder, caller_id, dialled))
        return made[-1]

    yield make
    for one in made:
        if one.process is not None and one.process.returncode is None:
            one.process.kill()
            await one.process.wait()


async def ended_calls(server: RunningServer, count: int = 1, **filters: str) -> list[dict[str, Any]]:
    """The journal's ended calls (newest first, with their legs) once there are `count` of them."""
    admin = await server.signed_in("admin")

    async def read() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await admin.http.get("/api/v1/calls", params=filters)).json()["items"]
        return [item for item in items if item["status"] != "active"]

    ended = await until(read, lambda items: len(items) >= count)
    return [(await admin.http.get(f"/api/v1/calls/{item['id']}")).json() for item in ended]
