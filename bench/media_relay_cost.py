"""Where the time of one relayed RTP packet goes: system calls versus the engine's Python.

    .venv/bin/python bench/media_relay_cost.py [--calls 500] [--rounds 15]
        → bench/results/media_relay_cost.json

One process, pinned to one CPU, CPU time (not wall time, so other work on a shared machine
inflates the figures less). The product's MediaEngine opens 2 x N legs bridged in pairs; every
round, one datagram is queued on each leg's RTP socket from a local socket, then:

- `engine`: the event loop runs until the engine's relay has forwarded all of them (epoll
  wake-up, read, statistics, header rewrite, send: the real per-packet path);
- `system_calls_only`: the same sockets (those connected to the latched far end) served by a
  loop that only does `recv_into` and `send` (the floor for any Python relay that reads and
  sends each packet);
- the pure-Python steps of the in-place path, timed alone with timeit.

Rounds alternate between the two variants so that both see the same machine; the median per
packet is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import struct
import sys
import time
import timeit
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvloop
from bench.common import write_result

from c122.telephony.media.engine import MediaEngine
from c122.telephony.media.messages import EndpointOpened, OpenEndpoint, SetBridge
from c122.telephony.media.rtcp import ReceiveStats
from c122.telephony.media.rtp import HEADER, OutgoingStream

PACKET = 12 + 160


async def measure(calls: int, rounds: int) -> dict[str, Any]:
    engine = MediaEngine(bind_host="127.0.0.1", port_min=30000, port_max=30000 + 4 * calls + 100)
    await engine.start()
    far_end = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    far_end.bind(("127.0.0.1", 0))
    far_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024 * 1024)
    far_end.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024 * 1024)
    far_end.setblocking(False)
    ports = []
    for call in range(calls):
        for side in "ab":
            opened = await engine.execute(
                OpenEndpoint(f"{call}{side}", remote=far_end.getsockname(), media_timeout=None)
            )
            assert isinstance(opened, EndpointOpened)
            ports.append(opened.port)
        pair = (f"{call}a", f"{call}b")
        await engine.execute(SetBridge(f"b{call}", pair, (pair, pair[::-1])))
    packet = bytearray(PACKET)
    packet[0] = 0x80
    sequence = 0

    def queue_one_per_leg() -> None:
        nonlocal sequence
        sequence += 1
        for leg, port in enumerate(ports):
            struct.pack_into("!HII", packet, 2, sequence & 0xFFFF, sequence * 160, leg)
            far_end.sendto(packet, ("127.0.0.1", port))

    def drain() -> None:
        try:
            while True:
                far_end.recv(2048)
        except BlockingIOError:
            pass

    legs = list(engine.endpoints())
    buffer = bytearray(2048)
    view = memoryview(buffer)

    def system_calls_only() -> None:
        for leg in legs:  # the sockets the relay reads and sends: connected to the latched far end
            peer = leg.forward_to
            assert peer is not None
            record, peer_record = leg.relay_record, peer.relay_record
            assert record is not None
            assert record.receive_connected is not None
            assert peer_record is not None
            assert peer_record.send_connected is not None
            length = record.receive_connected(buffer)
            peer_record.send_connected(view[:length])

    # Latch every leg (the first packet of each takes the full handler), then measure.
    queue_one_per_leg()
    async with asyncio.timeout(30):
        while sum(leg.stats.received for leg in legs) < len(legs):  # noqa: ASYNC110  # a counter, no event
            await asyncio.sleep(0.001)
    drain()
    engine_us: list[float] = []
    floor_us: list[float] = []
    for _ in range(rounds):
        queue_one_per_leg()
        # Blocking the loop on purpose: every datagram is queued before the engine sees any.
        time.sleep(0.005)  # noqa: ASYNC251
        before, started = engine.relay.relayed, time.process_time()
        async with asyncio.timeout(30):
            while engine.relay.relayed - before < len(legs):  # noqa: ASYNC110  # one loop pass per sleep(0)
                await asyncio.sleep(0)
        engine_us.append((time.process_time() - started) / len(legs) * 1e6)
        drain()
        queue_one_per_leg()
        time.sleep(0.005)  # noqa: ASYNC251  # as above
        started = time.process_time()
        system_calls_only()
        floor_us.append((time.process_time() - started) / len(legs) * 1e6)
        drain()
    await engine.stop()
    far_end.close()
    return {
        "engine_us_per_packet": round(statistics.median(engine_us), 2),
        "system_calls_only_us_per_packet": round(statistics.median(floor_us), 2),
        "python_steps_us": python_steps(),
    }


def python_steps() -> dict[str, float]:
    """The pure-Python steps of the in-place path, without any system call."""
    buffer = bytearray(65535)
    buffer[0] = 0x80
    stats, stream, source = ReceiveStats(), OutgoingStream(), object()
    counter = [0]

    def update() -> None:
        counter[0] += 1
        sequence = counter[0] & 0xFFFF
        stats.update(5, sequence, counter[0] * 160, counter[0] * 0.02)

    view = memoryview(buffer)
    steps = {
        "parse_header": lambda: HEADER.unpack_from(buffer),
        "receive_statistics": update,
        "rewrite_header_in_place": lambda: stream.forward_into(buffer, PACKET, source, 1000, 0, False),
        "slice_for_send": lambda: view[:PACKET],
    }
    number = 100_000
    return {
        name: round(min(timeit.repeat(step, number=number, repeat=5)) / number * 1e6, 3)
        for name, step in steps.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--note", default="", help="conditions worth keeping with the figures")
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})
    load_before = [round(x, 2) for x in os.getloadavg()]
    result = uvloop.run(measure(args.calls, args.rounds))
    print(result)
    path = write_result("media_relay_cost", {
        "description": "CPU time per relayed packet: the engine's relay vs recv_into + send alone",
        "calls": args.calls,
        "rounds": args.rounds,
        "note": args.note,
        "load_average_before": load_before,  # the machine may be shared
        **result,
    })  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
