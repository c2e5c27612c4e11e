"""Calls an operator places from the desktop (TEL-03, TEL-18, OPS-21): out through the region's trunk
(SIPp as the carrier checking the caller ID) and to a colleague; both operators on baresip phones,
which ring first (click-to-call) and answer by themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import ended_calls, hotline_overrides
from tests.integration.call_flow.test_consultation import user_id
from tests.support.polling import until
from tests.support.server import running_server

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
DIALLED = "+74951112233"


async def test_the_operator_calls_out_through_the_regions_trunk_and_calls_a_colleague(
    database_url: str, tmp_path: Path, operator_phone: Any, carrier: Any
) -> None:
    moscow = carrier(REGION_CALLER_ID, DIALLED)
    overrides = {**hotline_overrides(tmp_path), "trunks": [moscow.trunk("+7495")]}
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        me = await server.signed_in("operator1")
        colleague = await server.signed_in("operator3")
        phone = await operator_phone(server, me, "operator1", 1000)
        colleague_phone = await operator_phone(server, colleague, "operator3", 1500)
        offline = await me.write("POST", "/api/v1/operators/me/calls", json={"number": DIALLED})
        assert (offline.status_code, offline.json()["code"]) == (409, "illegal_transition")
        assert (await me.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})).is_success
        for body, status in (({"number": "+78121112233"}, 422), ({"user_id": 9999}, 404), ({}, 422)):
            assert (await me.write("POST", "/api/v1/operators/me/calls", json=body)).status_code == status

        await moscow.start()
        async with me.events() as events:
            out_call = {"number": "8 495 111-22-33"}  # as people type it
            placed = await me.write("POST", "/api/v1/operators/me/calls", json=out_call)
            assert placed.status_code == 201, placed.text
            await events.next_event("call.connected", timeout=20)
            assert (await me.http.get("/api/v1/operators/me/state")).json()["status"] == "on_call"
            assert (await me.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
            await events.next_event("call.ended", timeout=10)
        await moscow.finish()
        (out,) = await ended_calls(server, direction="outbound")
        assert (out["status"], out["called"], out["caller"]) == ("answered", DIALLED, "operator1")

        server.clock.advance(1)
        operator3 = await user_id(server, "operator3")
        ready = await colleague.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        assert ready.is_success

        async def colleague_status() -> str:
            status: str = (await colleague.http.get("/api/v1/operators/me/state")).json()["status"]
            return status

        async with me.events() as events:
            # Ready again at the next tick: no queue's wrap-up applies to a call of the operator's own.
            await until(
                lambda: me.http.get("/api/v1/operators/me/state"), lambda r: r.json()["status"] == "ready"
            )
            placed = await me.write("POST", "/api/v1/operators/me/calls", json={"user_id": operator3})
            assert placed.status_code == 201, placed.text
            await events.next_event("call.connected", timeout=20)
            assert await colleague_status() == "on_call"  # no offers while a colleague talks to them
            assert (await me.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
            await events.next_event("call.ended", timeout=10)
        await until(colleague_status, lambda status: status == "ready")
        (internal,) = await ended_calls(server, direction="internal")
        assert (internal["status"], internal["called"]) == ("answered", "operator3")
        assert [leg["role"] for leg in internal["legs"]] == ["operator", "operator"]
        await phone.stop()
        await colleague_phone.stop()
