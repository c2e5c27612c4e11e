"""Our UAC against our UAS over loopback: the in-dialog operations call control relies on."""

from __future__ import annotations

import asyncio
import socket

import pytest

from c122.telephony.sip import (
    Answered,
    CallEnded,
    CallFailed,
    Dtmf,
    IncomingCall,
    ReInvited,
    Ringing,
    SipStack,
    TimerSettings,
)
from c122.telephony.sip.sdp import Direction, answer_offer, make_offer


@pytest.fixture
async def caller():
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=0)
    await stack.start()
    yield stack
    await stack.stop()


async def call_to(caller: SipStack, callee: SipStack, transport: str = "udp"):
    port = callee.bound_ports[transport]
    return await caller.invite(
        f"sip:122@127.0.0.1:{port}",
        from_uri="sip:79001234567@127.0.0.1",
        from_display="Иван",
        sdp=make_offer("127.0.0.1", 42000),
        transport=transport,
    )


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_call_is_answered_then_hold_dtmf_and_bye_reach_the_callee(make_stack, caller, transport):
    stack, log = await make_stack()
    call = await call_to(caller, stack, transport)
    answer = await call.answered(timeout=5)
    assert answer is not None
    assert answer.audio is not None
    assert answer.audio.port == 40000
    [incoming] = log.calls
    assert (incoming.caller, incoming.called, incoming.caller_display) == ("79001234567", "122", "Иван")

    hold = make_offer("127.0.0.1", 42000, direction=Direction.SENDONLY)
    held = await call.reinvite(hold)
    assert held is not None
    assert held.audio is not None
    assert held.audio.direction is Direction.RECVONLY
    await call.send_dtmf("7", 200)
    await call.hangup()

    await log.wait_ended(1)
    events = log.events[incoming.call_id]
    assert [type(e) for e in events] == [Answered, ReInvited, Dtmf, CallEnded]
    assert events[2] == Dtmf("7", 200)
    assert events[3] == CallEnded("remote-bye")


async def test_callee_hangs_up_and_the_caller_sees_remote_bye(make_stack, caller):
    async def answer_and_leave(call: IncomingCall) -> None:
        assert call.offer is not None
        await call.answer(answer_offer(call.offer, "127.0.0.1", 40000))
        async for event in call.events():
            if isinstance(event, Answered):
                await call.hangup()

    stack, log = await make_stack(answer_and_leave)
    call = await call_to(caller, stack)
    events = [e async for e in call.events()]
    assert [type(e) for e in events] == [Answered, CallEnded]
    assert events[-1] == CallEnded("remote-bye")
    assert (await log.wait_ended(1))[0].reason == "local-bye"


async def test_early_media_and_rejection_are_reported_to_the_caller(make_stack, caller):
    async def ring_then_busy(call: IncomingCall) -> None:
        assert call.offer is not None
        await call.ringing(answer_offer(call.offer, "127.0.0.1", 40000))
        await call.reject(486)

    stack, _ = await make_stack(ring_then_busy)
    call = await call_to(caller, stack)
    with pytest.raises(CallFailed) as failure:
        await call.answered(timeout=5)
    assert failure.value.status == 486
    events = [e async for e in call.events()]
    assert isinstance(events[0], Ringing)
    assert events[0].status == 183
    assert events[0].sdp is not None
    assert events[-1] == CallEnded("rejected", 486)


async def test_caller_cancels_while_it_rings(make_stack, caller):
    ringing = asyncio.Event()

    async def ring(call: IncomingCall) -> None:
        await call.ringing()
        ringing.set()

    stack, log = await make_stack(ring)
    call = await call_to(caller, stack)
    async for event in call.events():
        if isinstance(event, Ringing):
            await call.hangup()
        if isinstance(event, CallEnded):
            assert event == CallEnded("cancelled", 487)
    assert (await log.wait_ended(1))[0] == CallEnded("cancelled", 487)
    with pytest.raises(CallFailed):
        await call.answered(timeout=1)


async def test_options_is_answered_with_allow_and_health_reports_up(make_stack, caller):
    from c122.telephony.sip.message import Headers, SipRequest
    from c122.telephony.sip.transaction import new_branch

    stack, _ = await make_stack()
    port = stack.bound_ports["udp"]
    headers = Headers(
        [
            ("Via", f"SIP/2.0/UDP 127.0.0.1:{caller.bound_ports['udp']};branch={new_branch()};rport"),
            ("Max-Forwards", "70"),
            ("From", "<sip:probe@127.0.0.1>;tag=p1"),
            ("To", f"<sip:127.0.0.1:{port}>"),
            ("Call-ID", "options-probe"),
            ("CSeq", "1 OPTIONS"),
        ]
    )
    response = await caller.send_request(SipRequest("OPTIONS", f"sip:127.0.0.1:{port}", headers))
    assert response.status == 200
    assert "INVITE" in (response.headers.get("Allow") or "")
    assert stack.health().status == "up"
    assert stack.health().as_dict()["transports"] == {"udp": True, "tcp": True}
    await stack.stop()
    assert stack.health().status == "down"


async def test_a_call_to_a_peer_that_never_answers_times_out_with_408():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))  # receives our INVITEs and never answers
        stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, timers=TimerSettings(t1=0.01, t2=0.04))
        await stack.start()
        try:
            call = await stack.invite(f"sip:x@127.0.0.1:{sink.getsockname()[1]}", from_uri="sip:a@127.0.0.1")
            with pytest.raises(CallFailed) as failure:
                await call.answered(timeout=5)
            assert failure.value.status == 408
            assert call.end_event == CallEnded("timeout", 408)
        finally:
            await stack.stop()


async def test_an_invite_too_big_for_udp_goes_over_tcp(make_stack, caller):
    stack, log = await make_stack()
    offer = make_offer("127.0.0.1", 42000)
    assert offer.audio is not None
    offer.audio.attributes.extend(("x-padding", "p" * 60) for _ in range(25))  # ~1.7 kB of SDP
    call = await caller.invite(
        f"sip:122@127.0.0.1:{stack.bound_ports['udp']}",
        from_uri="sip:a@127.0.0.1",
        sdp=offer,
        transport="udp",
    )
    await call.answered(timeout=5)
    [incoming] = log.calls
    assert incoming.dialog is not None
    assert incoming.dialog.transport == "tcp"
    assert call.request.top_via.transport == "TCP"
    await call.hangup()
    assert (await log.wait_ended(1))[0].reason == "remote-bye"
