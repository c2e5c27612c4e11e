"""Waiting in the queue and the operator's desktop actions on a real call (SIPp caller, baresip phone)."""

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
from tests.support.server import RunningServer

from c122.telephony.media.analysis import dominant_frequency

pytestmark = pytest.mark.peers


async def callbacks_waiting(server: RunningServer, queue_id: int) -> int:
    senior = await server.signed_in("senior1")
    queue = (await senior.http.get(f"/api/v1/queues/{queue_id}")).json()
    return int(queue["callbacks_waiting"])


async def test_a_caller_who_keys_star_while_waiting_is_put_on_the_callback_list_and_hung_up(
    hotline: RunningServer, caller: HotlineCaller
) -> None:
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    # Nobody is on duty: the caller waits, hears the announcements and presses * to be called back.
    await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1*", listen_ms=2500, wait_ms=30000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the hotline hung up after confirming the callback
    (record,) = await ended_calls(hotline)
    assert record["status"] == "missed"
    assert record["end_cause"] == "callback_requested"
    assert await callbacks_waiting(hotline, queue_id) == 1


async def test_a_caller_who_hangs_up_after_waiting_is_on_the_callback_list(
    hotline: RunningServer, caller: HotlineCaller
) -> None:
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    admin = await hotline.signed_in("admin")
    async with admin.events() as events:
        await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=3000)
        await events.next_event("queue.updated", timeout=15)
        hotline.clock.advance(30)  # longer than the queue's short-abandon threshold
        code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (record,) = await ended_calls(hotline)
    assert (record["status"], record["end_cause"]) == ("missed", "caller_hang_up")
    assert await callbacks_waiting(hotline, queue_id) == 1


async def test_the_operator_holds_and_hangs_up_from_the_desktop(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    desk = await hotline.signed_in("operator1")
    assert (await desk.write("POST", "/api/v1/operators/me/call/hang-up")).json()["code"] == "no_call"
    await operator_phone(hotline, desk)
    assert (
        await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    ).status_code == 200
    async with desk.events() as events:
        await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=30000)
        await events.next_event("call.connected", timeout=20)
        assert (await desk.write("POST", "/api/v1/operators/me/call/hold")).status_code == 204
        held = await events.next_event("call.hold_changed")
        assert held["data"]["held"] is True
        hotline.clock.advance(4)
        assert (await desk.write("POST", "/api/v1/operators/me/call/unhold")).status_code == 204
        assert (await events.next_event("call.hold_changed"))["data"]["held"] is False
        assert (await desk.write("POST", "/api/v1/operators/me/call/hang-up")).status_code == 204
        ended = await events.next_event("call.ended")
        assert ended["data"]["cause"] == "operator_hang_up"
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the caller got the hotline's BYE
    (record,) = await ended_calls(hotline)
    assert (record["status"], record["end_cause"]) == ("answered", "operator_hang_up")
    assert record["hold_s"] == pytest.approx(4.0)
    assert (await desk.http.get("/api/v1/operators/me/state")).json()["status"] == "wrap_up"


async def test_the_operator_transfers_the_caller_to_another_groups_queue(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    queue_id = await info_queue_id(hotline)
    await put_menu_on_main_line(hotline, queue_id)
    admin = await hotline.signed_in("admin")
    queues = (await admin.http.get("/api/v1/admin/queues")).json()["items"]
    medical = next(q["id"] for q in queues if q["name"] == "Вызов врача и запись к врачу")
    first, second = await hotline.signed_in("operator1"), await hotline.signed_in("operator3")
    await operator_phone(hotline, first, "operator1", 1000)
    await operator_phone(hotline, second, "operator3", 1500)
    for desk in (first, second):
        assert (
            await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
        ).status_code == 200
    async with first.events() as mine, second.events() as theirs:
        await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=14000)
        await mine.next_event("call.connected", timeout=20)
        await asyncio.sleep(1.0)  # the first conversation: long enough to tell its tone in the recording
        refused = await first.write("POST", "/api/v1/operators/me/call/transfer", json={"queue_id": 999})
        assert refused.status_code == 404
        both = await first.write(
            "POST", "/api/v1/operators/me/call/transfer", json={"queue_id": 1, "number": "1"}
        )
        assert both.status_code == 422
        nowhere = await first.write(
            "POST", "/api/v1/operators/me/call/transfer", json={"number": "+74951112233"}
        )
        assert (nowhere.status_code, nowhere.json()["fields"][0]["code"]) == (422, "no_trunk")
        moved = await first.write("POST", "/api/v1/operators/me/call/transfer", json={"queue_id": medical})
        assert moved.status_code == 204
        assert (await mine.next_event("call.ended"))["data"]["cause"] == "transferred"
        offer = await theirs.next_event("call.offered", timeout=15)
        assert offer["data"]["offer"]["queue_id"] == medical
        await theirs.next_event("call.connected", timeout=15)
        await theirs.next_event("call.ended", timeout=30)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (record,) = await ended_calls(hotline)
    operator3 = next(u["id"] for u in (await admin.http.get("/api/v1/admin/users")).json()["items"]
                     if u["login"] == "operator3")  # fmt: skip
    assert (record["status"], record["queue_id"], record["operator_id"]) == ("answered", medical, operator3)
    assert [leg["role"] for leg in record["legs"]] == ["caller", "operator", "operator"]
    assert (await first.http.get("/api/v1/operators/me/state")).json()["status"] == "wrap_up"
    # Both conversations are in the call's recording, in the order of the record's operator legs: the
    # caller's 440 Hz on the left throughout, operator1's 1 kHz then operator3's 1.5 kHz on the right.
    operator1 = next(u["id"] for u in (await admin.http.get("/api/v1/admin/users")).json()["items"]
                     if u["login"] == "operator1")  # fmt: skip
    assert [leg["party"] for leg in record["legs"] if leg["role"] == "operator"] == [
        str(operator1),
        str(operator3),
    ]
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    left, right = stereo(audio.content)
    assert len(right) > 8000 * 3
    assert abs(dominant_frequency(left[4000:-4000]) - 440) < 15
    assert abs(dominant_frequency(right[2000:8000]) - 1000) < 15
    assert abs(dominant_frequency(right[-8000:-2000]) - 1500) < 15


async def test_a_seniors_forced_logout_ends_the_operators_call(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    desk = await hotline.signed_in("operator1")
    await operator_phone(hotline, desk)
    assert (
        await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})
    ).status_code == 200
    operator1 = (await desk.http.get("/api/v1/operators/me/state")).json()["user_id"]
    async with desk.events() as events:
        await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=30000)
        await events.next_event("call.connected", timeout=20)
    senior = await hotline.signed_in("senior1")
    assert (await senior.write("POST", f"/api/v1/operators/{operator1}/force-logout")).status_code == 200
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the caller got the hotline's BYE
    (record,) = await ended_calls(hotline)
    assert (record["status"], record["end_cause"]) == ("answered", "operator_logged_out")
