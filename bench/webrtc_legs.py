"""Browser legs per core: the server's WebRTC legs (aiortc + relay + media engine) under load.

    .venv/bin/python bench/webrtc_legs.py [--legs 50,100,150,200] [--seconds 10]
        → bench/results/webrtc_legs.json

This process is the server side, pinned to CPU 0: the product's MediaEngine, CallControl and
OperatorLegs on uvloop, driven directly (signalling over the event socket costs nothing per
packet and is left out). A child process pinned to CPU 1 plays N browsers: aiortc peer
connections that answer the server's offers, send a pre-encoded G.711 packet every 20 ms and
read what arrives through the same receive tap the server uses (no decoding on either side, so
the peers stay cheap). The server's legs are bridged in pairs (browser 2k hears 2k+1), so every
packet crosses two legs: browser → aiortc (SRTP) → relay → engine → relay → aiortc → browser.

Each payload carries the sender's number and its send time (both peers live in one process, one
clock), so the child measures loss and the latency through the server. A level passes when loss
< 0.5 % and the p99 latency of that two-leg path is <= 40 ms (20 ms per leg, the leg budget). The
server's CPU use (utime + stime of this process, all threads) over the measured window gives the
cost per leg and the legs a whole core would carry at that cost (`legs_per_core_by_cpu`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, write_result

TARGET_LOSS = 0.005
TARGET_P99_MS = 40.0  # two legs on the path
PAYLOAD = struct.Struct("!IIQ")  # sender number, sequence, send time (ns)
SLOTS = 10  # sends spread over the 20 ms in 2 ms slots


# --- the browsers (child process) ------------------------------------------------------------------


async def browsers() -> None:
    import fractions

    import av
    from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    from c122.telephony.webrtc.ice import use_host_addresses

    use_host_addresses(("127.0.0.1",))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    time_base = fractions.Fraction(1, 8000)

    class Microphone(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.queue: asyncio.Queue[Any] = asyncio.Queue()

        async def recv(self) -> Any:
            packet = await self.queue.get()
            if measuring[0]:  # how long the packet waited for this browser's own sender
                _, _, sent_ns = PAYLOAD.unpack_from(bytes(packet))
                send_waits.append((time.monotonic_ns() - sent_ns) / 1e6)
            return packet

    peers: list[tuple[RTCPeerConnection, Microphone]] = []
    window = [0, 0]  # frames (first, last] counted; every browser sends one packet per frame
    received = [0]
    latencies: list[float] = []
    send_waits: list[float] = []
    measuring = [False]
    frame = 0

    def tap_for(index: int) -> Any:
        async def tapped(packet: Any, arrival_time_ms: int) -> None:
            if len(packet.payload) >= PAYLOAD.size and packet.payload_type == 0:
                sender, sequence, sent_ns = PAYLOAD.unpack_from(packet.payload)
                if sender == index ^ 1 and window[0] < sequence <= window[1]:
                    received[0] += 1
                    latencies.append((time.monotonic_ns() - sent_ns) / 1e6)

        return tapped

    async def speak() -> None:
        nonlocal frame
        start = loop.time()
        while True:
            frame += 1
            for slot in range(SLOTS):  # spread over the 20 ms, like independent browsers
                due = start + (frame - 1) * 0.02 + slot * 0.02 / SLOTS
                await asyncio.sleep(max(0.0, due - loop.time()))  # the sending pace
                now = time.monotonic_ns()
                for index in range(slot, len(peers), SLOTS):
                    payload = PAYLOAD.pack(index, frame, now) + b"\xff" * (160 - PAYLOAD.size)
                    packet = av.Packet(payload)
                    packet.pts = frame * 160
                    packet.time_base = time_base
                    peers[index][1].queue.put_nowait(packet)

    speaker = asyncio.create_task(speak())
    while line := await reader.readline():
        command = json.loads(line)
        if command["cmd"] == "offer":
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            microphone = Microphone()
            pc.addTrack(microphone)
            await pc.setRemoteDescription(RTCSessionDescription(sdp=command["sdp"], type="offer"))
            for transceiver in pc.getTransceivers():
                transceiver.receiver._handle_rtp_packet = tap_for(len(peers))  # type: ignore[method-assign]
            await pc.setLocalDescription(await pc.createAnswer())
            peers.append((pc, microphone))
            reply = {"leg": command["leg"], "sdp": pc.localDescription.sdp}
        elif command["cmd"] == "measure":
            latencies.clear()
            send_waits.clear()
            measuring[0] = True
            received[0] = 0
            usage = resource.getrusage(resource.RUSAGE_SELF)
            window[:] = [frame, frame + int(command["seconds"] / 0.02)]
            await asyncio.sleep(command["seconds"] + 0.5)  # the window, and packets still in flight
            measuring[0] = False
            used = resource.getrusage(resource.RUSAGE_SELF)
            paired = len(peers) - len(peers) % 2
            reply = {
                "expected": paired * (window[1] - window[0]),
                "received": received[0],
                "latency": percentiles(latencies) if latencies else None,
                "browser_send_wait": percentiles(send_waits) if send_waits else None,
                "cpu_s": used.ru_utime + used.ru_stime - usage.ru_utime - usage.ru_stime,
            }
        else:
            break
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
    speaker.cancel()
    for pc, _ in peers:
        await pc.close()


# --- the server side (this process) ----------------------------------------------------------------


class LegWaits:
    """What the legs themselves add: browser → engine is forwarded inside the receive tap (nothing
    waits), engine → browser waits in the leg's PayloadTrack for aiortc's sender. This wraps that
    queue (here only, not in the product) to time each packet's wait."""

    def __init__(self) -> None:
        from collections import deque

        from c122.telephony.webrtc.relay import MAX_QUEUED_PACKETS, PayloadTrack

        self.waits: list[float] = []
        self.measuring = False
        push, recv = PayloadTrack.push, PayloadTrack.recv
        waits = self

        def timed_push(track: Any, payload: bytes, timestamp: int) -> None:
            times = track.__dict__.setdefault("_times", deque())
            if len(times) >= MAX_QUEUED_PACKETS:
                times.popleft()  # the track drops its oldest packet too
            times.append(time.perf_counter())
            push(track, payload, timestamp)

        async def timed_recv(track: Any) -> Any:
            packet = await recv(track)
            times = track.__dict__.get("_times")
            if times:
                waited = (time.perf_counter() - times.popleft()) * 1000
                if waits.measuring:
                    waits.waits.append(waited)
            return packet

        PayloadTrack.push = timed_push  # type: ignore[method-assign]
        PayloadTrack.recv = timed_recv  # type: ignore[method-assign]
        self._originals = (PayloadTrack, push, recv)

    def close(self) -> None:
        track_class, push, recv = self._originals
        track_class.push = push  # type: ignore[method-assign]
        track_class.recv = recv  # type: ignore[method-assign]


