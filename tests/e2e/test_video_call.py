"""A video call from the citizen app, end to end (TEL-25, TEL-19): one headless Chromium is the citizen
(fake camera: a generated y4m, a green picture with a moving white bar; fake microphone at 440 Hz)
running the real client module with video; a second Chromium is the operator (microphone at 1 kHz),
whose page negotiates its leg over the real event WebSocket and accepts the offered call. The server
forwards the caller's VP8 pictures to the operator's leg without decoding.

The operator's canvas, drawn from its video element, must show the green picture (never black once
shown); the caller's camera must have been asked for a key frame (PLI, counted on the server) when the
operator's leg joined; the app's camera off stops the pictures (the operator's element sees no new
frame) and on brings them back; the page hears the operator's 1 kHz and the recording holds both
tones, as for a voice call."""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from c122.telephony.media.analysis import dominant_frequency
from tests.e2e.conftest import CHROMIUM, MEDIA_CHROMIUM_ARGS
from tests.e2e.test_citizen_call import client_bundle  # noqa: F401 (a fixture)
from tests.e2e.test_softphone_audio import _tone_wav
from tests.e2e.test_video_forwarding import _camera_y4m
from tests.integration.call_flow.conftest import (
    ended_calls,
    hotline_overrides,
    info_queue_id,
    put_menu_on_main_line,
)
from tests.integration.citizen.support import registered
from tests.support import databases
from tests.support.screenshots import keep_screenshot
from tests.support.server import RunningServer, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.peers]

MAIN_LINE = "+78001220122"
SINCE_LAST_FRAME = "performance.now() - window.op.lastFrameAt"  # ms since the operator's element painted

# The citizen: the client module with video; keys 1 for the menu once connected; counts 1 kHz heard.
CITIZEN_SCRIPT = """
async ({token}) => {
  window.app = {states: [], heard1000: 0, operatorFrames: 0, operatorBlue: 0};
  const call = CitizenCall.startHotlineCall(token, null, {
    video: true,
    pollMs: 300,
    // The operator's camera (where their group allows it): blue samples counted as on the desk's side.
    showRemoteVideo: (track) => {
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = new MediaStream([track]);
      document.body.appendChild(video);
      video.play();
      const canvas = document.createElement('canvas');
      canvas.width = 160; canvas.height = 120;
      const context = canvas.getContext('2d', {willReadFrequently: true});
      setInterval(() => {
        if (video.videoWidth === 0) return;
        context.drawImage(video, 0, 0, 160, 120);
        const pixels = context.getImageData(0, 0, 160, 120).data;
        let r = 0, g = 0, b = 0;
        for (let i = 0; i < pixels.length; i += 4) { r += pixels[i]; g += pixels[i + 1]; b += pixels[i + 2]; }
        const n = pixels.length / 4;
        window.app.operatorFrames += 1;
        if (b / n > 150 && b / n > r / n + 60 && b / n > g / n + 60) window.app.operatorBlue += 1;
      }, 100);
    },
    playRemote: (stream) => {
      const element = new Audio();
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
        const peak = bins[best] > -60 ? best * context.sampleRate / analyser.fftSize : 0;
        if (Math.abs(peak - 1000) < 15) window.app.heard1000 += 1;
      }, 100);
    },
  });
  window.call = call;
  call.onState((state) => {
    window.app.states.push(state);
    if (state === 'connected') setTimeout(() => call.sendDigits('1'), 1500);
  });
}
"""

