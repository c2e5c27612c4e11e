"""An ended call is freed by reference counting once its transactions are over, with the collector
off: nothing of it is left in a reference cycle (a terminated transaction keeping its call's
callbacks, the 2xx resend scheduling itself, a session timer's callbacks, a re-INVITE handler)."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator

import pytest
from tests.integration.sip.conftest import StackFactory
from tests.support.garbage import collector_paused
from tests.support.polling import reading, until

from c122.telephony.sip import SipStack, TimerSettings
from c122.telephony.sip.sdp import Direction, make_offer
from c122.telephony.sip.session_timer import SessionTimerSettings

# 64·T1, how long a transaction outlives its call, is 0.64 s with these
QUICK = TimerSettings(t1=0.01, t2=0.04, t4=0.04)


@pytest.fixture
async def caller() -> AsyncIterator[SipStack]:
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, timers=QUICK)
    await stack.start()
    yield stack
    await stack.stop()


@pytest.mark.parametrize("session_expires", [None, "90;refresher=uas"])
async def test_an_ended_call_leaves_nothing_in_reference_cycles(
    make_stack: StackFactory, caller: SipStack, session_expires: str | None
) -> None:
    callee, log = await make_stack(timers=QUICK, session_timers=SessionTimerSettings(min_se=90))
    headers = {"Session-Expires": session_expires, "Supported": "timer"} if session_expires else None
    with collector_paused() as cycles:
        call = await caller.invite(
            f"sip:122@127.0.0.1:{callee.bound_ports['udp']}",
            from_uri="sip:79001234567@127.0.0.1",
            sdp=make_offer("127.0.0.1", 42000),
            headers=headers,
        )
        await call.answered(timeout=5)
        assert await call.reinvite(make_offer("127.0.0.1", 42000, direction=Direction.SENDONLY))
        [incoming] = log.calls
        assert (incoming.session_timer is not None) == (session_expires is not None)
        await call.hangup()
        await log.wait_ended(1)
        ours = [weakref.ref(call), weakref.ref(incoming)]
        log.calls.clear()
        log.events.clear()
        del call, incoming
        await until(reading(lambda: [ref() is None for ref in ours]), all, timeout=10)
    assert not cycles.left("c122."), cycles.explain("c122.")
