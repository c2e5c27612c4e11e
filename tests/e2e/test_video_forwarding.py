"""Video forwarded between two browser legs without decoding (issue 23, VP8): one Chromium page sends
its fake camera (a generated y4m: a green picture with a white bar that moves) to an aiortc peer; the
pictures are tapped before aiortc's decoder and packed again by the sender of a second aiortc peer,
whose Chromium page shows them. The second page's canvas must show the green picture (not black),
and the sending browser must have been asked for key frames (PLI) when the second leg joined.

The two peers are wired here, not through the product's legs: the forwarding (c122.telephony.webrtc
.video) is what is proved; routing it between a citizen's call and the operator's leg is not built."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Final

import pytest
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from playwright.async_api import Browser, Page, async_playwright

from c122.telephony.webrtc.ice import use_host_addresses
from c122.telephony.webrtc.video import VideoTap
from c122.telephony.webrtc.video_formats import negotiated_formats
from tests.e2e.conftest import CHROMIUM, MEDIA_CHROMIUM_ARGS

pytestmark = [pytest.mark.e2e, pytest.mark.peers]

WIDTH, HEIGHT, FPS = 320, 240, 15
PAGE_URL = "http://localhost/"

SEND_SCRIPT = """
async () => {
  const camera = await navigator.mediaDevices.getUserMedia({video: {width: 320, height: 240}});
  const pc = new RTCPeerConnection();
  window.pc = pc;
  camera.getTracks().forEach((track) => pc.addTrack(track, camera));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
  });
  return pc.localDescription.sdp;
}
"""

RECEIVE_SCRIPT = """
async (offer) => {
  const pc = new RTCPeerConnection();
  window.seen = {frames: 0, green: 0, black: 0, last: null};
  pc.ontrack = (event) => {
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = new MediaStream([event.track]);
    document.body.appendChild(video);
    video.play();
    const canvas = document.createElement('canvas');
    canvas.width = 320; canvas.height = 240;
    const context = canvas.getContext('2d', {willReadFrequently: true});
    setInterval(() => {
      if (video.videoWidth === 0) return;
      context.drawImage(video, 0, 0, 320, 240);
      const pixels = context.getImageData(0, 0, 320, 240).data;
      let r = 0, g = 0, b = 0;
      for (let i = 0; i < pixels.length; i += 4) { r += pixels[i]; g += pixels[i + 1]; b += pixels[i + 2]; }
      const n = pixels.length / 4;
      const mean = [r / n, g / n, b / n];
      window.seen.frames += 1;
      window.seen.last = mean;
      if (mean[1] > 100 && mean[1] > mean[0] + 40 && mean[1] > mean[2] + 40) window.seen.green += 1;
      // The element may paint black before its first picture; once a picture was shown, never again.
      else if (mean[0] + mean[1] + mean[2] < 30 && window.seen.green > 0) window.seen.black += 1;
    }, 100);
  };
  await pc.setRemoteDescription({type: 'offer', sdp: offer});
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
  });
  return pc.localDescription.sdp;
}
"""


GREEN: Final = (150, 44, 21)  # Y, Cb, Cr
BLUE: Final = (41, 240, 110)


def _camera_y4m(path: Path, seconds: int = 4, colour: tuple[int, int, int] = GREEN) -> Path:
    """A plain picture (green unless told) with a white bar moving across it, 4:2:0."""
    luma, cb, cr = colour
    y_plane = bytearray([luma]) * (WIDTH * HEIGHT)
    chroma = bytes([cb]) * (WIDTH * HEIGHT // 4) + bytes([cr]) * (WIDTH * HEIGHT // 4)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(FPS * seconds):
            frame = bytearray(y_plane)
            bar = (index * 8) % (WIDTH - 16)
            for row in range(HEIGHT):
                frame[row * WIDTH + bar : row * WIDTH + bar + 16] = b"\xeb" * 16
            out.write(b"FRAME\n" + bytes(frame) + chroma)
    return path


async def _secure_page(browser: Browser) -> Page:
    """A blank page on http://localhost (a secure context, where the camera may be asked for)."""
    page = await browser.new_page()
    await page.route(
        PAGE_URL, lambda route: route.fulfill(body="<html><body></body></html>", content_type="text/html")
    )
    await page.goto(PAGE_URL)
    return page


def _vp8_only() -> list:  # type: ignore[type-arg]
    return [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/VP8"]


async def test_vp8_pictures_are_forwarded_between_two_browsers_without_decoding(tmp_path: Path) -> None:
    use_host_addresses(("127.0.0.1",))
    camera = _camera_y4m(tmp_path / "camera.y4m")
    args = [
        *MEDIA_CHROMIUM_ARGS,
        f"--use-file-for-fake-video-capture={camera}",
        "--allow-loopback-in-peer-connection",
    ]
    sending = RTCPeerConnection()
    receiving = RTCPeerConnection()
    plis: list[int] = []
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
            try:
                citizen = await _secure_page(browser)
                operator = await _secure_page(browser)
                offer = await citizen.evaluate(SEND_SCRIPT)
                await sending.setRemoteDescription(RTCSessionDescription(offer, "offer"))
                (incoming,) = sending.getTransceivers()
                incoming.setCodecPreferences(_vp8_only())
                incoming.direction = "recvonly"
                tap = VideoTap(incoming.receiver, lambda: negotiated_formats(incoming._codecs))
                original_pli = incoming.receiver._send_rtcp_pli

                async def counted_pli(ssrc: int) -> None:
                    plis.append(ssrc)
                    await original_pli(ssrc)

                incoming.receiver._send_rtcp_pli = counted_pli  # type: ignore[method-assign]
                await sending.setLocalDescription(await sending.createAnswer())
                await citizen.evaluate(
                    "(sdp) => window.pc.setRemoteDescription({type: 'answer', sdp})",
                    sending.localDescription.sdp,
                )
                # The sending leg is up and pictures arrive before anyone receives them.
                for _ in range(100):
                    if tap.pictures > 5:
                        break
                    await asyncio.sleep(0.1)
                assert tap.pictures > 5
                plis_before_join = len(plis)

                forwarded = tap.track()
                outgoing = receiving.addTransceiver(forwarded, direction="sendonly")
                outgoing.setCodecPreferences(_vp8_only())
                tap.relay_key_frame_requests(outgoing.sender)
                await receiving.setLocalDescription(await receiving.createOffer())
                answer = await operator.evaluate(RECEIVE_SCRIPT, receiving.localDescription.sdp)
                await receiving.setRemoteDescription(RTCSessionDescription(answer, "answer"))
                await operator.wait_for_function("() => window.seen.green >= 10", timeout=20000)
                seen = await operator.evaluate("window.seen")
                decoder = getattr(incoming.receiver, "_RTCRtpReceiver__decoder_thread", "missing")
            finally:
                await browser.close()
    finally:
        await sending.close()
        await receiving.close()
    assert len(plis) > plis_before_join  # the joining leg asked the camera for a key frame
    assert seen["black"] == 0, seen
    assert forwarded.forwarded >= 10
    assert decoder is None  # aiortc's decoder thread was ended: no picture was decoded on the server
    red, green, blue = seen["last"]
    assert green > red + 40, seen
    assert green > blue + 40, seen