# The operator: signs in, opens the event stream, answers the leg's offer with the microphone, accepts
# the offered call, and samples the caller's video every 100 ms on a canvas.
OPERATOR_SCRIPT = """
async ({login, camera}) => {
  const signedIn = await fetch('/api/v1/auth/login', {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(login)});
  if (!signedIn.ok) throw new Error('login failed ' + signedIn.status);
  const csrf = (await signedIn.json()).csrf_token;
  const write = (method, path, body) => fetch(path, {method, body: body ? JSON.stringify(body) : undefined,
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
  const microphone = await navigator.mediaDevices.getUserMedia({audio: true, video: !!camera});
  window.op = {offers: [], legs: [], video: [], accepted: 0, frames: 0, green: 0, black: 0, last: null,
    lastFrameAt: 0};
  window.ready = () => write('PUT', '/api/v1/operators/me/state', {status: 'ready'}).then((r) => r.status);
  // The offered call is accepted as the desk's «Принять» does.
  const offers = setInterval(async () => {
    const state = await (await fetch('/api/v1/operators/me/state')).json();
    if (state.status !== 'offered' || window.op.accepted > 0) return;
    const accepted = await write('POST', `/api/v1/operators/me/offers/${state.offer.call_id}/accept`);
    if (accepted.ok) { window.op.accepted += 1; clearInterval(offers); }
  }, 300);
  window.hangUp = () => write('POST', '/api/v1/operators/me/call/hang-up').then((r) => r.status);
  const video = document.createElement('video');
  video.muted = true;
  document.body.appendChild(video);
  const frame = () => { window.op.lastFrameAt = performance.now(); video.requestVideoFrameCallback(frame); };
  video.requestVideoFrameCallback(frame);
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 120;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  setInterval(() => {
    if (video.videoWidth === 0) return;
    context.drawImage(video, 0, 0, 160, 120);
    const pixels = context.getImageData(0, 0, 160, 120).data;
    let r = 0, g = 0, b = 0;
    for (let i = 0; i < pixels.length; i += 4) { r += pixels[i]; g += pixels[i + 1]; b += pixels[i + 2]; }
    const n = pixels.length / 4;
    const mean = [r / n, g / n, b / n];
    window.op.frames += 1;
    window.op.last = mean;
    if (mean[1] > 100 && mean[1] > mean[0] + 40 && mean[1] > mean[2] + 40) window.op.green += 1;
    else if (mean[0] + mean[1] + mean[2] < 30 && window.op.green > 0) window.op.black += 1;
  }, 100);
  const socket = new WebSocket(location.origin.replace('http', 'ws') + '/api/v1/events');
  socket.onmessage = async (message) => {
    const data = JSON.parse(message.data);
    if (data.kind === 'ready') socket.send(JSON.stringify({kind: 'rtc.start', codecs: ['PCMU', 'PCMA']}));
    if (data.kind === 'ping') socket.send(JSON.stringify({kind: 'pong'}));
    if (data.kind === 'rtc.state') window.op.legs.push(data.state);
    if (data.kind === 'rtc.video') {
      window.op.video.push({showing: data.showing, reason: data.reason, stalled: data.stalled});
      window.op.codecs = (window.op.codecs || []).concat([data.codec]);
    }
    if (data.kind !== 'rtc.offer') return;
    const pc = new RTCPeerConnection({iceServers: data.ice_servers});
    microphone.getAudioTracks().forEach((track) => pc.addTrack(track, microphone));
    const direction = data.sdp.split('m=video')[1].match(/a=(sendrecv|sendonly|recvonly|inactive)/)[1];
    window.op.offers.push({camera: data.camera, video: direction});
    pc.ontrack = (event) => {
      if (event.track.kind !== 'video') return;
      video.srcObject = new MediaStream([event.track]);
      video.play();
    };
    await pc.setRemoteDescription({type: 'offer', sdp: data.sdp});
    // The camera, if asked for, is put on the offered video m-line whatever the offer allows.
    microphone.getVideoTracks().forEach((track) => pc.addTrack(track, microphone));
    await pc.setLocalDescription(await pc.createAnswer());
    window.op.answers = (window.op.answers || []).concat([pc.localDescription.sdp]);
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    socket.send(JSON.stringify({kind: 'rtc.answer', leg: data.leg, sdp: pc.localDescription.sdp}));
  };
}
"""


@pytest.fixture
async def hotline(tmp_path: Path) -> AsyncIterator[RunningServer]:
    template = await databases.create_sqlite_template(tmp_path)
    overrides = {**hotline_overrides(tmp_path), "citizen_call_line": MAIN_LINE}
    async with running_server(
        databases.copy_sqlite(template, tmp_path), with_telephony=True, **overrides
    ) as server:
        yield server


async def _browser(playwright: object, *extra: str) -> Browser:
    args = [*MEDIA_CHROMIUM_ARGS, "--allow-loopback-in-peer-connection", *extra]
    return await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)  # type: ignore[attr-defined,no-any-return]


async def _page(browser: Browser, url: str) -> Page:
    page = await browser.new_page(bypass_csp=True)  # the bundle goes in as an inline script
    await page.goto(url)
    return page


async def desk_on_shift(browser: Browser, hotline: RunningServer) -> Page:
    """operator1's desk: signed in, the shift started and its browser leg connected."""
    context = await browser.new_context(
        locale="ru-RU", base_url=hotline.base_url, viewport={"width": 1440, "height": 900}
    )
    desk = await context.new_page()
    await desk.goto("/auth")
    await desk.get_by_test_id("login-username").fill("operator1")
    await desk.get_by_test_id("login-password").fill(hotline.passwords["operator1"])
    await desk.get_by_test_id("login-submit").click()
    await desk.get_by_test_id("start-shift").click()
    await expect(desk.get_by_test_id("health-indicator")).to_have_attribute(
        "data-media", "connected", timeout=20_000
    )
    return desk


