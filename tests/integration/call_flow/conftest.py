"""A running hotline with telephony, callers from SIPp and operators' phones from baresip."""

from __future__ import annotations

import asyncio
import random
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvloop
from tests.integration.media.conftest import Baresip, free_udp_port, require
from tests.support.polling import until
from tests.support.server import Desk, RunningServer, running_server

from c122.api.event_schemas import EVENT_PAYLOADS
from c122.domain.users import CONSOLE
from c122.telephony.media.codecs import PCMU

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "sip" / "scenarios"
OPERATOR_SIP_PASSWORD = "phone-secret-1"
INFO_QUEUE = "Справочная информация"


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], object]]:
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture
async def hotline(database_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    rtp_min = random.randrange(30000, 39000, 100)
    overrides = {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": rtp_min,
        "rtp_port_max": rtp_min + 99,
        "data_dir": tmp_path / "data",
        "queue_announce_seconds": 10.0,
    }
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        published: list[tuple[str, dict[str, Any]]] = []
        server.application.bus.subscribe(lambda event: published.append((event.type, dict(event.data))))
        yield server
    for event_type, data in published:  # every event a real call published matches its schema
        EVENT_PAYLOADS[event_type].model_validate(data)


def sip_port(server: RunningServer) -> int:
    telephony = server.application.telephony
    assert telephony is not None
    return telephony.sip.bound_ports["udp"]


async def info_queue_id(server: RunningServer) -> int:
    admin = await server.signed_in("admin")
    queues = (await admin.http.get("/api/v1/admin/queues", params={"q": INFO_QUEUE})).json()["items"]
    return int(next(q["id"] for q in queues if q["name"] == INFO_QUEUE))


async def put_menu_on_main_line(server: RunningServer, queue_id: int) -> None:
    """The main line plays a greeting menu: 1 reaches the information queue, silence too."""
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
                "branches": {"1": "queue"},
                "fallback": "queue",
                "timeout_s": 8,
            },
            "queue": {"type": "enqueue", "queue": str(queue_id), "priority": 0},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    admin = await server.signed_in("admin")
    lines = (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    main = next(line for line in lines if line["number"] == "+78001220122")
    response = await admin.write(
        "PATCH", f"/api/v1/admin/lines/{main['id']}", json={"entry_flow": "test_menu"}
    )
    assert response.status_code == 200, response.text


@dataclass
class HotlineCaller:
    """One SIPp caller dialling the main line and sending a 440 Hz tone."""

    workdir: Path
    process: asyncio.subprocess.Process | None = None

    async def call(
        self, server: RunningServer, scenario: str, *, digits: str, listen_ms: int, wait_ms: int
    ) -> None:
        n = np.arange(8000 * 2)
        pcm = (8000 * np.sin(2 * np.pi * 440 * n / 8000)).astype(np.int16)
        with wave.open(str(self.workdir / "tone.wav"), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(1)
            writer.setframerate(8000)
            writer.writeframes(PCMU.encode(pcm))
        text = (SCENARIOS / scenario).read_text()
        text = text.replace("LISTEN_MS", str(listen_ms)).replace("WAIT_MS", str(wait_ms))
        text = text.replace("DIGITS", digits)
        (self.workdir / scenario).write_text(text)
        media_port = random.randrange(50000, 59000, 4)
        self.process = await asyncio.create_subprocess_exec(
            require("sipp"), "-sf", str(self.workdir / scenario), f"127.0.0.1:{sip_port(server)}",
            "-s", "88001220122", "-m", "1", "-i", "127.0.0.1", "-p", str(free_udp_port()),
            "-mp", str(media_port), "-nostdin", "-timeout", "60", "-timeout_error", "-trace_err",
            cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip

    async def finish(self, timeout: float = 60.0) -> tuple[int, str]:
        assert self.process is not None
        output, _ = await asyncio.wait_for(self.process.communicate(), timeout)
        return int(self.process.returncode or 0), output.decode(errors="replace")


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
