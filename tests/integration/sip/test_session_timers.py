"""Session timers between two stacks: we refresh when asked to, hang up when the caller does not."""

from __future__ import annotations

import pytest

from c122.telephony.sip import CallEnded, CallFailed, ReInvited, SipStack
from c122.telephony.sip.sdp import make_offer
from c122.telephony.sip.session_timer import SessionTimerSettings

SHORT = SessionTimerSettings(min_se=1)


@pytest.fixture
async def caller():
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None)
    await stack.start()
    yield stack
    await stack.stop()


async def place(caller: SipStack, callee: SipStack, session_expires: str):
    return await caller.invite(
        f"sip:122@127.0.0.1:{callee.bound_ports['udp']}",
        from_uri="sip:a@127.0.0.1",
        sdp=make_offer("127.0.0.1", 42000),
        headers={"Session-Expires": session_expires, "Supported": "timer"},
    )


async def test_as_refresher_we_send_a_refreshing_reinvite(make_stack, caller):
    callee, log = await make_stack(session_timers=SHORT)
    call = await place(caller, callee, "2;refresher=uas")
    await call.answered(timeout=5)
    async for event in call.events():
        if isinstance(event, ReInvited):
            break
    assert call.state == "confirmed"
    [incoming] = log.calls
    assert incoming.session_timer is not None
    assert incoming.session_timer.negotiated.refresher == "uas"
    await call.hangup()


async def test_when_the_caller_never_refreshes_we_end_the_call(make_stack, caller):
    callee, log = await make_stack(session_timers=SHORT)
    call = await place(caller, callee, "2;refresher=uac")
    await call.answered(timeout=5)
    events = [e async for e in call.events()]
    assert events[-1] == CallEnded("remote-bye")
    assert (await log.wait_ended(1))[0] == CallEnded("timeout", 408)


async def test_too_short_interval_gets_422_with_min_se(make_stack, caller):
    callee, _ = await make_stack(session_timers=SessionTimerSettings(min_se=90))
    call = await place(caller, callee, "30")
    with pytest.raises(CallFailed) as failure:
        await call.answered(timeout=5)
    assert failure.value.status == 422
