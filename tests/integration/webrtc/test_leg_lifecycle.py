"""A leg's life without the HTTP server: the product's media engine, call control and legs, and an
aiortc peer as the browser, with short timers so that abandoned and failed legs are seen to close."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from tests.integration.webrtc.conftest import ToneTrack

from c122.services.phones.softphone import RtcLegState, RtcNotice, RtcOffer, RtcStateChange
from c122.telephony.control import CallControl, ChannelHungUp, ChannelState, ControlEvent
from c122.telephony.media.engine import MediaEngine
from c122.telephony.webrtc import IceSettings, LegStateChanged, OperatorLegs, WebRtcSettings

USER = 7


@dataclass
class Desktop:
    """The notices one desktop connection received."""

    notices: list[RtcNotice] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, notice: RtcNotice) -> bool:
        self.notices.append(notice)
        self.arrived.set()
        return True

    async def next_offer(self) -> RtcOffer:
        async with asyncio.timeout(10):
            while True:
                offers = [n for n in self.notices if isinstance(n, RtcOffer)]
                if offers:
                    self.notices.remove(offers[0])
                    return offers[0]
                self.arrived.clear()
                await self.arrived.wait()


@dataclass
class Legs:
    control: CallControl
    legs: OperatorLegs
    changes: list[LegStateChanged]
    events: list[ControlEvent]
    changed: asyncio.Event

    async def wait_state(self, state: RtcLegState, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not any(c.state is state for c in self.changes):
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
async def legs() -> AsyncIterator[Legs]:
    base = random.randrange(30000, 44000, 2)
    engine = MediaEngine(bind_host="127.0.0.1", port_min=base, port_max=base + 100)
    await engine.start()
    control = CallControl(engine, media_timeout=None)
    settings = WebRtcSettings(
        ice=IceSettings(host_addresses=("127.0.0.1",)), restart_grace_s=0.5, connect_timeout_s=1.0
    )
    operator_legs = OperatorLegs(control, settings)
    changes: list[LegStateChanged] = []
    events: list[ControlEvent] = []
    changed = asyncio.Event()

    def on_change(change: LegStateChanged) -> None:
        changes.append(change)
        changed.set()

    operator_legs.subscribe(on_change)
    control.subscribe(events.append)
    try:
        yield Legs(control, operator_legs, changes, events, changed)
    finally:
        await operator_legs.close()
        await engine.stop()


async def _answer(offer: RtcOffer) -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTrack(ToneTrack(1000.0))
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    return pc, pc.localDescription.sdp


async def test_a_leg_whose_desktop_does_not_come_back_closes_after_the_grace_period(legs: Legs) -> None:
    desktop = Desktop()
    await legs.legs.start(USER, None, desktop)
    offer = await desktop.next_offer()
    pc, sdp = await _answer(offer)
    try:
        await legs.legs.answer(USER, offer.leg, sdp, desktop)
        await legs.wait_state(RtcLegState.CONNECTED)
        channel = legs.legs.channel_for(USER)
        assert channel is not None
        assert channel.state is ChannelState.UP
        assert channel.direction == "outbound"  # placed by the server: never taken for a caller

        legs.legs.detach(USER, desktop)  # the desktop's socket has gone
        await legs.wait_state(RtcLegState.CLOSED)
        assert legs.legs.channel_for(USER) is None
        assert any(isinstance(e, ChannelHungUp) and e.channel_id == offer.leg for e in legs.events)
    finally:
        await pc.close()


async def test_an_answer_that_never_connects_fails_the_leg_which_then_closes(legs: Legs) -> None:
    desktop = Desktop()
    await legs.legs.start(USER, None, desktop)
    offer = await desktop.next_offer()
    pc, sdp = await _answer(offer)
    await pc.close()  # the browser is gone before ICE could complete
    await legs.legs.answer(USER, offer.leg, sdp, desktop)
    await legs.wait_state(RtcLegState.FAILED)
    assert RtcStateChange(offer.leg, RtcLegState.FAILED) in desktop.notices
    await legs.wait_state(RtcLegState.CLOSED)
    assert legs.legs.channel_for(USER) is None
    assert offer.leg not in {c.id for c in legs.control.channels}


async def test_a_restart_in_time_keeps_a_failed_leg(legs: Legs) -> None:
    desktop = Desktop()
    await legs.legs.start(USER, None, desktop)
    offer = await desktop.next_offer()
    pc, sdp = await _answer(offer)
    await pc.close()
    await legs.legs.answer(USER, offer.leg, sdp, desktop)
    await legs.wait_state(RtcLegState.FAILED)
    await legs.legs.restart(USER, offer.leg, desktop)  # within the grace period
    fresh = await desktop.next_offer()
    assert fresh.leg == offer.leg
    pc, sdp = await _answer(fresh)
    try:
        await legs.legs.answer(USER, fresh.leg, sdp, desktop)
        await legs.wait_state(RtcLegState.CONNECTED)
        assert legs.legs.is_connected(USER)
        assert not any(c.state is RtcLegState.CLOSED for c in legs.changes)
    finally:
        await pc.close()
