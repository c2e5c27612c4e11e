"""Calls from SIPp reach the stack through Kamailio acting as a record-routing proxy."""

from __future__ import annotations

import pytest

from c122.telephony.sip import Answered, IncomingCall
from c122.telephony.sip.sdp import answer_offer

pytestmark = pytest.mark.peers


async def test_calls_through_a_record_routing_proxy_complete_and_bye_follows_the_route(
    make_stack, sipp, kamailio
):
    stack, log = await make_stack()
    proxy_port = await kamailio.start(stack.bound_ports["udp"])
    calls = 5
    result = await sipp.run(["-sn", "uac", "-m", str(calls), "-r", "10", f"127.0.0.1:{proxy_port}"])
    assert result.returncode == 0, result.output + result.errors
    ended = await log.wait_ended(calls)
    assert [e.reason for e in ended] == ["remote-bye"] * calls
    for call in log.calls:
        assert call.dialog is not None
        assert len(call.dialog.route_set) == 1
        assert f":{proxy_port}" in call.dialog.route_set[0]


async def test_our_bye_through_the_proxy_uses_the_recorded_route(make_stack, sipp, kamailio):
    async def answer_then_hang_up(call: IncomingCall) -> None:
        assert call.offer is not None
        await call.answer(answer_offer(call.offer, "127.0.0.1", 40000))
        async for event in call.events():
            if isinstance(event, Answered):
                await call.hangup()

    stack, log = await make_stack(answer_then_hang_up)
    proxy_port = await kamailio.start(stack.bound_ports["udp"])
    result = await sipp.run(
        ["-sf", sipp.scenario("uac_remote_bye.xml"), "-m", "3", f"127.0.0.1:{proxy_port}"]
    )
    assert result.returncode == 0, result.output + result.errors
    ended = await log.wait_ended(3)
    assert [e.reason for e in ended] == ["local-bye"] * 3
    assert all(c.dialog is not None and c.dialog.destination().port == proxy_port for c in log.calls)