class Child:
    def __init__(self) -> None:
        command = [sys.executable, __file__, "--browsers"]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
            os.sched_setaffinity(self.process.pid, {1})

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        line = await asyncio.to_thread(self.process.stdout.readline)
        result: dict[str, Any] = json.loads(line)
        return result

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.process.stdin.flush()
        self.process.wait(timeout=30)


async def level(legs: int, seconds: float, port_min: int) -> dict[str, Any]:
    from c122.services.phones.softphone import RtcLegState, RtcNotice, RtcOffer, RtcStateChange
    from c122.telephony.control import BridgeKind, CallControl
    from c122.telephony.media.engine import MediaEngine
    from c122.telephony.webrtc import IceSettings, OperatorLegs, WebRtcSettings

    engine = MediaEngine(bind_host="127.0.0.1", port_min=port_min, port_max=port_min + 4 * legs + 100)
    await engine.start()
    control = CallControl(engine, media_timeout=None)
    operator_legs = OperatorLegs(
        control, WebRtcSettings(ice=IceSettings(host_addresses=("127.0.0.1",)), connect_timeout_s=60)
    )
    child = Child()
    leg_waits = LegWaits()
    offers: dict[int, asyncio.Future[RtcOffer]] = {}
    connected: dict[int, asyncio.Future[None]] = {}
    loop = asyncio.get_running_loop()
    set_up = time.perf_counter()
    try:
        for user in range(legs):
            offers[user] = loop.create_future()
            connected[user] = loop.create_future()

            async def reply(notice: RtcNotice, user: int = user) -> bool:
                if isinstance(notice, RtcOffer) and not offers[user].done():
                    offers[user].set_result(notice)
                connects = isinstance(notice, RtcStateChange) and notice.state is RtcLegState.CONNECTED
                if connects and not connected[user].done():
                    connected[user].set_result(None)
                return True

            await operator_legs.start(user, None, reply)
            offer = await offers[user]
            answer = await child.ask({"cmd": "offer", "leg": offer.leg, "sdp": offer.sdp})
            await operator_legs.answer(user, answer["leg"], answer["sdp"], reply)
        await asyncio.wait_for(asyncio.gather(*connected.values()), 120)
        for user in range(0, legs - 1, 2):
            bridge = await control.create_bridge(BridgeKind.DIRECT)
            for party in (user, user + 1):
                channel = operator_legs.channel_for(party)
                assert channel is not None
                await bridge.add(channel)
        set_up_s = time.perf_counter() - set_up
        await asyncio.sleep(2.0)  # let the streams settle before measuring
        before = resource.getrusage(resource.RUSAGE_SELF)
        leg_waits.measuring = True
        measured = await child.ask({"cmd": "measure", "seconds": seconds})
        leg_waits.measuring = False
        after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        leg_waits.close()
        await operator_legs.close()
        await engine.stop()
        child.stop()
    window = seconds + 0.5
    server_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    per_leg = server_cpu / window / legs
    loss = 1 - measured["received"] / measured["expected"] if measured["expected"] else 1.0
    latency = measured["latency"]
    passed = loss < TARGET_LOSS and latency is not None and latency["p99_ms"] <= TARGET_P99_MS
    return {
        "legs": legs,
        "load_average_1min_after": round(os.getloadavg()[0], 2),  # other work on the machine, if any
        "set_up_s": round(set_up_s, 2),
        "server_cpu_percent_of_core": round(100 * server_cpu / window, 1),
        "server_cpu_percent_per_leg": round(100 * per_leg, 3),
        "legs_per_core_by_cpu": round(1 / per_leg) if per_leg else None,
        "browsers_cpu_percent_of_core": round(100 * measured["cpu_s"] / window, 1),
        "packets_expected": measured["expected"],
        "loss_percent": round(100 * loss, 3),
        "added_by_a_leg_toward_the_browser": percentiles(leg_waits.waits) if leg_waits.waits else None,
        "latency_two_legs": latency,
        "of_which_waiting_in_the_browsers_sender": measured["browser_send_wait"],
        "passed": passed,
    }


