"""`c122 serve`'s telephony: SIP and media report their health, and inbound calls are checked
against the configured lines (SIPp as the carrier)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.polling import until
from tests.support.server import RunningServer, running_server

pytestmark = pytest.mark.peers
SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "sip" / "scenarios" / "uac_expect_final.xml"


@pytest.fixture
async def telephony_server(database_url: str) -> AsyncIterator[RunningServer]:
    overrides = {"sip_port": 0, "sip_ws_port": 0, "rtp_port_min": 42000, "rtp_port_max": 42999}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        yield server


def sipp_call(
    server: RunningServer, dialled: str, expected_status: int, workdir: Path
) -> subprocess.CompletedProcess[str]:
    sipp = shutil.which("sipp")
    if sipp is None:
        pytest.fail("sipp is missing: make test installs sip-tester")
    telephony = server.application.telephony
    assert telephony is not None
    scenario = workdir / f"expect_{expected_status}.xml"
    scenario.write_text(SCENARIO.read_text().replace("STATUS", str(expected_status)))
    target = f"127.0.0.1:{telephony.sip.bound_ports['udp']}"
    command = [sipp, target, "-sf", str(scenario), "-s", dialled, "-m", "1", "-i", "127.0.0.1", "-p", "0",
               "-timeout", "15", "-timeout_error", "-nostdin", "-trace_err"]  # fmt: skip
    return subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=30, check=False)


async def test_sip_and_media_are_healthy_when_telephony_runs(telephony_server: RunningServer) -> None:
    async with telephony_server.client() as client:

        async def read() -> dict[str, Any]:
            body: dict[str, Any] = (await client.get("/api/v1/health")).json()
            return body

        # The media clock may run late for a moment while the server starts on a busy machine.
        health = await until(read, lambda body: body["components"]["media"]["status"] == "ok", timeout=10)
    assert health["components"]["sip"]["status"] == "ok"
    assert health["components"]["media"]["status"] == "ok"
    assert health["status"] == "ok"


async def test_a_call_to_a_number_that_is_no_line_gets_404(
    telephony_server: RunningServer, tmp_path: Path
) -> None:
    result = await asyncio.to_thread(sipp_call, telephony_server, "79990001122", 404, tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]


async def test_a_call_to_a_line_without_a_call_flow_gets_480(
    telephony_server: RunningServer, tmp_path: Path
) -> None:
    import asyncio

    # The demo's main line, dialled the way a carrier forwards it (8-prefixed national form).
    result = await asyncio.to_thread(sipp_call, telephony_server, "88001220122", 480, tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
