"""The IVR's transfer node sends the caller out through the trunk of the number's prefix, presenting the
region's caller ID (TEL-24); SIPp plays the carrier and checks From and P-Asserted-Identity."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import SCENARIOS, HotlineCaller
from tests.integration.media.conftest import free_udp_port, require
from tests.support.polling import until
from tests.support.server import RunningServer, running_server

from c122.domain.users import CONSOLE

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
DIALLED = "+74951112233"


async def test_the_transfer_node_dials_out_through_the_regions_trunk_with_its_caller_id(
    database_url: str, tmp_path: Path, caller: HotlineCaller
) -> None:
    carrier_port = free_udp_port()
    scenario = (SCENARIOS / "carrier_uas.xml").read_text()
    scenario = scenario.replace("CALLER_ID", REGION_CALLER_ID.replace("+", "\\+"))
    scenario = scenario.replace("DIALLED", DIALLED.replace("+", "\\+"))
    (tmp_path / "carrier.xml").write_text(scenario)
    carrier = await asyncio.create_subprocess_exec(
        require("sipp"), "-sf", str(tmp_path / "carrier.xml"), "-m", "1", "-i", "127.0.0.1",
        "-p", str(carrier_port), "-mp", str(random.randrange(50000, 59000, 4)), "-nostdin",
        "-timeout", "40", "-timeout_error", "-trace_err",
        cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    rtp_min = random.randrange(30000, 39000, 100)
    trunks = [
        {"name": "federal", "host": "192.0.2.1", "caller_id": "+78001220122"},
        {"name": "moscow", "host": "127.0.0.1", "port": carrier_port, "prefixes": ["+7495"],
         "caller_id": REGION_CALLER_ID},
    ]  # fmt: skip
    overrides: dict[str, Any] = {
        "sip_port": 0, "sip_ws_port": 0, "rtp_port_min": rtp_min, "rtp_port_max": rtp_min + 99,
        "data_dir": tmp_path / "data", "trunks": trunks,
    }  # fmt: skip
    try:
        async with running_server(database_url, with_telephony=True, **overrides) as server:
            await transfer_main_line(server)
            await caller.call(server, "hotline_caller.xml", digits="5", listen_ms=2500, wait_ms=3000)
            code, output = await caller.finish()
            assert code == 0, output[-3000:]
            carrier_output, _ = await asyncio.wait_for(carrier.communicate(), 30)
            assert carrier.returncode == 0, carrier_output.decode(errors="replace")[-3000:]
            admin = await server.signed_in("admin")

            async def journal() -> list[dict[str, Any]]:
                items: list[dict[str, Any]] = (await admin.http.get("/api/v1/calls")).json()["items"]
                return items

            items = await until(journal, lambda items: bool(items) and items[0]["status"] != "active")
            assert (items[0]["status"], items[0]["end_cause"]) == ("answered", "transferred")
    finally:
        if carrier.returncode is None:
            carrier.kill()
            await carrier.wait()


async def transfer_main_line(server: RunningServer) -> None:
    flow = {
        "name": "to_moscow",
        "entry": "out",
        "timezone": "Europe/Moscow",
        "nodes": {"out": {"type": "transfer", "number": DIALLED}},
    }
    await server.application.context.ivr_flows.create(CONSOLE, flow)
    admin = await server.signed_in("admin")
    lines = (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    main = next(line for line in lines if line["number"] == "+78001220122")
    response = await admin.write(
        "PATCH", f"/api/v1/admin/lines/{main['id']}", json={"entry_flow": "to_moscow"}
    )
    assert response.status_code == 200, response.text
