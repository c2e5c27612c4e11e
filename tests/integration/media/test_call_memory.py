"""A channel and its SIP signalling are freed by reference counting once the call has ended and its
transactions are over, with the collector off: the channel and its signalling point at each other
only while the call lasts, and an ended SIP call no longer holds its re-INVITE handler."""

from __future__ import annotations

import random
import weakref
from collections.abc import AsyncIterator

import pytest
from tests.integration.sip.conftest import answer_at_once
from tests.support.garbage import collector_paused
from tests.support.polling import reading, until

from c122.telephony.control import CallControl, ChannelAnswered, ChannelHungUp
from c122.telephony.control.events import ControlEvent
from c122.telephony.control.sip_gateway import SipGateway
from c122.telephony.media.engine import MediaEngine
from c122.telephony.sip import SipStack, TimerSettings
from c122.telephony.sip.sdp import make_offer

QUICK = TimerSettings(t1=0.01, t2=0.04, t4=0.04)  # transactions outlive their call by 0.64 s


@pytest.fixture
async def hotline() -> AsyncIterator[tuple[CallControl, SipStack, list[ControlEvent]]]:
    base = random.randrange(30000, 44000, 2)
    engine = MediaEngine(bind_host="127.0.0.1", port_min=base, port_max=base + 20)
    await engine.start()
    control = CallControl(engine, media_timeout=None)
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, timers=QUICK)
    SipGateway(stack, control, "hotline.test")
    events: list[ControlEvent] = []
    control.subscribe(events.append)
    await stack.start()
    yield control, stack, events
    await stack.stop()
    await engine.stop()


@pytest.fixture
async def peer() -> AsyncIterator[SipStack]:
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, timers=QUICK, on_incoming_call=answer_at_once)
    await stack.start()
    yield stack
    await stack.stop()


async def test_channels_of_both_directions_are_freed_when_their_calls_end(
    hotline: tuple[CallControl, SipStack, list[ControlEvent]], peer: SipStack
) -> None:
    control, stack, events = hotline
    with collector_paused() as cycles:
        outbound = await control.originate(f"sip:122@127.0.0.1:{peer.bound_ports['udp']}", "122")
        await until(reading(lambda: events), lambda seen: any(isinstance(e, ChannelAnswered) for e in seen))
        incoming_call = await peer.invite(
            f"sip:122@127.0.0.1:{stack.bound_ports['udp']}",
            from_uri="sip:79001234567@127.0.0.1",
            sdp=make_offer("127.0.0.1", 42000),
        )
        await until(reading(lambda: control.channels), lambda channels: len(channels) == 2)
        inbound = next(channel for channel in control.channels if channel is not outbound)
        await inbound.answer()
        await incoming_call.answered(timeout=5)
        await outbound.hangup()
        await incoming_call.hangup()
        await until(
            reading(lambda: events), lambda seen: sum(isinstance(e, ChannelHungUp) for e in seen) == 2
        )
        channels = [weakref.ref(outbound), weakref.ref(inbound)]
        del outbound, inbound, incoming_call
        events.clear()
        await until(reading(lambda: [ref() is None for ref in channels]), all, timeout=10)
    assert not cycles.left("c122."), cycles.explain("c122.")
