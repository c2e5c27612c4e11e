"""A desk acts the moment its operator answers: the ACD's accept shows the conversation on the desk while
the call may still be storing it (hundreds of milliseconds on a busy node; here the call is held back
on purpose before it takes the operator up). A conference asked then waits for the call and starts
(201) instead of being refused with 409 `no_call`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tests.integration.call_flow.conftest import HotlineCaller, info_queue_id, put_menu_on_main_line
from tests.support.polling import until
from tests.support.server import RunningServer

from c122.services.call_flow.actor import CallActor

pytestmark = [pytest.mark.peers]
CONF = "/api/v1/operators/me/conference"
TAKE_UP_DELAY_S = 0.8  # well inside the service's wait (3 s), far longer than a desk's request


async def test_a_conference_asked_as_the_acd_connects_waits_for_the_call(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    take_operator = CallActor._take_operator
    delayed: list[int] = []

    async def late_take_operator(self: CallActor, user_id: int) -> str | None:
        delayed.append(user_id)
        await asyncio.sleep(TAKE_UP_DELAY_S)
        return await take_operator(self, user_id)

    monkeypatch.setattr(CallActor, "_take_operator", late_take_operator)
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    desk = await hotline.signed_in("operator1")
    await operator_phone(hotline, desk, "operator1", 1000)

    async def state() -> str:
        found: str = (await desk.http.get("/api/v1/operators/me/state")).json()["status"]
        return found

    assert (await desk.write("PUT", "/api/v1/operators/me/state", json={"status": "ready"})).is_success
    await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=30000)
    await until(state, lambda status: status == "on_call", timeout=20)  # the call is being held back

    started = await desk.write("POST", CONF)
    assert started.status_code == 201, started.text
    assert delayed  # it went through the held-back path
    conference = (await desk.http.get(CONF)).json()
    assert conference is not None
    assert conference["call_id"] == started.json()["call_id"]
