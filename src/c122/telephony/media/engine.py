"""The media engine: endpoints, pass-through and mixed bridges, playback, recording, DTMF.

Packets of a 1:1 bridge are forwarded as they arrive, payload untouched (header rewritten onto
the receiving leg's own SSRC/sequence/timestamp line), mostly by the `RtpRelay` without ever
reaching this module. Recorded legs keep their payloads on a timeline that a writer thread turns
into WAV once a second. Everything that needs decoded audio - mixes, players, DTMF sending -
runs on one 20 ms clock for all legs at once.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Final

from c122.telephony.media.codecs import BY_PAYLOAD_TYPE, FRAME_SAMPLES, Codec, Pcm, codec_named, transcode
from c122.telephony.media.dtmf import EventSender
from c122.telephony.media.endpoint import Endpoint, RtcpProtocol
from c122.telephony.media.jitter import pcm_jitter_buffer
from c122.telephony.media.messages import (
    CloseEndpoint,
    Command,
    Done,
    DtmfReceived,
    EndpointClosed,
    EndpointOpened,
    EventHandler,
    LegStats,
    MediaError,
    MediaEvent,
    MediaTimeout,
    OpenEndpoint,
    PlaybackFinished,
    RecordingFinished,
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
from c122.telephony.media.mixer import Mixer
from c122.telephony.media.ports import PortAllocator, PortRangeExhausted
from c122.telephony.media.recorder import StereoWavRecorder
from c122.telephony.media.recording import REORDER_ALLOWANCE, PayloadTimeline, RecordingWriter
from c122.telephony.media.relay import RtpRelay
from c122.telephony.media.rtcp import build_report
from c122.telephony.media.sources import Source
from c122.telephony.media.spec import inband_dtmf_source, source_for

log = logging.getLogger(__name__)

TICK: Final = FRAME_SAMPLES / 8000.0
HOUSEKEEPING_TICKS: Final = 10  # media timeouts and RTCP are checked every 200 ms
RECORDING_BLOCK: Final = 1.0  # seconds between a recording's hand-overs to the writer thread
_HANDOVER_SPREAD: Final = 50  # recordings started together hand over in different ticks
_MIXER_SOURCE: Final = object()  # identity of mixed audio on an outgoing stream
_DTMF_GAP_TICKS: Final = 3


@dataclass(slots=True)
class _Recording:
    recording_id: str
    writer: StereoWavRecorder
    left: str
    right: str | None
    left_line: PayloadTimeline
    right_line: PayloadTimeline | None
    next_handover: float

    def cut(self, until: int, now: float) -> tuple[bytes, bytes | None]:
        """Both sides up to the same recording sample, in whole frames."""
        until -= until % FRAME_SAMPLES
        left = self.left_line.take(until, now)
        right = self.right_line.take(until, now) if self.right_line is not None else None
        return left, right


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
    ) -> None:
        self._rtcp_interval = rtcp_interval
        self._warm_up_ticks = round(warm_up / TICK)
        self._ports = PortAllocator(bind_host, port_min, port_max)
        self._advertised = public_address or bind_host
        self._endpoints: dict[str, Endpoint] = {}
        self._bridges: dict[str, SetBridge] = {}
        self._bridge_of: dict[str, str] = {}
        self._mixer = Mixer()
        self._decoding: dict[str, Endpoint] = {}
        self._recordings: dict[str, _Recording] = {}
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
        for recording_id in list(self._recordings):
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
        except (KeyError, ValueError, PortRangeExhausted) as exc:
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
                self._set_bridge(command)
            case RemoveBridge():
                self._remove_bridge(command.bridge_id)
            case StartPlayback():
                self._start_playback(command)
            case StopPlayback():
                self._stop_playback(command.playback_id, stopped=True)
            case StartRecording():
                self._start_recording(command)
            case StopRecording():
                await self._finish_recording(command.recording_id)
            case SendDtmf():
                self._send_dtmf(command)
        return Done()

    async def _open(self, command: OpenEndpoint) -> EndpointOpened:
        if command.endpoint_id in self._endpoints:
            raise ValueError(f"endpoint {command.endpoint_id} already exists")
        rtp_sock, rtcp_sock = self._ports.allocate()
        port = rtp_sock.getsockname()[1]
        endpoint = Endpoint(
            command.endpoint_id,
            port,
            codec_named(command.codec),
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
        bridge_id = self._bridge_of.get(endpoint_id)
        if bridge_id is not None:
            bridge = self._bridges[bridge_id]
            members = tuple(m for m in bridge.members if m != endpoint_id)
            hears = tuple(pair for pair in bridge.hears if endpoint_id not in pair)
            self._set_bridge(SetBridge(bridge_id, members, hears))
        if endpoint.playback_id is not None:
            self._stop_playback(endpoint.playback_id, stopped=True)
        for recording in list(self._recordings.values()):
            if endpoint_id in (recording.left, recording.right) and not self._recording_has_live_side(
                recording, endpoint_id
            ):
                await self._finish_recording(recording.recording_id)
        endpoint.closed = True
        self._active_senders.discard(endpoint)
        self._decoding.pop(endpoint_id, None)
        self.relay.remove(endpoint)
        if endpoint.rtcp is not None:
            endpoint.rtcp.close()
        self._ports.release(endpoint.port)
        return EndpointClosed(stats)

    def _recording_has_live_side(self, recording: _Recording, closing: str) -> bool:
        other = recording.right if recording.left == closing else recording.left
        return other is not None and other in self._endpoints

    # --- bridges -----------------------------------------------------------------------------

    def _set_bridge(self, command: SetBridge) -> None:
        for member in command.members:
            if member not in self._endpoints:
                raise KeyError(f"unknown endpoint {member}")
            owner = self._bridge_of.get(member)
            if owner is not None and owner != command.bridge_id:
                raise ValueError(f"endpoint {member} is already in bridge {owner}")
        previous = self._bridges.get(command.bridge_id)
        if previous is not None:
            for member in previous.members:
                if member not in command.members:
                    self._bridge_of.pop(member, None)
                    self._unforward(self._endpoints.get(member))
        if not command.members:
            self._bridges.pop(command.bridge_id, None)
            self._mixer.remove_mix(command.bridge_id)
            self._refresh_decoding()
            return
        self._bridges[command.bridge_id] = command
        for member in command.members:
            self._bridge_of[member] = command.bridge_id
        hears = set(command.hears)
        if not hears:
            # Nobody hears anybody (a lone leg, everyone held): nothing to forward or mix.
            self._mixer.remove_mix(command.bridge_id)
            for member in command.members:
                self._unforward(self._endpoints[member])
            self._refresh_decoding()
            return
        if len(command.members) == 2:
            a, b = (self._endpoints[m] for m in command.members)
            forward = {(a.endpoint_id, b.endpoint_id), (b.endpoint_id, a.endpoint_id)}
            if hears <= forward:
                # Two legs, one or both ways: forward payloads as they come, nothing decoded.
                self._mixer.remove_mix(command.bridge_id)
                self._unforward(a)
                self._unforward(b)
                if (b.endpoint_id, a.endpoint_id) in hears:
                    a.forward_to, b.forwarded_from = b, a
                if (a.endpoint_id, b.endpoint_id) in hears:
                    b.forward_to, a.forwarded_from = a, b
                self._refresh_decoding()
                return
        # Mixed. Forwarding carries on until each speaker's jitter buffer plays (no gap).
        self._mixer.set_mix(command.bridge_id, command.members, hears)
        self._refresh_decoding()

    def _unforward(self, endpoint: Endpoint | None) -> None:
        if endpoint is None:
            return
        for other in (endpoint.forward_to, endpoint.forwarded_from):
            if other is not None:
                if other.forward_to is endpoint:
                    other.forward_to = None
                if other.forwarded_from is endpoint:
                    other.forwarded_from = None
        endpoint.forward_to = endpoint.forwarded_from = None

    def _remove_bridge(self, bridge_id: str) -> None:
        if bridge_id in self._bridges:
            self._set_bridge(SetBridge(bridge_id, (), ()))

    def _refresh_decoding(self) -> None:
        """Decode and buffer exactly the legs a mix listens to."""
        mixed = self._mixer.inputs()
        self._decoding.clear()
        for endpoint in self._endpoints.values():
            endpoint_id = endpoint.endpoint_id
            if endpoint_id in mixed:
                if endpoint.jitter is None:
                    endpoint.jitter = pcm_jitter_buffer()
                self._decoding[endpoint_id] = endpoint
            else:
                endpoint.jitter = None

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

    def _start_recording(self, command: StartRecording) -> None:
        for side in (command.left, command.right):
            if side is not None and side not in self._endpoints:
                raise KeyError(f"unknown endpoint {side}")
        if command.recording_id in self._recordings:
            raise ValueError(f"recording {command.recording_id} already exists")
        now = self.loop.time()
        left = self._endpoints[command.left]
        right = self._endpoints.get(command.right or "")
        left_line = PayloadTimeline(left.codec, now)
        right_line = PayloadTimeline(right.codec, now) if right is not None else None
        codecs = (left.codec, right.codec if right is not None else left.codec)
        writer = StereoWavRecorder(Path(command.path), codecs=codecs)
        self._recordings[command.recording_id] = _Recording(
            command.recording_id,
            writer,
            command.left,
            command.right,
            left_line,
            right_line,
            now
            + RECORDING_BLOCK
            + REORDER_ALLOWANCE / 8000
            + TICK * (len(self._recordings) % _HANDOVER_SPREAD),
        )
        left.timelines += (left_line,)
        if right is not None and right_line is not None:
            right.timelines += (right_line,)

    async def _finish_recording(self, recording_id: str) -> None:
        recording = self._recordings.pop(recording_id, None)
        if recording is None:
            return
        for endpoint_id, line in (
            (recording.left, recording.left_line),
            (recording.right, recording.right_line),
        ):
            endpoint = self._endpoints.get(endpoint_id or "")
            if endpoint is not None and line is not None:
                endpoint.timelines = tuple(kept for kept in endpoint.timelines if kept is not line)
        now = self.loop.time()
        left, right = recording.cut(recording.left_line.position_now(now), now)
        await self.recording_writer.finish(recording.writer, left, right)
        self._emit(
            RecordingFinished(recording_id, str(recording.writer.path), recording.writer.duration_seconds)
        )

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
        for endpoint_id, endpoint in self._decoding.items():
            if endpoint.jitter is not None:
                frames[endpoint_id] = endpoint.jitter.pull()
        mixed = self._mixer.tick(frames) if self._mixer.active else {}
        for endpoint_id, pcm in mixed.items():
            listener = self._endpoints.get(endpoint_id)
            if listener is None or listener.source is not None or listener.dtmf_out:
                continue
            if not self._handed_over(listener):
                continue
            seq, ts, marker = listener.stream.next_header(_MIXER_SOURCE, FRAME_SAMPLES)
            codec = listener.codec
            listener.send_rtp(listener.stream.pack(codec.payload_type, seq, ts, marker, codec.encode(pcm)))
        for endpoint in list(self._active_senders):
            self._send_generated(endpoint)
        if self._recordings:
            self._hand_over_recordings(now)
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

    def _hand_over_recordings(self, now: float) -> None:
        """Each recording's last second goes to the writer thread, a little behind real time so
        that late and reordered packets are in it."""
        writer = self.recording_writer
        for recording in self._recordings.values():
            if now >= recording.next_handover:
                recording.next_handover = now + RECORDING_BLOCK
                until = recording.left_line.position_now(now) - REORDER_ALLOWANCE
                left, right = recording.cut(until, now)
                if left:
                    writer.append(recording.writer, left, right)

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
            mixes=sum(
                1 for b in self._bridges if self._mixer.mix_of(self._bridges[b].members[0]) is not None
            ),
            recordings=len(self._recordings),
            ports_free=free,
            max_tick_lateness_ms=round(lateness_ms, 2),
            detail="; ".join(problems),
        )


def _is_uvloop(loop: asyncio.AbstractEventLoop) -> bool:
    return type(loop).__module__.startswith("uvloop")