def _app_camera_stats(hotline: RunningServer) -> tuple[int, int]:
    """The caller's camera as the server sees it: (pictures, key frames asked of it)."""
    telephony = hotline.application.telephony
    assert telephony is not None
    (channel,) = [c for c in telephony.control.channels if c.direction == "inbound"]
    stats = telephony.video.stats(channel.id)
    assert stats is not None
    return stats.pictures, stats.key_frame_requests


async def test_the_operator_sees_the_callers_camera_which_the_app_turns_off_and_on(
    hotline: RunningServer,
    client_bundle: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    device = await registered(hotline, "+79161112255")
    camera = _camera_y4m(tmp_path / "camera.y4m")
    citizen_mic = _tone_wav(tmp_path / "mic-440.wav", 440.0)
    operator_mic = _tone_wav(tmp_path / "mic-1khz.wav", 1000.0)
    async with async_playwright() as playwright:
        operator_browser = await _browser(playwright, f"--use-file-for-fake-audio-capture={operator_mic}")
        citizen_browser = await _browser(
            playwright,
            f"--use-file-for-fake-audio-capture={citizen_mic}",
            f"--use-file-for-fake-video-capture={camera}",
        )
        try:
            operator = await _page(operator_browser, hotline.base_url + "/api/v1/health")
            login = {"login": "operator1", "password": hotline.passwords["operator1"]}
            await operator.evaluate(OPERATOR_SCRIPT, {"login": login, "camera": False})
            await operator.wait_for_function("() => window.op.legs.includes('connected')", timeout=20000)
            assert await operator.evaluate("window.ready()") == 200

            # Under /app, whose Permissions-Policy lets the page have the camera (the desk's does not).
            citizen = await _page(citizen_browser, hotline.base_url + "/app/")
            await citizen.add_script_tag(content=client_bundle)
            await citizen.evaluate(CITIZEN_SCRIPT, {"token": device.token})
            await citizen.wait_for_function("() => window.app.states.includes('connected')", timeout=20000)
            assert await citizen.evaluate("window.call.cameraOn") is True
            _pictures, asked_before = _app_camera_stats(hotline)

            # The operator accepts; the caller's picture arrives: 10 green samples (a second).
            await operator.wait_for_function("() => window.op.accepted === 1", timeout=30000)
            await operator.wait_for_function("() => window.op.green >= 10", timeout=20000)
            pictures, asked = _app_camera_stats(hotline)
            assert (
                asked > asked_before
            )  # a key frame was asked of the caller's camera when the operator joined
            assert pictures > 0
            assert {"showing": True, "reason": None, "stalled": False} in await operator.evaluate(
                "window.op.video"
            )

            # Camera off in the app: no new frame reaches the operator's element for two seconds.
            await citizen.evaluate("window.call.setCamera(false)")
            assert await citizen.evaluate("window.call.cameraOn") is False
            await operator.wait_for_function(
                "() => performance.now() - window.op.lastFrameAt > 2000", timeout=10000
            )
            # The server notices it too: the leg is told the camera it shows has stopped.
            await operator.wait_for_function("() => window.op.video.at(-1).stalled === true", timeout=10000)
            # And on again: the picture comes back, green.
            green = await operator.evaluate("window.op.green")
            await citizen.evaluate("window.call.setCamera(true)")
            await operator.wait_for_function(
                "() => performance.now() - window.op.lastFrameAt < 500", timeout=10000
            )
            await operator.wait_for_function(f"() => window.op.green >= {green + 10}", timeout=10000)
            await operator.wait_for_function("() => window.op.video.at(-1).stalled === false", timeout=10000)

            # Audio as for a voice call: the app hears the operator's 1 kHz.
            await citizen.wait_for_function("() => window.app.heard1000 >= 20", timeout=20000)
            assert await operator.evaluate("window.hangUp()") == 204
            await citizen.wait_for_function("() => window.app.states.includes('ended')", timeout=15000)
            # The call ended: the leg has nothing to show, and the desk hears so.
            await operator.wait_for_function("() => window.op.video.at(-1).showing === false", timeout=10000)
            seen = await operator.evaluate("window.op")
        finally:
            await citizen_browser.close()
            await operator_browser.close()
    assert seen["black"] == 0  # never black once a picture was shown
    assert seen["video"][-1] == {"showing": False, "reason": None, "stalled": False}

    (record,) = await ended_calls(hotline)
    admin = await hotline.signed_in("admin")
    audio = await admin.http.get(f"/api/v1/calls/{record['id']}/recording")
    assert audio.status_code == 200, audio.text
    with wave.open(io.BytesIO(audio.content), "rb") as reader:
        stereo = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    assert abs(dominant_frequency(stereo[8000:, 0]) - 440) < 15  # the citizen's microphone
    assert abs(dominant_frequency(stereo[8000:, 1]) - 1000) < 15  # the operator's


# The desk's picture, sampled like the operator page's above: the mean colour of the call area's video.
DESK_GREEN = """
() => {
  const video = document.querySelector('[data-testid="call-video-picture"]');
  if (!video || video.videoWidth === 0) return false;
  const canvas = document.createElement('canvas');
  canvas.width = 160; canvas.height = 120;
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.drawImage(video, 0, 0, 160, 120);
  const pixels = context.getImageData(0, 0, 160, 120).data;
  let r = 0, g = 0, b = 0;
  for (let i = 0; i < pixels.length; i += 4) { r += pixels[i]; g += pixels[i + 1]; b += pixels[i + 2]; }
  const n = pixels.length / 4;
  return g / n > 100 && g / n > r / n + 40 && g / n > b / n + 40;
}
"""


async def test_the_desk_shows_the_callers_video_in_the_call_area_and_keeps_a_still_in_the_card(
    hotline: RunningServer,
    client_bundle: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The real desk: «Начать смену», the offer accepted with the desk's key; the call panel shows the
    caller's picture (green), off and on with its button, a still goes into the open card; the app's
    camera off makes the desk say the picture has stopped."""
    await put_menu_on_main_line(hotline, await info_queue_id(hotline))
    device = await registered(hotline, "+79161112266")
    camera = _camera_y4m(tmp_path / "camera.y4m")
    citizen_mic = _tone_wav(tmp_path / "mic-440.wav", 440.0)
    operator_mic = _tone_wav(tmp_path / "mic-1khz.wav", 1000.0)
    async with async_playwright() as playwright:
        operator_browser = await _browser(playwright, f"--use-file-for-fake-audio-capture={operator_mic}")
        citizen_browser = await _browser(
            playwright,
            f"--use-file-for-fake-audio-capture={citizen_mic}",
            f"--use-file-for-fake-video-capture={camera}",
        )
        try:
            desk = await desk_on_shift(operator_browser, hotline)

            citizen = await _page(citizen_browser, hotline.base_url + "/app/")
            await citizen.add_script_tag(content=client_bundle)
            await citizen.evaluate(CITIZEN_SCRIPT, {"token": device.token})
            await expect(desk.get_by_test_id("offer-notice")).to_be_visible(timeout=30_000)
            await desk.keyboard.press("Alt+KeyA")  # «Принять»

            video = desk.get_by_test_id("call-video")
            await expect(video).to_have_attribute("data-showing", "true", timeout=15_000)
            await desk.wait_for_function(DESK_GREEN, timeout=15_000)
            await keep_screenshot(desk, "video-call-desk")
            await keep_screenshot(desk.get_by_test_id("call-panel"), "video-call-panel")

            await desk.get_by_test_id("call-video-toggle").click()  # «Выключить видео»
            await expect(video).to_have_attribute("data-showing", "false")
            await expect(desk.get_by_test_id("call-video-picture")).to_be_hidden()
            await desk.get_by_test_id("call-video-toggle").click()  # «Включить видео»
            await expect(video).to_have_attribute("data-showing", "true")

            await desk.get_by_test_id("call-video-snapshot").click()
            await expect(desk.get_by_test_id("call-video-saved")).to_have_text(
                "Снимок сохранён в карточке", timeout=10_000
            )

            await citizen.evaluate("window.call.setCamera(false)")
            await expect(desk.get_by_test_id("call-video-frozen")).to_be_visible(timeout=10_000)
            await keep_screenshot(desk.get_by_test_id("call-panel"), "video-call-frozen")
            await citizen.evaluate("window.call.setCamera(true)")
            await expect(desk.get_by_test_id("call-video-frozen")).to_have_count(0, timeout=10_000)
            await desk.keyboard.press("Alt+KeyX")  # «Завершить разговор»
            await expect(desk.get_by_test_id("call-panel")).to_have_count(0, timeout=10_000)
        finally:
            await citizen_browser.close()
            await operator_browser.close()

    operator = await hotline.signed_in("operator1")
    rows = (await operator.http.get("/api/v1/cases")).json()["items"]
    chats = [(await operator.http.get(f"/api/v1/cases/{row['id']}/chat")).json() for row in rows]
    stills = [m for chat in chats for m in chat["messages"] if m["media_id"] is not None]
    assert len(stills) == 1
    assert stills[0]["author"] == "operator"
