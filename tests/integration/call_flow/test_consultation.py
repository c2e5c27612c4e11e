"""Consultation (TEL-17, OPS-20) between two operators' SIP phones (baresip) while a SIPp caller waits:
refusals, a consultation cancelled, then one swapped back and forth and completed as a transfer; the
consultant ends up talking to the caller with the call's card, and the call record keeps all three
legs. The colleague takes no offers while a consultation holds them, and nobody else can reach them
meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.integration.call_flow.test_inbound_call import stereo
from tests.support.polling import until
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
    for operator in (first, colleague):
        assert (
            await operator.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        ).status_code == 200
    other = await hotline.signed_in("operator2")

    async def colleague_status() -> str:
        status: str = (await colleague.http.get("/api/v1/operators/me/state")).json()["status"]
        return status

    async def consult_state(events: Any) -> dict[str, Any]:
        data: dict[str, Any] = (await events.next_event("call.consultation_changed", timeout=15))["data"]
        return data

    async with first.events() as events:
        await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=14000)
        await events.next_event("call.connected", timeout=20)
        # Caller and operator talk a while: the recording's first segment is theirs for over a second
        # (nothing is recorded while a consultant rings, and the consultation itself is quick here).
        await asyncio.sleep(1.5)

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

        # A consultation cancelled: the colleague is held while it lasts and free again after it.
        assert (
            await first.write("POST", "/api/v1/operators/me/call/consult", json={"user_id": operator3})
        ).is_success
        assert (await consult_state(events))["state"] == "ringing"
        assert (await consult_state(events))["state"] == "talking"
        assert await colleague_status() == "on_call"
        assert (await first.write("POST", "/api/v1/operators/me/call/consult/cancel")).status_code == 204
        assert (await consult_state(events))["state"] == "ended"
        await until(colleague_status, lambda status: status == "ready")

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
        busy = await other.write("POST", "/api/v1/operators/me/calls", json={"user_id": operator3})
        assert (busy.status_code, busy.json()["code"]) == (409, "colleague_busy")
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

    assert await colleague_status() == "on_call"  # talking to the caller now

    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    await until(colleague_status, lambda status: status == "ready")  # the call let them go
    (record,) = await ended_calls(hotline)
    assert (record["status"], record["end_cause"]) == ("answered", "transferred")
    # The cancelled consultation and the completed one: each reached the colleague.
    assert [leg["role"] for leg in record["legs"]] == ["caller", "operator", "consultant", "consultant"]
    # The call's card went with it to the colleague (of another group), who now has it (OPS-20).
    card = (await colleague.http.get(f"/api/v1/cases/by-call/{record['id']}")).json()
    assert card["case"]["operator_id"] == operator3
    assert [(h["kind"], h["to_user_id"]) for h in card["handovers"]] == [
        ("answered", await user_id(hotline, "operator1")),
        ("consulted", operator3),
    ]
    await consultant_phone.stop()
    heard = consultant_phone.heard()
    assert abs(dominant_frequency(heard[-8000 * 2 :]) - 440) < 15  # the consultant hears the caller
    # The recording holds the caller's talk with operator1 (1 kHz on the right), then, appended as its
    # next segment, the caller's talk with the consultant they were handed to (1.5 kHz): the record's
    # operator leg, then its last consultant leg.
    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    left, right = stereo(audio.content)
    assert abs(dominant_frequency(right[2000:8000]) - 1000) < 15
    assert abs(dominant_frequency(right[-8000:-2000]) - 1500) < 15
    assert abs(dominant_frequency(left[-8000:-2000]) - 440) < 15
