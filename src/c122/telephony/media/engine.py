"""The media engine: endpoints, pass-through and mixed bridges, playback, recording, DTMF.

Packets of a 1:1 bridge are forwarded as they arrive, payload untouched (header rewritten onto
the receiving leg's own SSRC/sequence/timestamp line), mostly by the `RtpRelay` without ever
reaching this module. Recorded legs keep their payloads on a timeline that a writer thread turns
into WAV once a second. Everything that needs decoded audio - mixes, players, DTMF sending -
runs on one 20 ms clock for all legs at once. Which legs forward and which mix is `Bridges`'
business; the recordings in progress are `Recordings`'.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Final

from c122.telephony.media.bridges import Bridges
from c122.telephony.media.codecs import BY_PAYLOAD_TYPE, FRAME_SAMPLES, Codec, Pcm, codec_named, transcode
from c122.telephony.media.dtmf import EventSender
from c122.telephony.media.endpoint import Endpoint, RtcpProtocol
from c122.telephony.media.messages import (
    CloseEndpoint,
    Command,
    DescribeEndpoint,
    DescribeMix,
    Done,
    DtmfReceived,
    EndpointClosed,
    EndpointDescribed,
    EndpointOpened,
    EventHandler,
    LegStats,
    MediaError,
    MediaEvent,
    MediaTimeout,
    MixDescribed,
    NoMediaPorts,
    OpenEndpoint,
    PlaybackFinished,
    RemoveBridge,
    Reply,
    SendDtmf,
    SetBridge,
    StartPlayback,
    StartRecording,
    StopPlayback,
    StopRecording,
    UpdateEndpoint,
)
from c122.telephony.media.ports import PortAllocator, PortRangeExhausted
from c122.telephony.media.recording import RecordingWriter
from c122.telephony.media.recordings import Recordings
from c122.telephony.media.relay import RtpRelay
from c122.telephony.media.rtcp import build_report
from c122.telephony.media.sources import Source
from c122.telephony.media.spec import inband_dtmf_source, source_for

log = logging.getLogger(__name__)

TICK: Final = FRAME_SAMPLES / 8000.0
HOUSEKEEPING_TICKS: Final = 10  # media timeouts and RTCP are checked every 200 ms
_MIXER_SOURCE: Final = object()  # identity of mixed audio on an outgoing stream
_DTMF_GAP_TICKS: Final = 3


@dataclass(frozen=True, slots=True)
class MediaHealth:
    """The `media` component of /api/v1/health."""

    status: str  # "ok" | "degraded" | "stopped"
    event_loop: str
    endpoints: int
    bridges: int
    mixes: int
    recordings: int
    ports_free: int
    max_tick_lateness_ms: float
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class MediaFigures:
    """What one engine counts for /metrics (a media worker sends its own every few seconds)."""

    legs: int
    packets_received: int  # on the open legs
    packets_sent: int
    packets_relayed_in_place: int  # since the engine started
    send_failures: int  # datagrams the kernel refused on the open legs
    max_tick_lateness_ms: float  # since the previous figures
    cpu_seconds: float  # the process's, every thread

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


WARM_UP = 3.0
"""Seconds after start whose late ticks are not reported: the rest of the service is still starting on
the same loop (migrations, the web server, the collector's freeze), which no call can have noticed."""


class MediaEngine:
    """In-process implementation of `MediaControl`. Config arrives as constructor arguments."""

    def __init__(
        self,
        *,
        bind_host: str = "127.0.0.1",
        public_address: str = "",
        port_min: int = 20000,
        port_max: int = 29999,
        rtcp_interval: float = 5.0,
        warm_up: float = WARM_UP,
        any_ports: tuple[int, int] | None = None,
    ) -> None:
        self._rtcp_interval = rtcp_interval
        self._warm_up_ticks = round(warm_up / TICK)
        self._ports = PortAllocator(bind_host, port_min, port_max, any_ports)
        self._advertised = public_address or bind_host
        self._endpoints: dict[str, Endpoint] = {}
        self._bridges = Bridges(self._endpoints)
        self._mixer = self._bridges.mixer
        self._recordings = Recordings(self._endpoints, TICK)
        self._playbacks: dict[str, Endpoint] = {}
        self._active_senders: set[Endpoint] = set()
        self._handlers: list[EventHandler] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._relay: RtpRelay | None = None
        self._recording_writer: RecordingWriter | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._next_tick = 0.0
        self._ticks = 0
        self._max_lateness = 0.0
        self._figures_lateness = 0.0  # the same, since the previous `figures()`

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if not _is_uvloop(self._loop):
            log.warning(
                "media engine running on %s; uvloop is expected for media sockets", type(self._loop).__name__
            )
        self._ports.ensure_descriptors()
        self._relay = RtpRelay(self._loop, self._on_packet, self._loop.time)
        self._recording_writer = RecordingWriter()
        self._next_tick = self._loop.time() + TICK
        self._timer = self._loop.call_at(self._next_tick, self._tick)

    async def stop(self) -> None:
        for endpoint_id in list(self._endpoints):
            await self.execute(CloseEndpoint(endpoint_id))
        for recording_id in self._recordings:
            await self._finish_recording(recording_id)
        if self._recording_writer is not None:
            self._recording_writer.stop()
            self._recording_writer = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._relay is not None:
            self._relay.close()
            self._relay = None

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def _emit(self, event: MediaEvent) -> None:
        for handler in self._handlers:
            try:
                handler(event)
            except Exception:  # a subscriber's bug must not stop the media clock
                log.exception("media event handler failed for %r", event)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise MediaError("media engine is not started")
        return self._loop

    @property
    def recording_writer(self) -> RecordingWriter:
        if self._recording_writer is None:
            raise MediaError("media engine is not started")
        return self._recording_writer

    @property
    def relay(self) -> RtpRelay:
        if self._relay is None:
            raise MediaError("media engine is not started")
        return self._relay

    # --- commands ----------------------------------------------------------------------------

    async def execute(self, command: Command) -> Reply:
        try:
            return await self._execute(command)
        except PortRangeExhausted as exc:
            raise NoMediaPorts(str(exc)) from exc
        except (KeyError, ValueError) as exc:
            raise MediaError(str(exc)) from exc

    async def _execute(self, command: Command) -> Reply:
        match command:
            case OpenEndpoint():
                return await self._open(command)
            case UpdateEndpoint():
                self._update(command)
            case CloseEndpoint():
                return await self._close(command.endpoint_id)
            case SetBridge():
                self._bridges.set(command)
            case RemoveBridge():
                self._bridges.remove(command.bridge_id)
            case StartPlayback():
                self._start_playback(command)
            case StopPlayback():
                self._stop_playback(command.playback_id, stopped=True)
            case StartRecording():
                self._recordings.start(command, self.loop.time())
            case StopRecording():
                await self._finish_recording(command.recording_id)
            case SendDtmf():
                self._send_dtmf(command)
            case DescribeEndpoint():
                return self._describe(command.endpoint_id)
            case DescribeMix():
                return MixDescribed(command.bridge_id, self._bridges.levels(command.bridge_id))
        return Done()

    async def _open(self, command: OpenEndpoint) -> EndpointOpened:
        if command.endpoint_id in self._endpoints:
            raise ValueError(f"endpoint {command.endpoint_id} already exists")
        codec = codec_named(command.codec)  # before a port is taken: a bad codec must not leak one
        if command.port is None:
            rtp_sock, rtcp_sock = self._ports.allocate()
        else:
            rtp_sock, rtcp_sock = self._ports.take(command.port)
        port = rtp_sock.getsockname()[1]
        endpoint = Endpoint(
            command.endpoint_id,
            port,
            codec,
            command.dtmf_payload_type,
            command.remote,
            command.inband_dtmf,
            command.media_timeout,
            self.loop.time(),
        )
        endpoint.next_rtcp = self.loop.time() + random.uniform(0.5, 1.5) * self._rtcp_interval
        try:
            rtcp, _ = await self.loop.create_datagram_endpoint(
                lambda: RtcpProtocol(endpoint, self.loop.time), sock=rtcp_sock
            )
        except OSError:
            rtp_sock.close()
            rtcp_sock.close()
            self._ports.release(port)
            raise
        self.relay.add(endpoint, rtp_sock)
        endpoint.rtcp = rtcp
        endpoint.rtcp_mux = command.rtcp_mux
        self._endpoints[command.endpoint_id] = endpoint
        return EndpointOpened(command.endpoint_id, self._advertised, port)

    def _describe(self, endpoint_id: str) -> EndpointDescribed:
        endpoint = self._endpoints[endpoint_id]
        return EndpointDescribed(
            endpoint_id,
            endpoint.port,
            endpoint.target,
            endpoint.latched,
            endpoint.codec.name,
            endpoint.dtmf_payload_type,
        )

    def _update(self, command: UpdateEndpoint) -> None:
        endpoint = self._endpoints[command.endpoint_id]
        if command.remote is not None and command.remote != endpoint.declared_remote:
            endpoint.declared_remote = command.remote
            endpoint.target = command.remote
            endpoint.latched = False
            self.relay.follow_latch(endpoint)  # the old address's packets no longer take the fast path
        if command.codec is not None:
            endpoint.codec = codec_named(command.codec)
        if command.dtmf_payload_type is not None:
            endpoint.dtmf_payload_type = command.dtmf_payload_type
        if command.direction is not None:
            endpoint.direction = command.direction
            endpoint.last_received = self.loop.time()  # the timeout counts from the change

    async def _close(self, endpoint_id: str) -> EndpointClosed:
        endpoint = self._endpoints.pop(endpoint_id)
        stats = self.leg_stats(endpoint)
        self._bridges.leave(endpoint_id)
        if endpoint.playback_id is not None:
            self._stop_playback(endpoint.playback_id, stopped=True)
        for recording_id in self._recordings.orphaned_by(endpoint_id):
            await self._finish_recording(recording_id)
        endpoint.closed = True
        self._active_senders.discard(endpoint)
        self._bridges.decoding.pop(endpoint_id, None)
        self.relay.remove(endpoint)
        if endpoint.rtcp is not None:
            endpoint.rtcp.close()
        self._ports.release(endpoint.port)
        return EndpointClosed(stats)

    # --- packets -----------------------------------------------------------------------------

    def _on_packet(
        self,
        endpoint: Endpoint,
        payload_type: int,
        sequence: int,
        timestamp: int,
        ssrc: int,
        marker: bool,
        payload: bytes,
        now: float,
    ) -> None:
        if not endpoint.stats.update(ssrc, sequence, timestamp, now):
            return  # duplicate
        endpoint.last_received = now
        endpoint.timed_out = False
        if payload_type == endpoint.dtmf_payload_type:
            self._on_telephone_event(endpoint, timestamp, marker, payload)
            return
        codec: Codec | None = endpoint.codec
        if payload_type != endpoint.codec.payload_type:
            codec = BY_PAYLOAD_TYPE.get(payload_type)  # the far end switched G.711 law mid-call
        if codec is None or not endpoint.can_receive:
            return  # comfort noise and unknown payloads are not carried
        peer = endpoint.forward_to
        if peer is not None and peer.source is None and not peer.dtmf_out:
            # The hot path of a 1:1 call: new header on the peer's stream, payload untouched.
            target = peer.target
            if target is not None and peer.can_send:
                data = payload if codec is peer.codec else transcode(payload, codec, peer.codec)
                peer.send_datagram(
                    peer.stream.forward(endpoint, timestamp, peer.codec.payload_type, marker, data), target
                )
        for line in endpoint.timelines:  # recorded: kept as payloads, decoded by the writer thread
            line.put(
                ssrc,
                timestamp,
                payload if codec is line.codec else transcode(payload, codec, line.codec),
                now,
            )
        if endpoint.jitter is not None or endpoint.inband is not None:
            pcm = codec.decode(payload)
            if endpoint.jitter is not None:
                endpoint.jitter.put(timestamp, pcm, now)
            if endpoint.inband is not None:
                for start in range(0, len(pcm) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
                    digit = endpoint.inband.feed(pcm[start : start + FRAME_SAMPLES])
                    if digit is not None:
                        self._emit(DtmfReceived(endpoint.endpoint_id, digit, "inband"))

    def _on_telephone_event(self, endpoint: Endpoint, timestamp: int, marker: bool, payload: bytes) -> None:
        digit = endpoint.dtmf_in.receive(timestamp, payload)
        if digit is not None:
            self._emit(DtmfReceived(endpoint.endpoint_id, digit, "rfc4733"))
        peer = endpoint.forward_to
        if (
            peer is not None
            and peer.dtmf_payload_type is not None
            and peer.source is None
            and not peer.dtmf_out
        ):
            seq, ts, switched = peer.stream.next_header(endpoint, 0, timestamp)
            peer.send_rtp(peer.stream.pack(peer.dtmf_payload_type, seq, ts, switched or marker, payload))

    # --- playback, recording, DTMF out --------------------------------------------------------

    def _start_playback(self, command: StartPlayback) -> None:
        endpoint = self._endpoints[command.endpoint_id]
        if command.playback_id in self._playbacks:
            raise ValueError(f"playback {command.playback_id} already exists")
        self._play(command.playback_id, endpoint, source_for(command.media, command.loop))

    def _play(self, playback_id: str, endpoint: Endpoint, source: Source) -> None:
        if endpoint.playback_id is not None:
            self._stop_playback(endpoint.playback_id, stopped=True)
        endpoint.source = source
        endpoint.playback_id = playback_id
        self._playbacks[playback_id] = endpoint
        self._active_senders.add(endpoint)

    def _stop_playback(self, playback_id: str, *, stopped: bool) -> None:
        endpoint = self._playbacks.pop(playback_id, None)
        if endpoint is None:
            return
        endpoint.source = None
        endpoint.playback_id = None
        if not endpoint.dtmf_out:
            self._active_senders.discard(endpoint)
        self._emit(PlaybackFinished(playback_id, endpoint.endpoint_id, stopped))

    async def _finish_recording(self, recording_id: str) -> None:
        finished = await self._recordings.finish(recording_id, self.loop.time(), self.recording_writer)
        if finished is not None:
            self._emit(finished)

    def _send_dtmf(self, command: SendDtmf) -> None:
        endpoint = self._endpoints[command.endpoint_id]
        if endpoint.dtmf_payload_type is None:
            # No telephone-event negotiated: play the tones in band.
            source = inband_dtmf_source(command.digits, command.duration_ms)
            self._play(f"dtmf:{command.endpoint_id}:{self._ticks}", endpoint, source)
            return
        packets: list[tuple[bytes | None, bool]] = []
        for digit in command.digits:
            packets.extend(EventSender(digit, command.duration_ms).packets())
            packets.extend([(None, False)] * _DTMF_GAP_TICKS)
        endpoint.queue_dtmf(packets)
        self._active_senders.add(endpoint)

    # --- the 20 ms clock ---------------------------------------------------------------------

    def _tick(self) -> None:
        loop = self.loop
        now = loop.time()
        lateness = now - self._next_tick
        if self._ticks >= self._warm_up_ticks:
            self._max_lateness = max(self._max_lateness, lateness)
            self._figures_lateness = max(self._figures_lateness, lateness)
        self._next_tick += TICK
        if now - self._next_tick > 5 * TICK:
            self._next_tick = now + TICK  # we fell far behind (suspended?): resync, don't burst
        self._timer = loop.call_at(self._next_tick, self._tick)
        self._ticks += 1
        try:
            self._run_tick(now)
        except Exception:
            log.exception("media tick failed")

    def _run_tick(self, now: float) -> None:
        frames: dict[str, Pcm | None] = {}
        for endpoint_id, endpoint in self._bridges.decoding.items():
            if endpoint.jitter is not None:
                frames[endpoint_id] = endpoint.jitter.pull()
        mixed = self._mixer.tick(frames) if self._mixer.active else {}
        self._bridges.settle()
        for endpoint_id, pcm in mixed.items():
            listener = self._endpoints.get(endpoint_id)
            if listener is None or listener.source is not None or listener.dtmf_out:
                continue
            if not self._handed_over(listener):
                continue
            seq, ts, marker = listener.stream.next_header(_MIXER_SOURCE, FRAME_SAMPLES)
            codec = listener.codec
            payload = codec.encode(pcm)
            listener.send_rtp(listener.stream.pack(codec.payload_type, seq, ts, marker, payload))
            for line in listener.heard_timelines:  # a conference recorded: what this leg hears
                line.put(listener.stream.ssrc, ts, payload, now)
        for endpoint in list(self._active_senders):
            self._send_generated(endpoint)
        if self._recordings:
            self._recordings.hand_over(now, self.recording_writer)
        if self._ticks % HOUSEKEEPING_TICKS == 0:
            self._housekeeping(now)

    def _handed_over(self, endpoint: Endpoint) -> bool:
        """A leg that just left pass-through keeps getting forwarded packets until the mix has audio."""
        speaker = endpoint.forwarded_from
        if speaker is None:
            return True
        if speaker.forward_to is endpoint and self._mixer.mix_of(speaker.endpoint_id) is not None:
            if speaker.jitter is not None and not speaker.jitter.playing:
                return False
            speaker.forward_to = None
        endpoint.forwarded_from = None
        return True

    def _send_generated(self, endpoint: Endpoint) -> None:
        stream = endpoint.stream
        if endpoint.dtmf_out:
            payload, first = endpoint.next_dtmf()
            if payload is not None and endpoint.dtmf_payload_type is not None:
                if first:
                    endpoint.dtmf_timestamp = stream.timestamp
                seq, _ = stream.event_header(endpoint.dtmf_out)
                endpoint.send_rtp(
                    stream.pack(endpoint.dtmf_payload_type, seq, endpoint.dtmf_timestamp, first, payload)
                )
            stream.advance(FRAME_SAMPLES)
            if endpoint.dtmf_out or endpoint.source is not None:
                return
            self._active_senders.discard(endpoint)
            return
        source = endpoint.source
        if source is None:
            self._active_senders.discard(endpoint)
            return
        frame = source.next_frame()
        if frame is None:
            if endpoint.playback_id is not None:
                self._stop_playback(endpoint.playback_id, stopped=False)
            return
        seq, ts, marker = stream.next_header(source, FRAME_SAMPLES)
        endpoint.send_rtp(
            stream.pack(endpoint.codec.payload_type, seq, ts, marker, endpoint.codec.encode(frame))
        )

    def _housekeeping(self, now: float) -> None:
        for endpoint in list(self._endpoints.values()):
            endpoint.fold_relay_counts()  # the relay's in-place packets count for timeouts and RTCP
            if (
                endpoint.media_timeout is not None
                and endpoint.direction.receives
                and not endpoint.timed_out
                and now - endpoint.last_received > endpoint.media_timeout
            ):
                endpoint.timed_out = True
                self._emit(MediaTimeout(endpoint.endpoint_id, now - endpoint.last_received))
            if now >= endpoint.next_rtcp:
                endpoint.next_rtcp = now + random.uniform(0.5, 1.5) * self._rtcp_interval
                stream = endpoint.stream
                endpoint.send_rtcp(
                    build_report(
                        stream.ssrc,
                        sent_packets=stream.sent_packets,
                        sent_octets=stream.sent_octets,
                        rtp_timestamp=stream.timestamp,
                        receive=endpoint.stats,
                        now=now,
                    )
                )

    # --- observation -------------------------------------------------------------------------

    def endpoint(self, endpoint_id: str) -> Endpoint:
        return self._endpoints[endpoint_id]

    def endpoints(self) -> Iterable[Endpoint]:
        return self._endpoints.values()

    def leg_stats(self, endpoint: Endpoint | str) -> LegStats:
        leg = self._endpoints[endpoint] if isinstance(endpoint, str) else endpoint
        block = leg.remote_block
        return LegStats(
            endpoint_id=leg.endpoint_id,
            packets_received=leg.stats.received,
            packets_sent=leg.stream.sent_packets,
            packets_lost=leg.stats.lost,
            jitter_ms=round(leg.stats.jitter_ms, 3),
            remote_fraction_lost=None if block is None else block.fraction_lost,
            remote_jitter_ms=None if block is None else block.jitter_samples * 1000.0 / leg.stats.clock_rate,
        )

    def figures(self) -> MediaFigures:
        # Plain sums, no LegStats a leg: a worker with 2,000 legs does this every few seconds.
        endpoints = self._endpoints.values()
        lateness_ms = self._figures_lateness * 1000.0
        self._figures_lateness = 0.0
        return MediaFigures(
            legs=len(endpoints),
            packets_received=sum(endpoint.stats.received for endpoint in endpoints),
            packets_sent=sum(endpoint.stream.sent_packets for endpoint in endpoints),
            packets_relayed_in_place=self.relay.relayed,
            send_failures=sum(endpoint.send_failures for endpoint in endpoints),
            max_tick_lateness_ms=round(lateness_ms, 2),
            cpu_seconds=round(time.process_time(), 3),
        )

    def health(self) -> MediaHealth:
        running = self._timer is not None
        free = self._ports.capacity - self._ports.in_use
        lateness_ms = self._max_lateness * 1000.0
        self._max_lateness = 0.0  # each health read covers the time since the previous one
        problems = []
        if free == 0:
            problems.append("RTP port range exhausted")
        if lateness_ms > 100:
            problems.append(f"media clock ran {lateness_ms:.0f} ms late")
        if running and self._loop is not None and not _is_uvloop(self._loop):
            problems.append("not running on uvloop")
        status = "stopped" if not running else ("degraded" if problems else "ok")
        return MediaHealth(
            status=status,
            event_loop=type(self._loop).__module__ if self._loop is not None else "none",
            endpoints=len(self._endpoints),
            bridges=len(self._bridges),
            mixes=self._bridges.mixes(),
            recordings=len(self._recordings),
            ports_free=free,
            max_tick_lateness_ms=round(lateness_ms, 2),
            detail="; ".join(problems),
        )


def _is_uvloop(loop: asyncio.AbstractEventLoop) -> bool:
    return type(loop).__module__.startswith("uvloop")
