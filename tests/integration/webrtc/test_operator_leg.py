"""The operator's persistent browser leg, end to end: signalling over the real event WebSocket,
ICE/DTLS-SRTP to aiortc in the server, plain RTP through the media engine to a real SIP phone.

Audio is checked, not assumed: the "browser" sends 1 kHz, the phone 440 Hz, and both what the
browser heard and the server's call recording are analysed.
"""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np
import pytest
from tests.integration.webrtc.conftest import Baresip, SippEcho
from tests.support.server import Desk, RunningServer

from c122.telephony.control import (
    BridgeKind,
    Channel,
    ChannelAnswered,
    ChannelDtmf,
    ChannelHungUp,
    ChannelState,
    ControlEvent,
)
from c122.telephony.media.analysis import dominant_frequency
from c122.telephony.runtime import Telephony

pytestmark = pytest.mark.peers


def _telephony(server: RunningServer) -> Telephony:
    telephony = server.application.telephony
    assert telephony is not None
    return telephony


def _stereo(path: str) -> np.ndarray:
    with wave.open(path, "rb") as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)


async def _call_phone(telephony: Telephony, phone: Baresip | SippEcho) -> Channel:
    """The far party: an outbound SIP leg to the phone, once it has answered."""
    answered = asyncio.Event()
    placed: list[str] = []

    def on_event(event: ControlEvent) -> None:
        if isinstance(event, ChannelAnswered) and event.channel_id in placed:
            answered.set()

    telephony.control.subscribe(on_event)
    channel = await telephony.control.originate(phone.uri, "122")
    placed.append(channel.id)
    if channel.state is not ChannelState.UP:
        await asyncio.wait_for(answered.wait(), 10)
    return channel


async def _my_id(desk: Desk) -> int:
    return int((await desk.http.get("/api/v1/me")).json()["id"])


async def test_the_browser_and_a_sip_phone_bridged_on_the_operator_leg_hear_each_other(
    webrtc_server: RunningServer, browsers, baresip, tmp_path: Path
) -> None:
    telephony = _telephony(webrtc_server)
    phone = await baresip(440)
    desk = await webrtc_server.signed_in("operator1")
    async with desk.events() as events:
        browser = browsers(events, 1000.0)
        leg_id = await browser.connect()
        legs = telephony.operator_legs
        me = await _my_id(desk)
        operator = legs.channel_for(me)
        assert operator is not None
        assert operator.id == leg_id
        assert operator.state is ChannelState.UP
        assert legs.is_connected(me)
        async with webrtc_server.client() as client:
            media = (await client.get("/api/v1/health")).json()["components"]["media"]
        assert "browser legs: 1 connected" in media["detail"], media

        caller = await _call_phone(telephony, phone)
        bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
        await bridge.add(caller)
        await bridge.add(operator)
        recording = await telephony.control.record(str(tmp_path / "call.wav"), caller, operator)
        await browser.wait_heard(2.0)
        finished = await recording.stop()
        await caller.hangup()
        await phone.stop()

    stereo = _stereo(finished.path)
    assert abs(dominant_frequency(stereo[4000:, 0]) - 440.0) < 3.0  # the caller, left
    assert abs(dominant_frequency(stereo[4000:, 1]) - 1000.0) < 3.0  # the operator's browser, right
    assert abs(dominant_frequency(browser.audio()[-8000:]) - 440.0) < 3.0  # the browser heard the phone
    assert abs(dominant_frequency(phone.heard()[-8000:]) - 1000.0) < 3.0  # the phone heard the browser


