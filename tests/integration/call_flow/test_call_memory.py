"""A whole call (menu, queue, an operator's SIP phone, recording, record stored) leaves nothing of the
call flow or of call control in reference cycles once it has ended: the call's actor, its
consultation and conference, its channels and their SIP signalling are freed by reference counting.
(The SIP stack's own objects outlive the call by 64·T1 and are checked in tests/integration/sip.)"""

from __future__ import annotations

import pytest
from tests.integration.call_flow.conftest import (
    HotlineCaller,
    ended_calls,
    operator_ready_for_the_menu,
)
from tests.support.garbage import collector_paused
from tests.support.polling import reading, until
from tests.support.server import RunningServer

pytestmark = pytest.mark.peers

CALL_PARTS = ("c122.services.call_flow", "c122.services.contact_center", "c122.telephony.control")


async def test_an_answered_call_leaves_nothing_for_the_cycle_collector(
    hotline: RunningServer, caller: HotlineCaller, operator_phone: object
) -> None:
    _queue_id, desk, _phone = await operator_ready_for_the_menu(hotline, operator_phone)  # type: ignore[arg-type]

    with collector_paused() as cycles:
        async with desk.events() as events:
            await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=6000)
            await events.next_event("call.connected", timeout=15)
            await events.next_event("call.ended", timeout=20)
        code, output = await caller.finish()
        assert code == 0, output[-3000:]
        (record,) = await ended_calls(hotline)
        assert record["has_recording"] is True
        call_flow = hotline.application.context.call_flow
        assert call_flow is not None
        await until(reading(call_flow.active_calls), lambda calls: calls == 0)  # its actor has finished
    assert not cycles.left(*CALL_PARTS), cycles.explain(*CALL_PARTS)
