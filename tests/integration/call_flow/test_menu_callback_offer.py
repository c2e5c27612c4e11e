"""The IVR's callback-offer node on a real call: a SIPp caller who presses 1 at the offer is put on the
queue's callback list, hears the confirmation and is hung up; the call leaves a missed card saying so.
A caller who presses another key goes the declined way (here: the queue)."""

from __future__ import annotations

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    info_queue_id,
    route_main_line,
)
from tests.integration.call_flow.test_queue_and_desktop import callbacks_waiting
from tests.support.server import RunningServer

from c122.domain.users import CONSOLE

pytestmark = pytest.mark.peers


async def test_a_caller_who_accepts_the_offer_is_on_the_callback_list_and_hung_up(
    hotline: RunningServer, caller: HotlineCaller
) -> None:
    context = hotline.application.context
    await context.prompts.synthesise(
        CONSOLE, "test_offer", "Предложение", "Нажмите один, и мы вам перезвоним."
    )
    queue_id = await info_queue_id(hotline)
    flow = {
        "name": "test_callback_offer",
        "entry": "offer",
        "timezone": "Europe/Moscow",
        "nodes": {
            "offer": {
                "type": "callback_offer",
                "prompt": "test_offer",
                "queue": str(queue_id),
                "priority": 4,
                "timeout_s": 30,
                "declined": "queue",
            },
            "queue": {"type": "enqueue", "queue": str(queue_id)},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(hotline, "test_callback_offer")
    operator = await hotline.signed_in("operator1")

    await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=2500, wait_ms=30000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the hotline hung up after the confirmation
    (ended,) = await ended_calls(hotline)
    assert (ended["end_cause"], ended["queue_id"]) == ("callback_requested", None)
    assert await callbacks_waiting(hotline, queue_id) == 1
    card = (await operator.http.get(f"/api/v1/cases/by-call/{ended['id']}")).json()
    assert card["case"]["missed"] is True
    assert "звонящий заказал обратный звонок" in card["description"]

    # Another key declines: the caller goes on to the queue and stays until they hang up.
    await caller.call(hotline, "hotline_caller.xml", digits="2", listen_ms=2500, wait_ms=2500)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    (declined,) = [call for call in await ended_calls(hotline, count=2) if call["id"] != ended["id"]]
    assert declined["queue_id"] == queue_id
    assert declined["end_cause"] == "caller_hang_up"