async def test_after_the_websocket_drops_a_new_rtc_start_renegotiates_the_same_leg_and_audio_continues(
    webrtc_server: RunningServer, browsers, baresip, tmp_path: Path
) -> None:
    telephony = _telephony(webrtc_server)
    gone: list[ChannelHungUp] = []
    telephony.control.subscribe(lambda e: gone.append(e) if isinstance(e, ChannelHungUp) else None)
    phone = await baresip(440)
    desk = await webrtc_server.signed_in("operator1")
    async with desk.events() as events:
        first = browsers(events, 1000.0)
        leg_id = await first.connect()
        operator = telephony.operator_legs.channel_for(await _my_id(desk))
        assert operator is not None
        caller = await _call_phone(telephony, phone)
        bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
        await bridge.add(caller)
        await bridge.add(operator)
        await first.wait_heard(1.0)
    # The blip: the socket is gone and so is the browser's peer connection (a network change).
    await first.close_peer()
    recording = await telephony.control.record(str(tmp_path / "after.wav"), caller, operator)
    async with desk.events() as events:
        second = browsers(events, 1000.0)
        await second.send({"kind": "rtc.start"})
        offer = await second.expect("rtc.offer")
        assert offer["leg"] == leg_id  # the same leg, renegotiated
        await second.answer(offer)
        await second.expect("rtc.state", leg=leg_id, state="connected", timeout=20)
        await second.wait_heard(2.0)
        finished = await recording.stop()
        assert telephony.operator_legs.channel_for(await _my_id(desk)) is operator
    assert operator.state is ChannelState.UP
    assert caller.state is ChannelState.UP
    assert not gone, gone  # nobody was hung up by the blip
    await caller.hangup()
    await phone.stop()
    stereo = _stereo(finished.path)
    assert abs(dominant_frequency(stereo[-8000:, 1]) - 1000.0) < 3.0  # the operator is heard again
    assert abs(dominant_frequency(second.audio()[-8000:]) - 440.0) < 3.0  # and hears the caller again


async def test_rtc_restart_gives_a_fresh_offer_for_the_same_leg(
    webrtc_server: RunningServer, browsers
) -> None:
    desk = await webrtc_server.signed_in("operator1")
    async with desk.events() as events:
        browser = browsers(events)
        leg_id = await browser.connect(codecs=["PCMA", "PCMU"])
        await browser.send({"kind": "rtc.restart", "leg": leg_id})
        offer = await browser.expect("rtc.offer")
        assert offer["leg"] == leg_id
        assert "a=rtpmap:8 PCMA/8000" in offer["sdp"]
        audio = offer["sdp"].split("m=audio ", 1)[1].split("\r\n", 1)[0]
        assert audio.split()[2:] == ["8", "0"]  # the operator's order: PCMA, then PCMU
        await browser.answer(offer)
        await browser.expect("rtc.state", leg=leg_id, state="connected", timeout=20)


async def test_a_digit_from_the_browser_reaches_the_far_party_as_rfc4733(
    webrtc_server: RunningServer, browsers, sipp_echo
) -> None:
    telephony = _telephony(webrtc_server)
    digits: list[ChannelDtmf] = []
    telephony.control.subscribe(lambda e: digits.append(e) if isinstance(e, ChannelDtmf) else None)
    echo = await sipp_echo()
    desk = await webrtc_server.signed_in("operator1")
    async with desk.events() as events:
        browser = browsers(events)
        leg_id = await browser.connect()
        operator = telephony.operator_legs.channel_for(await _my_id(desk))
        assert operator is not None
        far = await _call_phone(telephony, echo)
        bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
        await bridge.add(far)
        await bridge.add(operator)
        await browser.wait_heard(0.5)  # the echo carries the browser's own tone back
        await browser.send({"kind": "rtc.dtmf", "leg": leg_id, "digit": "5"})
        # SIPp echoes our RFC 4733 packets, so the engine receives the digit back on the far leg.
        async with asyncio.timeout(5):
            while not any(d.channel_id == far.id for d in digits):
                await browser.wait_heard(0.1)
        await far.hangup()
    assert [(d.digit, d.method) for d in digits if d.channel_id == far.id] == [("5", "rfc4733")]
    assert abs(dominant_frequency(browser.audio()[-4000:]) - 1000.0) < 3.0


