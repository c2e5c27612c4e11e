"""A call transferred to a colleague who takes calls in the browser (TEL-12, OPS-20): their desk is
rung like an offered call (`call.offered` naming who puts it through, a tone in their headset), a
decline gives the caller back to the operator who tried, an answer makes the call theirs — their desk
gets `call.connected` and holds and hangs up the call; the operator who transferred goes to wrap-up.

Operator 1 takes calls on a SIP phone (baresip); operator 2 in the "browser": an aiortc peer on the
real event socket (tests/integration/webrtc), as Chromium is the e2e suite's
(tests/e2e/test_call_cards.py)."""

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
from tests.integration.call_flow.test_consultation import user_id
from tests.integration.call_flow.test_inbound_call import stereo
from tests.integration.call_flow.test_recorded_consultation import segment_audio
from tests.integration.webrtc.conftest import Browser
from tests.support.polling import until
from tests.support.server import RunningServer

from c122.telephony.media.analysis import dominant_frequency

pytestmark = [pytest.mark.peers, pytest.mark.serial]  # frequencies per time range: timing-sensitive


async def test_a_transfer_rings_the_colleagues_desk_a_decline_gives_it_back_an_answer_makes_it_theirs(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    first, second = await hotline.signed_in("operator1"), await hotline.signed_in("operator2")
    await operator_phone(hotline, first, "operator1", 1000)
    operator1, operator2 = await user_id(hotline, "operator1"), await user_id(hotline, "operator2")
    async with first.events() as mine, second.events() as theirs:
        browser = Browser(theirs, 1500.0)
        try:
            await browser.connect()  # operator 2's browser leg, as the desk brings it up on shift
            ready = await first.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            assert ready.status_code == 200
            await caller.call(
                hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=40000
            )
            call_id = (await mine.next_event("call.connected", timeout=20))["data"]["call_id"]
            await asyncio.sleep(2.5)  # the first segment of the recording: the caller with operator 1
            # Operator 2 goes on duty only now, so the queue offers the caller to operator 1 alone.
            ready = await second.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
            assert ready.status_code == 200

            async def transfer() -> dict[str, Any]:
                sent = await first.write(
                    "POST", "/api/v1/operators/me/call/transfer", json={"user_id": operator2}
                )
                assert sent.status_code == 204, sent.text
                offer: dict[str, Any] = (await theirs.next_event("call.offered", timeout=10))["data"]
                return offer

            # Rung like an offer, naming who puts it through; declined, the caller is operator 1's again.
            offered = await transfer()
            assert offered["user_id"] == operator2
            assert offered["offer"]["call_id"] == call_id
            assert offered["offer"]["from_user_id"] == operator1
            assert offered["offer"]["caller"] == "+79161234567"
            not_yours = await first.write("POST", f"/api/v1/operators/me/transfers/{call_id}/answer")
            assert (not_yours.status_code, not_yours.json()["code"]) == (409, "no_call")
            unknown = await second.write("POST", "/api/v1/operators/me/transfers/call-nothing/answer")
            assert (unknown.status_code, unknown.json()["code"]) == (409, "no_call")
            assert (
                await second.write("POST", f"/api/v1/operators/me/transfers/{call_id}/decline")
            ).status_code == 204
            ended = (await theirs.next_event("call.ended", timeout=10))["data"]
            assert (ended["call_id"], ended["cause"]) == (call_id, "declined")
            states = []
            while "failed" not in states:
                states.append(
                    (await mine.next_event("call.consultation_changed", timeout=10))["data"]["state"]
                )
            assert states == ["ringing", "failed"]
            assert (await first.http.get("/api/v1/operators/me/state")).json()["status"] == "on_call"
            late = await second.write("POST", f"/api/v1/operators/me/transfers/{call_id}/answer")
            assert (late.status_code, late.json()["code"]) == (409, "no_call")

            # Answered: the call is operator 2's; operator 1 leaves it for wrap-up.
            await transfer()
            assert (
                await second.write("POST", f"/api/v1/operators/me/transfers/{call_id}/answer")
            ).status_code == 204
            connected = (await theirs.next_event("call.connected", timeout=10))["data"]
            assert (connected["call_id"], connected["caller"]) == (call_id, "+79161234567")
            assert (await mine.next_event("call.ended", timeout=10))["data"]["cause"] == "transferred"
            await browser.wait_heard(1.0)  # the caller's tone reaches operator 2's headset
            await asyncio.sleep(2.5)  # the recording's segment of the caller with operator 2
            assert (await first.write("POST", "/api/v1/operators/me/call/hold")).status_code == 409

            assert (await second.write("POST", "/api/v1/operators/me/call/hold")).status_code == 204
            held = (await theirs.next_event("call.hold_changed", timeout=10))["data"]
            assert (held["call_id"], held["held"]) == (call_id, True)
            assert (await second.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
            over = (await theirs.next_event("call.ended", timeout=10))["data"]
            assert (over["call_id"], over["cause"]) == (call_id, "operator_hang_up")
        finally:
            await browser.close_peer()
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the caller got the hotline's BYE from operator 2's hang-up
    (record,) = await ended_calls(hotline)
    assert (record["status"], record["operator_id"], record["end_cause"]) == (
        "answered",
        operator2,
        "transferred",
    )
    # The recording: the caller with operator 1 (1 kHz right), again after the decline (one segment
    # with the first when no time passed between them on the test's clock), then with operator 2 at
    # their desk (the browser leg's 1.5 kHz right), each a segment naming who was in it.
    segments = record["recording_segments"]
    roles = [[p["role"] for p in s["parties"]] for s in segments]
    assert roles[-1] == ["caller", "consultant"]
    assert roles[:-1] in ([["caller", "operator"]], [["caller", "operator"]] * 2)
    assert segments[-1]["parties"][1]["party"] == str(operator2)
    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    left, right = stereo(audio.content)
    for segment, tone in ((segments[0], 1000), (segments[-1], 1500)):
        segment_left, segment_right = segment_audio(segment, left, right)
        assert abs(dominant_frequency(segment_left) - 440) < 15, segment
        assert abs(dominant_frequency(segment_right) - tone) < 15, segment
    # Let go at the call's end with a wrap-up that is already over: ready at the ACD's next tick.
    state = await until(lambda: second.http.get("/api/v1/operators/me/state"), is_ready, 10)
    assert state.json()["status"] == "ready"
    assert (await first.http.get("/api/v1/operators/me/state")).json()["status"] == "wrap_up"


def is_ready(answer: Any) -> bool:
    return bool(answer.json()["status"] == "ready")
