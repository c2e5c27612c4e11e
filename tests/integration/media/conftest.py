"""Loopback fixtures for the media engine: the engine on a random port range, and RTP peers.

A peer is a real UDP socket on 127.0.0.1 that streams G.711 audio (or telephone-events) at the
real 20 ms pace and keeps every packet it receives, with awaitable conditions for tests.
"""

from __future__ import annotations

import asyncio
import random
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import uvloop
from tests.support.peers import Baresip, baresip_phones, free_udp_port, installed

from c122.telephony.control import CallControl, Channel, ChannelAnswered, ChannelCreated, ControlEvent
from c122.telephony.control.sip_gateway import SipGateway
from c122.telephony.media.codecs import PCMU, Codec
from c122.telephony.media.engine import MediaEngine
from c122.telephony.media.messages import (
    CloseEndpoint,
    MediaEvent,
    OpenEndpoint,
    PlaybackFinished,
    StartPlayback,
)
from c122.telephony.media.rtp import OutgoingStream, RtpPacket, parse_rtp
from c122.telephony.media.sources import Source
from c122.telephony.media.workers.pool import MediaWorkers
from c122.telephony.sip import SipStack, TimerSettings


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> dict[str, Callable[[], object]]:
    """Media sockets run on uvloop in the product, so they do here."""
    return {"uvloop": uvloop.new_event_loop}


@dataclass
class EventLog:
    events: list[MediaEvent] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, event: MediaEvent) -> None:
        self.events.append(event)
        self.changed.set()

    async def wait_for(self, predicate: Callable[[list[MediaEvent]], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self.events):
                self.changed.clear()
                await self.changed.wait()


class RtpPeer(asyncio.DatagramProtocol):
    """A far-end phone reduced to its RTP socket."""

    def __init__(self, codec: Codec = PCMU) -> None:
        self.codec = codec
        self.received: list[RtpPacket] = []
        self.rtcp: list[bytes] = []
        self.stream = OutgoingStream()
        self.transport: asyncio.DatagramTransport | None = None
        self.target: tuple[str, int] | None = None
        self._arrived = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if 192 <= data[1] <= 223:  # RTCP multiplexed on the RTP port (RFC 5761)
            self.rtcp.append(data)
        else:
            self.received.append(parse_rtp(data))
        self._arrived.set()

    async def wait_rtcp(self, predicate: Callable[[list[bytes]], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self.rtcp):
                self._arrived.clear()
                await self._arrived.wait()

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])

    def send(
        self,
        payload_type: int,
        payload: bytes,
        *,
        sequence: int | None = None,
        timestamp: int | None = None,
        marker: bool = False,
    ) -> None:
        assert self.transport is not None
        assert self.target is not None
        seq, ts, _ = self.stream.next_header(None, len(payload))
        packet = RtpPacket(
            payload_type,
            seq if sequence is None else sequence,
            ts if timestamp is None else timestamp,
            self.stream.ssrc,
            payload,
            marker,
        )
        self.transport.sendto(packet.to_bytes(), self.target)

    def send_raw(self, data: bytes, to: tuple[str, int] | None = None) -> None:
        assert self.transport is not None
        self.transport.sendto(data, to or self.target)

    def stream_source(
        self,
        source: Source,
        frames: int,
        *,
        drop: Callable[[int], bool] | None = None,
        swap_pairs: Callable[[int], bool] | None = None,
    ) -> asyncio.Task[None]:
        """Sends `frames` frames of `source` at the real 20 ms pace (optionally lossy / reordered)."""
        self._sender = asyncio.create_task(self._pace(source, frames, drop, swap_pairs))
        return self._sender

    async def _pace(
        self,
        source: Source,
        frames: int,
        drop: Callable[[int], bool] | None,
        swap_pairs: Callable[[int], bool] | None,
    ) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        held: bytes | None = None
        for index in range(frames):
            frame = source.next_frame()
            if frame is None:
                break
            seq, ts, _ = self.stream.next_header(None, len(frame))
            data = RtpPacket(
                self.codec.payload_type, seq, ts, self.stream.ssrc, self.codec.encode(frame)
            ).to_bytes()
            if drop is None or not drop(index):
                if held is not None:
                    self.send_raw(data)
                    self.send_raw(held)
                    held = None
                elif swap_pairs is not None and swap_pairs(index):
                    held = data
                else:
                    self.send_raw(data)
            await asyncio.sleep(max(0.0, start + (index + 1) * 0.02 - loop.time()))  # pacing, not sync

    async def wait_packets(self, count: int, timeout: float = 5.0, payload_type: int | None = None) -> None:
        async with asyncio.timeout(timeout):
            while self._count(payload_type) < count:
                self._arrived.clear()
                await self._arrived.wait()

    def _count(self, payload_type: int | None) -> int:
        if payload_type is None:
            return len(self.received)
        return sum(1 for p in self.received if p.payload_type == payload_type)

    def audio(self, skip: int = 0) -> np.ndarray:
        """Decoded audio received, in sequence order."""
        packets = sorted(
            (p for p in self.received if p.payload_type == self.codec.payload_type), key=lambda p: p.sequence
        )
        if not packets:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate([self.codec.decode(p.payload) for p in packets[skip:]])

    def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
        if self.transport is not None:
            self.transport.close()


