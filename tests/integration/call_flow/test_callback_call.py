"""Calling back (TEL-07, TEL-18): a caller keys * while waiting; later operator1 starts the shift, the
ACD offers the callback, operator1's phone answers, and the hotline dials the applicant through the
trunk of their number with the region's caller ID (SIPp as the carrier) and connects them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    hotline_overrides,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.support.server import running_server

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
APPLICANT = "+79161234567"  # the number SIPp's caller presents


async def test_the_operator_accepts_a_callback_and_the_hotline_dials_the_applicant(
    database_url: str, tmp_path: Path, caller: HotlineCaller, operator_phone: Any, carrier: Any
) -> None:
    mobile = carrier(REGION_CALLER_ID, APPLICANT)
    overrides = {**hotline_overrides(tmp_path), "trunks": [mobile.trunk("+79")]}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        await put_menu_on_main_line(server, await info_queue_id(server))
        await caller.call(server, "hotline_caller_hung_up.xml", digits="1*", listen_ms=2500, wait_ms=30000)
        code, output = await caller.finish()
        assert code == 0, output[-3000:]

        await mobile.start()
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
        await mobile.finish()
        (record,) = await ended_calls(server, direction="outbound")
        assert (record["status"], record["caller"], record["called"]) == ("answered", "", APPLICANT)
        await phone.stop()  # while the server still answers its unregistration
