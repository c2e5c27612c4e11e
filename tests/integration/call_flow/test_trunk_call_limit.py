"""A trunk's limit of concurrent calls (`max_calls`), on the real server with telephony: with the one call
it allows up (SIPp as the carrier), a second operator's call out through it is refused before anything
is sent to the carrier; the refused call ends with the cause `trunk_limit`, the trunk's live state
counts the refusal beside its calls up, and health names the trunk at its limit until the call ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.call_flow.conftest import ended_calls, hotline_overrides
from tests.integration.call_flow.test_trunks_admin import trunk_named
from tests.support.polling import until
from tests.support.server import running_server

pytestmark = pytest.mark.peers
REGION_CALLER_ID = "+74950001122"
DIALLED = "+74951112233"


async def test_a_call_beyond_the_trunks_limit_is_refused_with_its_reason_shown(
    database_url: str, tmp_path: Path, operator_phone: Any, carrier: Any
) -> None:
    moscow = carrier(REGION_CALLER_ID, DIALLED)  # answers one INVITE only: a second would fail it
    async with running_server(database_url, with_telephony=True, **hotline_overrides(tmp_path)) as server:
        admin = await server.signed_in("admin")
        created = await admin.write(
            "POST", "/api/v1/admin/trunks", json={**moscow.trunk("+7495"), "max_calls": 1}
        )
        assert created.status_code == 201, created.text
        me = await server.signed_in("operator1")
        colleague = await server.signed_in("operator3")
        phone = await operator_phone(server, me, "operator1", 1000)
        colleague_phone = await operator_phone(server, colleague, "operator3", 1500)
        for desk in (me, colleague):
            assert (
                await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            ).is_success

        await moscow.start()
        async with me.events() as events:
            placed = await me.write("POST", "/api/v1/operators/me/calls", json={"number": DIALLED})
            assert placed.status_code == 201, placed.text
            await events.next_event("call.connected", timeout=20)
        full = await until(lambda: trunk_named(admin, "carrier"), lambda t: t["live"]["calls_up"] == 1)
        assert (full["max_calls"], full["live"]["refused_at_limit"]) == (1, 0)
        sip = (await admin.http.get("/api/v1/health")).json()["components"]["sip"]
        assert "trunks at their call limit: carrier" in sip["detail"]

        async with colleague.events() as events:
            second = await colleague.write("POST", "/api/v1/operators/me/calls", json={"number": DIALLED})
            assert second.status_code == 201, second.text
            await events.next_event("call.ended", timeout=20)
        (refused,) = await ended_calls(server, direction="outbound")
        assert (refused["status"], refused["end_cause"], refused["caller"]) == (
            "failed",
            "trunk_limit",
            "operator3",
        )
        live = (await trunk_named(admin, "carrier"))["live"]
        assert (live["calls_up"], live["refused_at_limit"]) == (1, 1)

        assert (await me.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
        await moscow.finish()  # the carrier saw one INVITE only, and its BYE
        freed = await until(lambda: trunk_named(admin, "carrier"), lambda t: t["live"]["calls_up"] == 0)
        assert freed["live"]["refused_at_limit"] == 1
        sip = (await admin.http.get("/api/v1/health")).json()["components"]["sip"]
        assert "call limit" not in sip["detail"]
        await phone.stop()
        await colleague_phone.stop()
