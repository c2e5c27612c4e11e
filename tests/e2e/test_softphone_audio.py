"""Headless Chromium as the operator's browser: its fake microphone plays a 1 kHz WAV, the page
negotiates the leg over the real event WebSocket (rtc.* messages, no UI involved), and a baresip
caller sending 440 Hz is bridged onto the leg through the call-control API. The server's call
recording must hold 440 Hz (caller) and 1 kHz (operator), and the page's WebAudio analyser must
hear 440 Hz.
"""

from __future__ import annotations

import asyncio
import random
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from playwright.async_api import async_playwright

from c122.telephony.control import BridgeKind, ChannelAnswered, ChannelState, ControlEvent
from c122.telephony.media.analysis import dominant_frequency
from c122.telephony.webrtc import LegStateChanged
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.integration.webrtc.conftest import Baresip
from tests.support import databases
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.peers]

# The page's side: sign in, open the event stream, answer the server's offer with the microphone,
# and keep measuring the strongest frequency of what arrives.
PAGE_SCRIPT = """
async (login) => {
  const signedIn = await fetch('/api/v1/auth/login', {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(login)});
  if (!signedIn.ok) throw new Error('login failed ' + signedIn.status);
  const microphone = await navigator.mediaDevices.getUserMedia({audio: {
    echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
  window.rtc = {states: [], errors: [], peak: 0, heard440: 0};
  const socket = new WebSocket(location.origin.replace('http', 'ws') + '/api/v1/events');
  socket.onmessage = async (message) => {
    const data = JSON.parse(message.data);
    if (data.kind === 'ready') socket.send(JSON.stringify({kind: 'rtc.start', codecs: ['PCMU', 'PCMA']}));
    if (data.kind === 'ping') socket.send(JSON.stringify({kind: 'pong'}));
    if (data.kind === 'rtc.state') window.rtc.states.push(data.state);
    if (data.kind === 'error') window.rtc.errors.push(data.code);
    if (data.kind !== 'rtc.offer') return;
    const pc = new RTCPeerConnection({iceServers: data.ice_servers});
    microphone.getTracks().forEach((track) => pc.addTrack(track, microphone));
    pc.ontrack = (event) => {
      const stream = new MediaStream([event.track]);
      const element = new Audio();  // Chromium feeds remote audio to WebAudio only while played
      element.srcObject = stream;
      element.muted = true;
      element.play();
      const context = new AudioContext();
      const analyser = context.createAnalyser();
      analyser.fftSize = 8192;
      context.createMediaStreamSource(stream).connect(analyser);
      const bins = new Float32Array(analyser.frequencyBinCount);
      setInterval(() => {
        analyser.getFloatFrequencyData(bins);
        let best = 1;
        for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
        window.rtc.peak = bins[best] > -60 ? best * context.sampleRate / analyser.fftSize : 0;
        if (Math.abs(window.rtc.peak - 440) < 15) window.rtc.heard440 += 1;
      }, 100);
    };
    await pc.setRemoteDescription({type: 'offer', sdp: data.sdp});
    await pc.setLocalDescription(await pc.createAnswer());
    socket.send(JSON.stringify({kind: 'rtc.answer', leg: data.leg, sdp: pc.localDescription.sdp}));
  };
}
"""


def _tone_wav(path: Path, frequency: float, seconds: float = 10.0, rate: int = 48000) -> Path:
    n = np.arange(int(rate * seconds))
    samples = (8000 * np.sin(2 * np.pi * frequency * n / rate)).astype("<i2")
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.tobytes())
    return path


@pytest.fixture
async def telephony_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    template = await databases.create_sqlite_template(tmp_path)
    base = random.randrange(30000, 44000, 2)
    overrides = {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": base,
        "rtp_port_max": base + 200,
        "webrtc_host_addresses": "127.0.0.1",
    }
    async with running_server(
        databases.copy_sqlite(template, tmp_path), with_telephony=True, **overrides
    ) as running:
        yield running


async def test_chromium_with_a_1khz_microphone_and_a_440hz_caller_hear_each_other(
    telephony_server: RunningServer, tmp_path: Path
) -> None:
    telephony = telephony_server.application.telephony
    assert telephony is not None
    connected = asyncio.Event()
    leg_ids: list[str] = []

    def on_leg(change: LegStateChanged) -> None:
        if change.state == "connected":
            leg_ids.append(change.leg_id)
            connected.set()

    telephony.operator_legs.subscribe(on_leg)
    microphone = _tone_wav(tmp_path / "mic-1khz.wav", 1000.0)
    phone_folder = tmp_path / "phone"
    phone_folder.mkdir()
    phone = Baresip(phone_folder, 440)
    await phone.start()
    args = [
        *CHROMIUM_ARGS,
        f"--use-file-for-fake-audio-capture={microphone}",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            page = await browser.new_page()
            await page.goto(telephony_server.base_url + "/api/v1/health")
            login = {"login": "operator1", "password": telephony_server.passwords["operator1"]}
            await page.evaluate(PAGE_SCRIPT, login)
            await asyncio.wait_for(connected.wait(), 20)
            operator = telephony.control.channel(leg_ids[0])
            assert operator.state is ChannelState.UP

            answered = asyncio.Event()

            def on_event(event: ControlEvent) -> None:
                if isinstance(event, ChannelAnswered):
                    answered.set()

            telephony.control.subscribe(on_event)
            caller = await telephony.control.originate(phone.uri, "122")
            if caller.state is not ChannelState.UP:
                await asyncio.wait_for(answered.wait(), 10)
            bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
            await bridge.add(caller)
            await bridge.add(operator)
            recording = await telephony.control.record(str(tmp_path / "call.wav"), caller, operator)
            # 20 analyser readings of 440 Hz: two seconds of the call heard in the page.
            await page.wait_for_function("() => window.rtc.heard440 >= 20", timeout=15000)
            finished = await recording.stop()
            errors = await page.evaluate("window.rtc.errors")
            await caller.hangup()
        finally:
            await browser.close()
            await phone.stop()
    assert errors == []
    with wave.open(finished.path, "rb") as reader:
        stereo = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    assert abs(dominant_frequency(stereo[4000:, 0]) - 440.0) < 3.0  # the caller, left
    assert abs(dominant_frequency(stereo[4000:, 1]) - 1000.0) < 5.0  # Chromium's microphone, right
