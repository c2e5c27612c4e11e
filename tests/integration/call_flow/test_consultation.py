"""Consultation (TEL-17, OPS-20) between two operators' SIP phones (baresip) while a SIPp caller waits:
refusals, swapping back and forth, then completing it as a transfer; the consultant ends up talking to
the caller and the call record keeps all three legs."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.support.server import RunningServer

from c122.telephony.media.analysis import dominant_frequency

pytestmark = pytest.mark.peers


async def user_id(server: RunningServer, login: str) -> int:
    admin = await server.signed_in("admin")
    users = (await admin.http.get("/api/v1/admin/users", params={"q": login})).json()["items"]
    return int(next(u["id"] for u in users if u["login"] == login))


async def test_the_operator_consults_a_colleague_swaps_and_hands_the_caller_over(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    first = await hotline.signed_in("operator1")
    colleague = await hotline.signed_in("operator3")
    await operator_phone(hotline, first, "operator1", 1000)
    consultant_phone = await operator_phone(hotline, colleague, "operator3", 1500)
    operator3 = await user_id(hotline, "operator3")
    assert (
        await first.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    ).status_code == 200

    async def consult_state(events: Any) -> dict[str, Any]:
        data: dict[str, Any] = (await events.next_event("call.consultation_changed", timeout=15))["data"]
        return data

    async with first.events() as events:
        await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=14000)
        await events.next_event("call.connected", timeout=20)

        refusals = [
            ("/call/consult/swap", None, 409, "not_consulting"),
            ("/call/consult", {"user_id": await user_id(hotline, "operator1")}, 422, "validation_error"),
            ("/call/consult", {"user_id": 9999}, 404, "not_found"),
            ("/call/consult", {"number": "+74951112233"}, 422, "validation_error"),
            ("/call/consult", {"user_id": operator3, "number": "+74951112233"}, 422, "validation_error"),
            ("/call/consult/complete", {"mode": "transfer"}, 409, "not_consulting"),
        ]
        for path, body, status, code in refusals:
            response = await first.write("POST", f"/api/v1/operators/me{path}", json=body)
            assert (response.status_code, response.json()["code"]) == (status, code), path

        assert (
            await first.write("POST", "/api/v1/operators/me/call/consult", json={"user_id": operator3})
        ).is_success
        assert (await consult_state(events))["state"] == "ringing"
        talking = await consult_state(events)
        assert (talking["state"], talking["talking_to"], talking["consultant"]) == (
            "talking",
            "consultant",
            str(operator3),
        )
        for expected in ("caller", "consultant"):
            assert (await first.write("POST", "/api/v1/operators/me/call/consult/swap")).status_code == 204
            assert (await consult_state(events))["talking_to"] == expected
        done = await first.write(
            "POST", "/api/v1/operators/me/call/consult/complete", json={"mode": "transfer"}
        )
        assert done.status_code == 204
        assert (await consult_state(events))["state"] == "transferred"
        assert (await events.next_event("call.ended"))["data"]["cause"] == "transferred"
    assert (await first.http.get("/api/v1/operators/me/state")).json()["status"] == "wrap_up"

    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (record,) = await ended_calls(hotline)
    assert (record["status"], record["end_cause"]) == ("answered", "transferred")
    assert [leg["role"] for leg in record["legs"]] == ["caller", "operator", "consultant"]
    await consultant_phone.stop()
    heard = consultant_phone.heard()
    assert abs(dominant_frequency(heard[-8000 * 2 :]) - 440) < 15  # the consultant hears the caller