async def test_malformed_unknown_and_out_of_order_messages_get_clear_errors_and_no_leg_gets_stuck(
    webrtc_server: RunningServer, browsers
) -> None:
    telephony = _telephony(webrtc_server)
    desk = await webrtc_server.signed_in("operator1")
    me = await _my_id(desk)
    async with desk.events() as events:
        browser = browsers(events)
        await browser.send({"kind": "rtc.answer", "leg": "ch-unknown", "sdp": "v=0"})
        assert (await browser.expect("error"))["code"] == "rtc_unknown_leg"
        await browser.send({"kind": "rtc.restart", "leg": "ch-unknown"})
        assert (await browser.expect("error"))["code"] == "rtc_unknown_leg"
        await browser.send({"kind": "rtc.start", "codecs": ["G729"]})
        refused = await browser.expect("error")
        assert refused["code"] == "invalid_message"
        assert "codecs" in refused["message"]
        await browser.send({"kind": "rtc.stop", "leg": "x" * 2000})
        assert (await browser.expect("error"))["code"] == "message_too_large"

        await browser.send({"kind": "rtc.start"})
        offer = await browser.expect("rtc.offer")
        leg_id = offer["leg"]
        await browser.send({"kind": "rtc.dtmf", "leg": leg_id, "digit": "x"})
        assert (await browser.expect("error"))["code"] == "invalid_message"
        await browser.send({"kind": "rtc.answer", "leg": leg_id, "sdp": "v=0\r\nnot an answer"})
        bad = await browser.expect("error")
        assert bad["code"] == "rtc_bad_sdp"
        assert "m=audio" in bad["message"]
        fresh = await browser.expect("rtc.offer")  # the leg is not stuck: a new offer follows
        assert fresh["leg"] == leg_id
        assert fresh["sdp"] != offer["sdp"]
        await browser.answer(fresh)
        await browser.expect("rtc.state", leg=leg_id, state="connected", timeout=20)
        assert telephony.operator_legs.is_connected(me)

        late = await browser.answer(fresh, send=False)
        await browser.send({"kind": "rtc.answer", "leg": leg_id, "sdp": late})
        assert (await browser.expect("error"))["code"] == "rtc_out_of_order"
        await browser.send({"kind": "rtc.dtmf", "leg": leg_id, "digit": "7"})
        assert (await browser.expect("error"))["code"] == "rtc_no_call"

        await browser.send({"kind": "rtc.stop", "leg": leg_id})
        await browser.expect("rtc.state", leg=leg_id, state="closed")
        assert telephony.operator_legs.channel_for(me) is None
        assert leg_id not in {c.id for c in telephony.control.channels}
        await browser.send({"kind": "rtc.restart", "leg": leg_id})
        assert (await browser.expect("error"))["code"] == "rtc_unknown_leg"
        await browser.send({"kind": "rtc.start"})
        again = await browser.expect("rtc.offer")
        assert again["leg"] != leg_id


async def test_signing_out_closes_the_leg(webrtc_server: RunningServer, browsers) -> None:
    telephony = _telephony(webrtc_server)
    desk = await webrtc_server.signed_in("operator1")
    me = await _my_id(desk)
    closed = asyncio.Event()
    telephony.operator_legs.subscribe(lambda change: closed.set() if change.state == "closed" else None)
    async with desk.events() as events:
        browser = browsers(events)
        leg_id = await browser.connect()
        assert (await desk.write("POST", "/api/v1/auth/logout")).status_code == 204
        await asyncio.wait_for(closed.wait(), 10)
    assert telephony.operator_legs.channel_for(me) is None
    assert leg_id not in {c.id for c in telephony.control.channels}


async def test_without_telephony_rtc_requests_are_refused_as_unavailable(
    server: RunningServer, browsers
) -> None:
    desk = await server.signed_in("operator1")
    async with desk.events() as events:
        browser = browsers(events)
        await browser.send({"kind": "rtc.start"})
        refused = await browser.expect("error")
        assert refused["code"] == "rtc_unavailable"
        await browser.send({"kind": "ack", "id": 0})  # the stream itself goes on
        await browser.send({"kind": "rtc.stop", "leg": "ch-1"})
        assert (await browser.expect("error"))["code"] == "rtc_unavailable"
