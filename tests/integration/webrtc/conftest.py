"""A real server with telephony, an aiortc peer playing the operator's browser over the real event
WebSocket, and baresip as the far party (a real SIP phone sending a sine and recording what it hears).

The "browser" is aiortc rather than Chromium here: it speaks the same ICE/DTLS-SRTP/RTP and lets
the test read exactly what arrived. A Chromium run belongs to the softphone's e2e suite.
"""

from __future__ import annotations

import asyncio
import fractions
import json
import random
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvloop
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from av import AudioFrame
from tests.support.peers import Baresip, baresip_phones, free_udp_port
from tests.support.server import EventClient, RunningServer, running_server

SAMPLE_RATE = 8000
FRAME = 160


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], object]]:
    """Media sockets run on uvloop in the product, so they do here."""
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture
async def webrtc_server(database_url: str) -> AsyncIterator[RunningServer]:
    base = random.randrange(30000, 44000, 2)
    overrides = {
        "sip_port": 0,
        "sip_ws_port": 0,
        "rtp_port_min": base,
        "rtp_port_max": base + 200,
        "webrtc_host_addresses": "127.0.0.1",  # tests run on loopback, which aioice skips by default
        "webrtc_restart_grace_seconds": 20,
    }
    async with running_server(database_url, with_telephony=True, **overrides) as server:
        yield server


class ToneTrack(MediaStreamTrack):
    """A microphone that hears a pure tone, paced in real time like a browser's capture."""

    kind = "audio"

    def __init__(self, frequency: float) -> None:
        super().__init__()
        self._frequency = frequency
        self._sent = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        due = self._start + self._sent / SAMPLE_RATE
        await asyncio.sleep(max(0.0, due - loop.time()))  # capture pace, not synchronisation
        n = np.arange(self._sent, self._sent + FRAME)
        samples = (8000 * np.sin(2 * np.pi * self._frequency * n / SAMPLE_RATE)).astype(np.int16)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._sent
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._sent += FRAME
        return frame


class Browser:
    """The operator's desktop as far as audio goes: rtc.* over the event socket, aiortc for media."""

    def __init__(self, events: EventClient, frequency: float = 1000.0) -> None:
        self.events = events
        self.frequency = frequency
        self.pc: RTCPeerConnection | None = None
        self.heard: list[np.ndarray] = []
        self._readers: list[asyncio.Task[None]] = []
        self._arrived = asyncio.Event()
        self.notices: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any]) -> None:
        await self.events.socket.send(json.dumps(message))

    async def expect(self, kind: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        """The next server message of `kind` (with these field values); events and pings are skipped."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.events.receive(timeout)
                if message["kind"] in ("event", "ping", "ready"):
                    continue
                self.notices.append(message)
                if message["kind"] == kind and all(message.get(k) == v for k, v in fields.items()):
                    return message

    async def answer(self, offer: dict[str, Any], *, send: bool = True) -> str:
        """A fresh peer connection for the offer (as a browser does after a reload); returns the SDP."""
        await self.close_peer()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc = pc
        pc.addTrack(ToneTrack(self.frequency))

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._readers.append(asyncio.create_task(self._read(track)))

        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        sdp: str = pc.localDescription.sdp
        if send:
            await self.send({"kind": "rtc.answer", "leg": offer["leg"], "sdp": sdp})
        return sdp

    async def connect(self, codecs: list[str] | None = None) -> str:
        """rtc.start → offer → answer → connected; returns the leg id."""
        await self.send({"kind": "rtc.start", **({"codecs": codecs} if codecs else {})})
        offer = await self.expect("rtc.offer")
        await self.answer(offer)
        await self.expect("rtc.state", leg=offer["leg"], state="connected", timeout=20)
        return str(offer["leg"])

    async def _read(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:
                return
            samples = frame.to_ndarray().reshape(-1)
            if frame.sample_rate != SAMPLE_RATE:  # aiortc decodes G.711 at 8 kHz; keep it honest
                raise AssertionError(f"unexpected decoded rate {frame.sample_rate}")
            self.heard.append(samples.astype(np.int16))
            self._arrived.set()

    async def wait_heard(self, seconds: float, timeout: float = 15.0) -> None:
        """Until `seconds` more audio than now has arrived from the server."""
        wanted = len(self.audio()) + int(seconds * SAMPLE_RATE)
        async with asyncio.timeout(timeout):
            while len(self.audio()) < wanted:
                self._arrived.clear()
                await self._arrived.wait()

    def audio(self) -> np.ndarray:
        return np.concatenate(self.heard) if self.heard else np.zeros(0, dtype=np.int16)

    async def close_peer(self) -> None:
        for reader in self._readers:
            reader.cancel()
        self._readers.clear()
        if self.pc is not None:
            await self.pc.close()
            self.pc = None


@pytest.fixture
async def browsers() -> AsyncIterator[Callable[[EventClient, float], Browser]]:
    made: list[Browser] = []

    def make(events: EventClient, frequency: float = 1000.0) -> Browser:
        made.append(Browser(events, frequency))
        return made[-1]

    yield make
    for browser in made:
        await browser.close_peer()


# --- baresip, the far party (tests/support/peers.py) ----------------------------------------------


@pytest.fixture
async def baresip(tmp_path: Path) -> AsyncIterator[Callable[[int], Awaitable[Baresip]]]:
    async for make in baresip_phones(tmp_path):
        yield make


# --- SIPp, an echoing far party -------------------------------------------------------------------

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


class SippEcho:
    """A SIPp callee that answers and echoes every RTP packet (audio and telephone-events) back."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_udp_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def uri(self) -> str:
        return f"sip:echo@127.0.0.1:{self.port}"

    async def start(self) -> None:
        binary = shutil.which("sipp")
        if binary is None:
            pytest.fail("sipp is missing: make test installs sip-tester")
        media_port = random.randrange(50000, 59000, 4)
        self.process = await asyncio.create_subprocess_exec(
            binary, "-sf", str(SCENARIOS / "callee_echo.xml"), "-m", "1", "-i", "127.0.0.1",
            "-p", str(self.port), "-mp", str(media_port), "-rtp_echo", "-nostdin",
            "-timeout", "60", "-timeout_error", "-trace_err",
            cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def sipp_echo(tmp_path: Path) -> AsyncIterator[Callable[[], Awaitable[SippEcho]]]:
    callees: list[SippEcho] = []

    async def make() -> SippEcho:
        callee = SippEcho(tmp_path)
        callees.append(callee)
        await callee.start()
        return callee

    yield make
    for callee in callees:
        await callee.stop()
