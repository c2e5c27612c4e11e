"""The media engine in worker processes: the same commands as in process, legs placed on the least
loaded worker and brought together for a bridge, and a worker killed mid-call (kill -9) ending its
calls honestly and coming back."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import wave
from collections.abc import AsyncIterator

import pytest

from c122.telephony.control import ChannelHungUp
from c122.telephony.control.hearing import BridgeKind
from c122.telephony.media.messages import (
    CloseEndpoint,
    EndpointClosed,
    EndpointOpened,
    MediaError,
    MediaLost,
    NoMediaPorts,
    OpenEndpoint,
    RecordingFinished,
    SetBridge,
    StartRecording,
    StopRecording,
    UpdateEndpoint,
)
from c122.telephony.media.sources import ToneSource, tone
from c122.telephony.media.workers.pool import MediaWorkers, port_slices

from .conftest import EventLog


@pytest.fixture
async def workers() -> AsyncIterator[MediaWorkers]:
    base = random.randrange(30000, 44000, 2)
    pool = MediaWorkers(count=2, bind_host="127.0.0.1", public_address="", port_min=base, port_max=base + 39)
    await pool.start()
    try:
        yield pool
    finally:
        await pool.stop()


@pytest.fixture
def pool_events(workers: MediaWorkers) -> EventLog:
    log = EventLog()
    workers.subscribe(log)
    return log


async def _leg(workers, peer, name):
    opened = await workers.execute(OpenEndpoint(name, remote=("127.0.0.1", peer.port)))
    assert isinstance(opened, EndpointOpened)
    peer.target = ("127.0.0.1", opened.port)
    return opened


BRIDGE = SetBridge("b", ("caller", "operator"), (("caller", "operator"), ("operator", "caller")))


def _worker_of(workers: MediaWorkers, leg: str) -> int:
    return next(w.index for w in workers.workers if leg in workers.legs_of(w))


def test_the_port_range_is_cut_into_whole_pairs_one_slice_a_worker():
    assert port_slices(20000, 20011, 2) == [(20000, 20005), (20006, 20011)]
    assert port_slices(20001, 20012, 3) == [(20002, 20003), (20004, 20007), (20008, 20011)]
    with pytest.raises(ValueError, match="fewer pairs"):
        port_slices(20000, 20003, 3)


async def test_legs_spread_over_the_workers_and_a_bridge_brings_them_onto_one(
    workers, peer, tmp_path, pool_events
):
    caller, operator = await peer(), await peer()
    await _leg(workers, caller, "caller")
    operator_opened = await _leg(workers, operator, "operator")
    assert {_worker_of(workers, "caller"), _worker_of(workers, "operator")} == {0, 1}  # least loaded
    await workers.execute(BRIDGE)
    assert _worker_of(workers, "caller") == _worker_of(workers, "operator")
    path = str(tmp_path / "call.wav")
    await workers.execute(StartRecording("r", path, "caller", "operator"))
    sender = caller.stream_source(ToneSource(tone([1000.0], 1000)), 50)
    back = operator.stream_source(ToneSource(tone([700.0], 1000)), 50)
    await operator.wait_packets(40)  # reached the moved leg on the port its far end was told
    await caller.wait_packets(40)
    assert operator.received[-1].ssrc != caller.stream.ssrc
    await asyncio.gather(sender, back)
    await workers.execute(StopRecording("r"))
    await pool_events.wait_for(lambda e: any(isinstance(x, RecordingFinished) for x in e))
    with wave.open(path) as recorded:
        assert recorded.getnchannels() == 2
        assert recorded.getnframes() > 8000 * 0.6
    closed = await workers.execute(CloseEndpoint("operator"))
    assert isinstance(closed, EndpointClosed)
    assert closed.stats.packets_received >= 45  # counted on the worker it moved to
    assert operator_opened.port == operator.target[1]


async def test_bad_commands_answer_media_errors_through_the_channel(workers, peer):
    with pytest.raises(MediaError, match="unknown endpoint"):
        await workers.execute(UpdateEndpoint("nobody", remote=("127.0.0.1", 9)))
    with pytest.raises(MediaError):
        await workers.execute(OpenEndpoint("x", codec="OPUS-NOT"))
    caller, operator = await peer(), await peer()
    await _leg(workers, caller, "caller")
    await _leg(workers, operator, "operator")
    await workers.execute(BRIDGE)  # the operator's leg moves, keeping its port from the other slice
    opened = [await workers.execute(OpenEndpoint(f"leg{i}", remote=None)) for i in range(18)]
    # The worker with fewer legs runs out of its slice first; its next legs go to the other one.
    assert len({o.port for o in opened if isinstance(o, EndpointOpened)}) == 18  # two slices of 10 pairs
    with pytest.raises(NoMediaPorts):
        await workers.execute(OpenEndpoint("one-too-many", remote=None))
    health = await workers.health()
    assert health.status == "degraded"
    assert "RTP port range exhausted" in health.detail


@pytest.mark.serial
async def test_a_worker_killed_mid_call_ends_its_legs_and_is_started_again(
    workers, peer, tmp_path, pool_events
):
    caller, operator, other = await peer(), await peer(), await peer()
    await _leg(workers, caller, "caller")
    await _leg(workers, operator, "operator")
    await workers.execute(BRIDGE)
    await _leg(workers, other, "other")  # the least loaded worker: the one without the call
    path = str(tmp_path / "call.wav")
    await workers.execute(StartRecording("r", path, "caller", "operator"))
    sender = caller.stream_source(ToneSource(tone([1000.0], 4000)), 200)
    await operator.wait_packets(120)  # past the first second handed to the file
    dead = _worker_of(workers, "caller")
    pid = workers.workers[dead].pid
    assert pid is not None
    assert _worker_of(workers, "other") != dead
    os.kill(pid, signal.SIGKILL)
    await pool_events.wait_for(
        lambda e: {x.endpoint_id for x in e if isinstance(x, MediaLost)} == {"caller", "operator"}
    )
    finished = next(x for x in pool_events.events if isinstance(x, RecordingFinished))
    assert finished.duration_seconds > 0  # readable up to the last second handed over
    with wave.open(path) as recorded:
        assert recorded.getnchannels() == 2
    closed = await workers.execute(CloseEndpoint("caller"))  # call control closes what it was told is lost
    assert isinstance(closed, EndpointClosed)
    sender.cancel()
    async with asyncio.timeout(15):
        await workers.wait_restarts(1)
    assert workers.workers[dead].pid != pid
    health = await workers.health()  # (a loaded machine may make it "degraded" by a late media clock)
    assert "restarting" not in health.detail
    assert "does not answer" not in health.detail
    assert health.endpoints == 1  # the other worker's leg; the dead one's are gone
    assert "other" in workers.legs_of(workers.workers[1 - dead])  # the other worker's call goes on
    again = await workers.execute(OpenEndpoint("next", remote=None))
    assert isinstance(again, EndpointOpened)
    assert _worker_of(workers, "next") == dead  # the restarted worker is the least loaded


@pytest.mark.serial
@pytest.mark.peers
async def test_a_worker_killed_mid_call_hangs_the_sipp_caller_up_with_a_bye(
    telephony_on_workers, sipp, tmp_path
):
    telephony = telephony_on_workers
    caller, callee = sipp(), sipp()
    await caller.start("caller_silent.xml", telephony.sip_port)
    inbound = await telephony.next_channel()
    await inbound.answer()
    callee_port = await callee.listen("callee_answers.xml")
    operator = await telephony.originate_answered(f"sip:operator@127.0.0.1:{callee_port}")
    bridge = await telephony.control.create_bridge(BridgeKind.DIRECT)
    await bridge.add(inbound)
    await bridge.add(operator)
    recording = await telephony.control.record(str(tmp_path / "call.wav"), inbound, operator)
    workers = telephony.engine
    assert isinstance(workers, MediaWorkers)
    holder = next(w for w in workers.workers if inbound.id in workers.legs_of(w))
    assert holder.pid is not None
    os.kill(holder.pid, signal.SIGKILL)
    gone = await inbound.wait_hung_up(timeout=10)
    assert gone.cause == "media-lost"
    assert (await operator.wait_hung_up(timeout=10)).cause == "media-lost"  # the operator is released
    finished = await recording.stop()
    assert finished.path.endswith("call.wav")
    assert any(isinstance(e, ChannelHungUp) and e.channel_id == operator.id for e in telephony.events)
    for party in (caller, callee):
        returncode, output = await party.finish()
        assert returncode == 0, output  # each got our BYE and answered it
