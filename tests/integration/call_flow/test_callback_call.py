"""Calling back (TEL-07, TEL-18): a caller keys * while waiting; later operator1 starts the shift, the
ACD offers the callback, operator1's phone answers, and the hotline dials the applicant through the
trunk of their number with the region's caller ID (SIPp as the carrier) and connects them."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    SCENARIOS,
    HotlineCaller,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.integration.media.conftest import free_udp_port, require
from tests.support.polling import until
from tests.support.server import running_server

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
APPLICANT = "+79161234567"  # the number SIPp's caller presents


async def test_the_operator_accepts_a_callback_and_the_hotline_dials_the_applicant(
    database_url: str, tmp_path: Path, caller: HotlineCaller, operator_phone: Any
) -> None:
    carrier_port = free_udp_port()
    scenario = (SCENARIOS / "carrier_uas.xml").read_text()
    scenario = scenario.replace("CALLER_ID", REGION_CALLER_ID.replace("+", "\\+"))
    scenario = scenario.replace("DIALLED", APPLICANT.replace("+", "\\+"))
    (tmp_path / "carrier.xml").write_text(scenario)
    rtp_min = random.randrange(30000, 39000, 100)
    overrides: dict[str, Any] = {
        "sip_port": 0, "sip_ws_port": 0, "rtp_port_min": rtp_min, "rtp_port_max": rtp_min + 99,
        "data_dir": tmp_path / "data",
        "trunks": [{"name": "mobile", "host": "127.0.0.1", "port": carrier_port, "prefixes": ["+79"],
                    "caller_id": REGION_CALLER_ID}],
    }  # fmt: skip
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        queue_id = await info_queue_id(server)
        await put_menu_on_main_line(server, queue_id)
        await caller.call(server, "hotline_caller_hung_up.xml", digits="1*", listen_ms=2500, wait_ms=30000)
        code, output = await caller.finish()
        assert code == 0, output[-3000:]

        carrier = await asyncio.create_subprocess_exec(
            require("sipp"), "-sf", str(tmp_path / "carrier.xml"), "-m", "1", "-i", "127.0.0.1",
            "-p", str(carrier_port), "-mp", str(random.randrange(50000, 59000, 4)), "-nostdin",
            "-timeout", "40", "-timeout_error", "-trace_err",
            cwd=tmp_path, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        try:
            desk = await server.signed_in("operator1")
            phone = await operator_phone(server, desk)
            async with desk.events() as events:
                assert (
                    await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
                ).is_success
                offer = await events.next_event("call.offered", timeout=15)
                assert offer["data"]["offer"]["is_callback"] is True
                assert offer["data"]["offer"]["caller"] == APPLICANT
                await events.next_event("call.connected", timeout=20)
                assert (await desk.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
                await events.next_event("call.ended", timeout=10)
            carrier_output, _ = await asyncio.wait_for(carrier.communicate(), 30)
            assert carrier.returncode == 0, carrier_output.decode(errors="replace")[-3000:]
        finally:
            if carrier.returncode is None:
                carrier.kill()
                await carrier.wait()

        admin = await server.signed_in("admin")

        async def outbound_calls() -> list[dict[str, Any]]:
            items = (await admin.http.get("/api/v1/calls", params={"direction": "outbound"})).json()["items"]
            return [item for item in items if item["status"] != "active"]

        (record,) = await until(outbound_calls, lambda items: len(items) == 1)
        await phone.stop()  # while the server still answers its unregistration
        assert (record["status"], record["caller"], record["called"]) == ("answered", "", APPLICANT)