async def run(levels: list[int], seconds: float) -> dict[str, Any]:
    results = []
    for index, legs in enumerate(levels):
        result = await level(legs, seconds, 30000 + index * 2000)
        print(json.dumps(result), flush=True)
        results.append(result)
    passing = [r["legs"] for r in results if r["passed"]]
    # What one more leg costs, free of the fixed cost (the engine's 20 ms clock, timers).
    cpu = "server_cpu_percent_of_core"
    marginal = [
        {
            "from_legs": a["legs"],
            "to_legs": b["legs"],
            "cpu_percent_per_leg": round((b[cpu] - a[cpu]) / (b["legs"] - a["legs"]), 3),
        }
        for a, b in itertools.pairwise(results)
    ]
    return {
        "what": "server-side browser legs bridged in pairs; aiortc peers in a second process",
        "targets": {"loss_percent_below": 100 * TARGET_LOSS, "p99_two_legs_ms_at_most": TARGET_P99_MS},
        "load_average_at_start": os.getloadavg(),
        "seconds_per_level": seconds,
        "levels": results,
        "largest_passing_legs": max(passing) if passing else 0,
        "marginal": marginal,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--legs", default="50,100,150,200")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--browsers", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    import uvloop

    if args.browsers:
        uvloop.run(browsers())
        return
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {0})
    levels = [int(n) for n in args.legs.split(",")]
    figures = uvloop.run(run(levels, args.seconds))
    print(write_result("webrtc_legs", figures))


if __name__ == "__main__":
    main()
