"""`MediaWorkers`: the `MediaControl` call control drives, carried out by N media worker processes.

A new leg goes to the worker with the fewest legs, from that worker's slice of the RTP range. The
legs of a bridge or a recording must share a worker (the relay and the mixer work on one engine's
legs), so when a bridge or recording names legs of several workers, the legs that carry nothing else
(no recording, playback or other bridge) move to the worker holding the rest: the leg is closed there
and opened here on the same port, toward the address it had latched, so its far end notices only a
new SSRC. When a worker dies, its recordings are reported finished (the file is readable up to the
last second handed over), its playbacks stopped, and its legs `MediaLost`, which call control hangs
up; the worker is started again on the same port slice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass, field, replace
from typing import Final

from c122.telephony.media.engine import MediaHealth
from c122.telephony.media.messages import (
    CloseEndpoint,
    Command,
    DescribeEndpoint,
    Direction,
    Done,
    EndpointClosed,
    EndpointDescribed,
    EndpointOpened,
    EventHandler,
    LegStats,
    MediaError,
    MediaEvent,
    MediaLost,
    NoMediaPorts,
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
from c122.telephony.media.workers.client import WorkerClient
from c122.telephony.media.workers.port_gate import PortGate

log = logging.getLogger(__name__)

RESTART_DELAY: Final = 0.5  # seconds between attempts to start a dead worker again
_WAV_HEADER: Final = 44
_BYTES_PER_SECOND: Final = 8000 * 2 * 2  # 8 kHz, 16-bit, stereo


@dataclass(slots=True)
class _Leg:
    worker: WorkerClient
    opened: OpenEndpoint
    port: int  # its RTP port (RTCP on the next): whose kernel drop counts /metrics reads
    direction: Direction | None = None
    carried: list[LegStats] = field(default_factory=list)  # figures from workers it moved away from


def port_slices(port_min: int, port_max: int, count: int) -> list[tuple[int, int]]:
    """`count` slices of whole RTP/RTCP pairs (even RTP port) covering the range."""
    first = port_min + (port_min % 2)
    pairs = (port_max - first + 1) // 2
    if pairs < count:
        raise ValueError(f"RTP port range {port_min}-{port_max} has fewer pairs than {count} media workers")
    slices = []
    for index in range(count):
        low = first + 2 * (pairs * index // count)
        high = first + 2 * (pairs * (index + 1) // count) - 1
        slices.append((low, high))
    return slices


class MediaWorkers:
    def __init__(
        self,
        *,
        count: int,
        bind_host: str,
        public_address: str,
        port_min: int,
        port_max: int,
        cpus: tuple[int, ...] = (),
    ) -> None:
        if count < 1:
            raise ValueError("media workers: at least one")
        self._handlers: list[EventHandler] = []
        self._range = (port_min, port_max)
        self._workers = [
            WorkerClient(
                index,
                host=bind_host,
                public_address=public_address,
                ports=ports,
                any_ports=self._range,
                on_event=self._on_event,
                on_exit=self._on_exit,
                cpu=cpus[index] if cpus else None,
            )
            for index, ports in enumerate(port_slices(port_min, port_max, count))
        ]
        self._port_gates = [PortGate() for _ in self._workers]
        self._legs: dict[str, _Leg] = {}
        self._bridges: dict[str, tuple[WorkerClient, tuple[str, ...]]] = {}
        self._playbacks: dict[str, tuple[WorkerClient, str]] = {}
        self._recordings: dict[str, tuple[WorkerClient, StartRecording]] = {}
        self._lost: dict[str, LegStats] = {}  # legs of a dead worker until call control closes them
        self._restarting: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False
        self.restarts = 0
        self._restarted = asyncio.Event()

    @property
    def workers(self) -> list[WorkerClient]:
        return list(self._workers)

    def legs_of(self, worker: WorkerClient) -> list[str]:
        return [leg_id for leg_id, leg in self._legs.items() if leg.worker is worker]

    def running(self) -> list[int]:
        """The indexes of the workers that run (not being restarted)."""
        return [w.index for w in self._workers if w.index not in self._restarting]

    def ports_of(self, worker: WorkerClient) -> list[int]:
        """The RTP ports of the worker's legs (each leg's RTCP port is the next)."""
        return [leg.port for leg in self._legs.values() if leg.worker is worker]

    async def start(self) -> None:
        await asyncio.gather(*(worker.start() for worker in self._workers))
        log.info(
            "media workers: %s",
            ", ".join(f"pid {w.pid} ports {w.ports[0]}-{w.ports[1]}" for w in self._workers),
        )

    async def stop(self) -> None:
        self._stopped = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*(worker.stop() for worker in self._workers), return_exceptions=True)

    def subscribe(self, handler: EventHandler) -> None:
        self._handlers.append(handler)

    def _emit(self, event: MediaEvent) -> None:
        for handler in self._handlers:
            try:
                handler(event)
            except Exception:
                log.exception("media event handler failed for %r", event)

    def _on_event(self, event: MediaEvent) -> None:
        if isinstance(event, PlaybackFinished):
            self._playbacks.pop(event.playback_id, None)
        elif isinstance(event, RecordingFinished):
            self._recordings.pop(event.recording_id, None)
        self._emit(event)

    # --- commands ----------------------------------------------------------------------------

    async def execute(self, command: Command) -> Reply:
        match command:
            case OpenEndpoint():
                return await self._open(command)
            case CloseEndpoint():
                return await self._close(command.endpoint_id)
            case UpdateEndpoint():
                leg = self._leg(command.endpoint_id)
                reply = await leg.worker.execute(command)
                leg.opened = replace(
                    leg.opened,
                    remote=command.remote or leg.opened.remote,
                    codec=command.codec or leg.opened.codec,
                    dtmf_payload_type=command.dtmf_payload_type or leg.opened.dtmf_payload_type,
                )
                leg.direction = command.direction or leg.direction
                return reply
            case SetBridge():
                return await self._set_bridge(command)
            case RemoveBridge():
                bridge = self._bridges.pop(command.bridge_id, None)
                return Done() if bridge is None else await bridge[0].execute(command)
            case StartPlayback():
                worker = self._leg(command.endpoint_id).worker
                reply = await worker.execute(command)
                self._playbacks[command.playback_id] = (worker, command.endpoint_id)
                return reply
            case StopPlayback():
                playback = self._playbacks.get(command.playback_id)
                return Done() if playback is None else await playback[0].execute(command)
            case StartRecording():
                legs = (
                    (command.left,)
                    if command.right is None or command.right_mixed
                    else (command.left, command.right)
                )
                worker = await self._together(legs, command.recording_id)
                reply = await worker.execute(command)
                self._recordings[command.recording_id] = (worker, command)
                return reply
            case StopRecording():
                recording = self._recordings.get(command.recording_id)
                return Done() if recording is None else await recording[0].execute(command)
            case SendDtmf() | DescribeEndpoint():
                return await self._leg(command.endpoint_id).worker.execute(command)
        raise MediaError(f"unknown command {command!r}")

    def _leg(self, endpoint_id: str) -> _Leg:
        leg = self._legs.get(endpoint_id)
        if leg is None:
            raise MediaError(f"unknown endpoint {endpoint_id}")
        return leg

    async def _open(self, command: OpenEndpoint) -> Reply:
        if command.endpoint_id in self._legs:
            raise MediaError(f"endpoint {command.endpoint_id} already exists")
        candidates = [self._owner(command.port)] if command.port is not None else self._by_load()
        for worker in candidates:
            try:
                async with self._port_gates[worker.index].opening():
                    reply = await worker.execute(command)
            except NoMediaPorts:
                # A worker's slice can run out before the others: legs moved away keep its ports.
                if worker is candidates[-1]:
                    raise
                continue
            assert isinstance(reply, EndpointOpened)
            self._legs[command.endpoint_id] = _Leg(worker, command, reply.port)
            return reply
        raise NoMediaPorts("no media worker is running")

    def _by_load(self) -> list[WorkerClient]:
        """The running workers, the one with the fewest legs first."""
        live = [w for w in self._workers if w.index not in self._restarting] or self._workers
        load = {w.index: 0 for w in live}
        for leg in self._legs.values():
            if leg.worker.index in load:
                load[leg.worker.index] += 1
        return sorted(live, key=lambda w: (load[w.index], w.index))

    def _owner(self, port: int) -> WorkerClient:
        for worker in self._workers:
            if worker.ports[0] <= port <= worker.ports[1]:
                return worker
        raise MediaError(f"RTP port {port} is outside the range {self._range[0]}-{self._range[1]}")

    async def _close(self, endpoint_id: str) -> Reply:
        lost = self._lost.pop(endpoint_id, None)
        if lost is not None:
            return EndpointClosed(lost)
        leg = self._leg(endpoint_id)
        reply = await leg.worker.execute(CloseEndpoint(endpoint_id))
        del self._legs[endpoint_id]
        for playback_id, (_, playing_to) in list(self._playbacks.items()):
            if playing_to == endpoint_id:
                del self._playbacks[playback_id]
        if isinstance(reply, EndpointClosed) and leg.carried:
            return EndpointClosed(_summed(endpoint_id, [*leg.carried, reply.stats]))
        return reply

    async def _set_bridge(self, command: SetBridge) -> Reply:
        previous = self._bridges.get(command.bridge_id)
        if not command.members:
            self._bridges.pop(command.bridge_id, None)
            return Done() if previous is None else await previous[0].execute(command)
        worker = await self._together(command.members, command.bridge_id)
        if previous is not None and previous[0] is not worker:
            await previous[0].execute(RemoveBridge(command.bridge_id))
        reply = await worker.execute(command)
        self._bridges[command.bridge_id] = (worker, command.members)
        return reply

    # --- keeping the legs of a bridge or recording on one worker --------------------------------

    async def _together(self, leg_ids: tuple[str, ...], purpose: str) -> WorkerClient:
        legs = {leg_id: self._leg(leg_id) for leg_id in leg_ids}
        workers = {leg.worker.index: leg.worker for leg in legs.values()}
        if len(workers) == 1:
            return next(iter(workers.values()))
        pinned = {leg_id for leg_id in legs if self._pinned(leg_id, purpose)}
        score = dict.fromkeys(workers, 0)
        for leg_id, leg in legs.items():
            score[leg.worker.index] += 1000 if leg_id in pinned else 1
        target = workers[max(score, key=lambda index: (score[index], -index))]
        stuck = [leg_id for leg_id, leg in legs.items() if leg.worker is not target and leg_id in pinned]
        if stuck:
            raise MediaError(f"{purpose}: legs {', '.join(stuck)} are held on another media worker")
        for leg_id, leg in legs.items():
            if leg.worker is not target:
                await self._move(leg_id, leg, target)
        return target

    def _pinned(self, leg_id: str, purpose: str) -> bool:
        """A leg that carries something besides `purpose` cannot move without breaking it."""
        return (
            any(leg_id == left for _, (_, rec) in self._recordings.items() for left in (rec.left, rec.right))
            or any(playing_to == leg_id for _, playing_to in self._playbacks.values())
            or any(
                leg_id in members for bridge_id, (_, members) in self._bridges.items() if bridge_id != purpose
            )
        )

    async def _move(self, leg_id: str, leg: _Leg, target: WorkerClient) -> None:
        source = leg.worker
        async with self._port_gates[source.index].moving():
            described = await source.execute(DescribeEndpoint(leg_id))
            assert isinstance(described, EndpointDescribed)
            closed = await source.execute(CloseEndpoint(leg_id))
            assert isinstance(closed, EndpointClosed)
            leg.carried.append(closed.stats)
            reopened = replace(
                leg.opened,
                port=described.port,
                remote=described.remote or leg.opened.remote,
                codec=described.codec,
                dtmf_payload_type=described.dtmf_payload_type,
            )
            try:
                opened = await target.execute(reopened)
            except MediaError:
                del self._legs[leg_id]
                self._lost[leg_id] = _summed(leg_id, leg.carried)
                self._emit(MediaLost(leg_id, "could not move to another media worker"))
                raise
        assert isinstance(opened, EndpointOpened)
        leg.worker = target
        leg.port = opened.port
        if leg.direction is not None:
            await target.execute(UpdateEndpoint(leg_id, direction=leg.direction))
        log.info(
            "leg %s moved from media worker %d to %d (port %d)",
            leg_id,
            source.index,
            target.index,
            opened.port,
        )

    # --- a worker that dies --------------------------------------------------------------------

    def _on_exit(self, worker: WorkerClient) -> None:
        if self._stopped:
            return
        self._restarting.add(worker.index)
        for recording_id, (held_by, recording) in list(self._recordings.items()):
            if held_by is worker:
                del self._recordings[recording_id]
                self._emit(RecordingFinished(recording_id, recording.path, _recorded_seconds(recording.path)))
        for playback_id, (held_by, endpoint_id) in list(self._playbacks.items()):
            if held_by is worker:
                del self._playbacks[playback_id]
                self._emit(PlaybackFinished(playback_id, endpoint_id, True))
        for bridge_id, (held_by, _) in list(self._bridges.items()):
            if held_by is worker:
                del self._bridges[bridge_id]
        lost = self.legs_of(worker)
        for leg_id in lost:
            leg = self._legs.pop(leg_id)
            self._lost[leg_id] = _summed(leg_id, leg.carried)
        for leg_id in lost:
            self._emit(MediaLost(leg_id, f"media worker {worker.index} died"))
        log.error("media worker %d died with %d leg(s); restarting it", worker.index, len(lost))
        task = asyncio.get_running_loop().create_task(self._restart(worker))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _restart(self, dead: WorkerClient) -> None:
        while not self._stopped:
            worker = dead.again()
            try:
                await worker.start()
            except (OSError, MediaError):
                log.exception("media worker %d did not start; trying again", dead.index)
                with contextlib.suppress(Exception):
                    await worker.stop()
                await asyncio.sleep(RESTART_DELAY)
                continue
            self._workers[dead.index] = worker
            self._restarting.discard(dead.index)
            self.restarts += 1
            self._restarted.set()
            log.info("media worker %d started again (pid %s)", dead.index, worker.pid)
            return

    async def wait_restarts(self, count: int) -> None:
        """Until `count` workers have been started again since the start."""
        while self.restarts < count:
            self._restarted.clear()
            await self._restarted.wait()

    # --- health --------------------------------------------------------------------------------

    async def health(self) -> MediaHealth:
        parts: list[MediaHealth] = []
        problems: list[str] = []
        for worker in self._workers:
            if worker.index in self._restarting:
                problems.append(f"media worker {worker.index} restarting")
                continue
            try:
                part = await asyncio.wait_for(worker.health(), 2.0)
            except (MediaError, TimeoutError):
                problems.append(f"media worker {worker.index} does not answer")
                continue
            parts.append(part)
            problems.extend(
                f"worker {worker.index}: {p}" for p in part.detail.split("; ") if p and "exhausted" not in p
            )
        # Counted here, not added up: a moved leg holds a port of another worker's slice.
        ports_free = max(0, sum(_pairs(w.ports) for w in self._workers) - len(self._legs))
        if not ports_free:
            problems.append("RTP port range exhausted")
        status = "stopped" if not parts else ("degraded" if problems else "ok")
        return MediaHealth(
            status=status,
            event_loop=f"{parts[0].event_loop if parts else 'none'} in {len(self._workers)} media workers",
            endpoints=sum(p.endpoints for p in parts),
            bridges=sum(p.bridges for p in parts),
            mixes=sum(p.mixes for p in parts),
            recordings=sum(p.recordings for p in parts),
            ports_free=ports_free,
            max_tick_lateness_ms=max((p.max_tick_lateness_ms for p in parts), default=0.0),
            detail="; ".join(problems),
        )


def _pairs(ports: tuple[int, int]) -> int:
    return (ports[1] - ports[0] + 1) // 2


def _summed(endpoint_id: str, parts: list[LegStats]) -> LegStats:
    if not parts:
        return LegStats(endpoint_id, 0, 0, 0, 0.0, None, None)
    last = parts[-1]
    return replace(
        last,
        packets_received=sum(p.packets_received for p in parts),
        packets_sent=sum(p.packets_sent for p in parts),
        packets_lost=sum(p.packets_lost for p in parts),
    )


def _recorded_seconds(path: str) -> float:
    """What a dead worker's recording holds: its file up to the last block handed over."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return 0.0
    return round(max(0, size - _WAV_HEADER) / _BYTES_PER_SECOND, 3)