PeerFactory = Callable[..., Awaitable[RtpPeer]]


@pytest.fixture
async def engine() -> AsyncIterator[MediaEngine]:
    base = random.randrange(30000, 44000, 2)  # peers below take their ports from 45000 up
    media = MediaEngine(bind_host="127.0.0.1", port_min=base, port_max=base + 400, rtcp_interval=0.3)
    await media.start()
    try:
        yield media
    finally:
        await media.stop()


@pytest.fixture
def events(engine: MediaEngine) -> EventLog:
    log = EventLog()
    engine.subscribe(log)
    return log


@pytest.fixture
async def peer() -> AsyncIterator[PeerFactory]:
    peers: list[RtpPeer] = []

    async def make(codec: Codec = PCMU) -> RtpPeer:
        loop = asyncio.get_running_loop()
        protocol = RtpPeer(codec)
        transport, _ = await loop.create_datagram_endpoint(lambda: protocol, local_addr=("127.0.0.1", 0))
        protocol.transport = transport
        peers.append(protocol)
        return protocol

    yield make
    for made in peers:
        made.close()


# --- real SIP peers against CallControl ---------------------------------------------------------

SCENARIOS = Path(__file__).resolve().parent / "scenarios"


@dataclass
class Telephony:
    engine: MediaEngine | MediaWorkers
    control: CallControl
    stack: SipStack
    events: list[ControlEvent]
    _changed: asyncio.Event

    @property
    def sip_port(self) -> int:
        return int(self.stack.bound_ports["udp"])

    async def wait_for(self, predicate: Callable[[list[ControlEvent]], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate(self.events):
                self._changed.clear()
                await self._changed.wait()

    async def next_channel(self, timeout: float = 10.0) -> Channel:
        seen = len([e for e in self.events if isinstance(e, ChannelCreated)])
        await self.wait_for(lambda e: len([x for x in e if isinstance(x, ChannelCreated)]) > seen, timeout)
        created = [e for e in self.events if isinstance(e, ChannelCreated)][seen]
        return self.control.channel(created.channel_id)

    async def media_time(self, seconds: float) -> None:
        """Lets the parties talk for `seconds` of the media clock: a playback into a leg with no
        far end finishes after exactly that long, and its event is what we wait on."""
        name = f"clock-{random.getrandbits(32)}"
        finished = asyncio.get_running_loop().create_future()

        def on_event(event: object) -> None:
            if isinstance(event, PlaybackFinished) and event.playback_id == name and not finished.done():
                finished.set_result(None)

        self.engine.subscribe(on_event)
        await self.engine.execute(OpenEndpoint(name, remote=None, media_timeout=None))
        await self.engine.execute(StartPlayback(name, name, f"tone:20:{int(seconds * 1000)}"))
        await asyncio.wait_for(finished, seconds + 10)
        await self.engine.execute(CloseEndpoint(name))

    async def originate_answered(self, uri: str, timeout: float = 10.0) -> Channel:
        channel = await self.control.originate(uri, "122")
        await self.wait_for(
            lambda e: any(isinstance(x, ChannelAnswered) and x.channel_id == channel.id for x in e), timeout
        )
        return channel


@pytest.fixture
async def telephony() -> AsyncIterator[Telephony]:
    base = random.randrange(30000, 44000, 2)
    engine = MediaEngine(bind_host="127.0.0.1", port_min=base, port_max=base + 200)
    async for made in _telephony(engine):
        yield made


@pytest.fixture
async def telephony_on_workers() -> AsyncIterator[Telephony]:
    """The same, with the media in two media worker processes."""
    base = random.randrange(30000, 44000, 2)
    workers = MediaWorkers(
        count=2, bind_host="127.0.0.1", public_address="", port_min=base, port_max=base + 200
    )
    async for made in _telephony(workers):
        yield made


async def _telephony(engine: MediaEngine | MediaWorkers) -> AsyncIterator[Telephony]:
    await engine.start()
    control = CallControl(engine, media_timeout=3.0)
    stack = SipStack("127.0.0.1", udp_port=0, tcp_port=None, timers=TimerSettings(t1=0.1, t2=1.0, t4=1.0))
    SipGateway(stack, control, "hotline.test")
    events: list[ControlEvent] = []
    changed = asyncio.Event()

    def record(event: ControlEvent) -> None:
        events.append(event)
        changed.set()

    control.subscribe(record)
    await stack.start()
    try:
        yield Telephony(engine, control, stack, events, changed)
    finally:
        await stack.stop()
        await engine.stop()


class SippCaller:
    """Runs one SIPp call from a scenario in its own directory (with a generated tone file)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.binary = installed("sipp")
        self.process: asyncio.subprocess.Process | None = None

    def write_tone(self, frequency: float, seconds: float) -> None:
        """tone.wav as µ-law, the payload SIPp's rtp_stream sends as it is."""
        n = np.arange(int(8000 * seconds))
        pcm = (8000 * np.sin(2 * np.pi * frequency * n / 8000)).astype(np.int16)
        with wave.open(str(self.workdir / "tone.wav"), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(1)
            writer.setframerate(8000)
            writer.writeframes(PCMU.encode(pcm))

    async def start(self, scenario: str, sip_port: int) -> None:
        media_port = random.randrange(50000, 59000, 4)
        self.process = await asyncio.create_subprocess_exec(
            self.binary, "-sf", str(SCENARIOS / scenario), f"127.0.0.1:{sip_port}", "-s", "122", "-m", "1",
            "-i", "127.0.0.1", "-p", str(free_udp_port()), "-mp", str(media_port), "-nostdin",
            "-timeout", "30", "-timeout_error", "-trace_err",
            cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip

    async def listen(self, scenario: str) -> int:
        """Starts SIPp as a callee; returns its SIP port."""
        port = free_udp_port()
        self.process = await asyncio.create_subprocess_exec(
            self.binary, "-sf", str(SCENARIOS / scenario), "-m", "1", "-i", "127.0.0.1", "-p", str(port),
            "-nostdin", "-timeout", "30", "-timeout_error", "-trace_err",
            cwd=self.workdir, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        return port

    async def finish(self, timeout: float = 30.0) -> tuple[int, str]:
        assert self.process is not None
        output, _ = await asyncio.wait_for(self.process.communicate(), timeout)
        return int(self.process.returncode or 0), output.decode(errors="replace")

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()


@pytest.fixture
async def sipp(tmp_path: Path) -> AsyncIterator[Callable[[], SippCaller]]:
    callers: list[SippCaller] = []

    def make() -> SippCaller:
        folder = tmp_path / f"sipp{len(callers)}"
        folder.mkdir()
        callers.append(SippCaller(folder))
        return callers[-1]

    yield make
    for caller in callers:
        caller.kill()
        if caller.process is not None:
            await caller.process.wait()


@pytest.fixture
async def baresip(tmp_path: Path) -> AsyncIterator[Callable[[int], Awaitable[Baresip]]]:
    async for make in baresip_phones(tmp_path):
        yield make
