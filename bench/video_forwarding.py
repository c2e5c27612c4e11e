"""Forwarded video calls per core: the server's VP8 forwarding path against a bare UDP relay, one run.

    .venv/bin/python bench/video_forwarding.py [--calls 5,10,20,40] [--seconds 6]
        → bench/results/video_forwarding.json

A call is two video streams (caller → operator and back), each 720p-like at ~1.5 Mbit/s: 30 pictures
a second of 6 250 bytes, sent as 6 RTP packets (VP8 payload descriptor, marker on the last). A
generator process (CPU 1) sends every stream on loopback to the forwarder process (CPU 0), which
sends each stream on to a sink in the generator's process that counts the pictures that arrive
(marker bits).

Two forwarders run with the same load, one after the other:

- `video`: the product's path, per stream a `VideoTap` (the payload descriptor stripped, aiortc's
  `JitterBuffer` putting each picture together, NACK bookkeeping) feeding a `ForwardedVideo` outlet
  whose pictures aiortc's `Vp8Encoder.pack` splits into RTP again. The tap is given a bare receiver
  object in place of aiortc's `RTCRtpReceiver` (its RTCP, PLI and NACK sends only count here);
  ICE, DTLS and SRTP are not in this path — `bench/webrtc_legs.py` measures aiortc's per-packet
  SRTP cost for audio legs.
- `recorded`: the same path with each stream's camera also recorded (`WebmRecorder`: the whole
  pictures queued to a writer thread per stream that muxes them into a WebM file with PyAV, in a
  temporary directory) — what a group's `record_video` adds. Its CPU is the process's, threads
  included; `recorder_dropped` counts pictures the recorders dropped (a full queue, a loss).
- `udp`: a bare relay (each datagram sent on as it came), the floor any forwarder pays in Python.

The synthetic key frames (one every 2 s) carry a VP8 key frame header (start code, 1280x720) so the
recorder starts its file on them; the rest of each picture is filler, never decoded.

A level passes when no picture is lost between generator and sink (`lost_pictures` 0) while the
forwarder used less than 90 % of its core. `calls_per_core_by_cpu` is what a whole core would carry
at the measured cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import struct
import sys
import tempfile
import time
from multiprocessing import Pipe, Process
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_result

FPS = 30
PICTURE_BYTES = 6250  # 1.5 Mbit/s at 30 pictures a second
PACKETS_PER_PICTURE = 6
PAYLOAD_TYPE = 96
CPU_LIMIT = 0.9
KEY_FRAME_HEADER = b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", 1280, 720)
MODES = ("video", "recorded", "udp")


def _pin(cpu: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.sched_setaffinity(0, {cpu % (os.cpu_count() or 1)})


def _size(path: str) -> int:
    return Path(path).stat().st_size if Path(path).exists() else 0


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


# -- the forwarder (CPU 0) ---------------------------------------------------------------------------


class _BareReceiver:
    """What `VideoTap` calls on aiortc's receiver: RTCP toward the sending browser, only counted here."""

    def __init__(self) -> None:
        self.plis = 0
        self.nacks = 0

    async def _handle_rtp_packet(self, packet: Any, arrival_time_ms: int) -> None:
        pass

    async def _send_rtcp_pli(self, ssrc: int) -> None:
        self.plis += 1

    async def _send_rtcp_nack(self, ssrc: int, lost: list[int]) -> None:
        self.nacks += 1


class _VideoStream(asyncio.DatagramProtocol):
    """One forwarded stream: datagram → RtpPacket → VideoTap → ForwardedVideo → Vp8Encoder.pack → sink."""

    def __init__(self, sink: tuple[str, int], out: socket.socket, record_to: str | None = None) -> None:
        from aiortc.codecs.vpx import Vp8Encoder
        from aiortc.rtp import RtpPacket

        from c122.telephony.webrtc.video import VideoTap
        from c122.telephony.webrtc.video_formats import VideoFormat

        self._packet = RtpPacket
        self._sink = sink
        self._out = out
        self.receiver = _BareReceiver()
        self._tap = VideoTap(self.receiver, lambda: [VideoFormat("VP8", PAYLOAD_TYPE)])  # type: ignore[arg-type]
        self._outlet = self._tap.track()
        self.recorder: Any = None
        if record_to is not None:
            from c122.telephony.webrtc.video_recording import WebmRecorder

            self.recorder = WebmRecorder(record_to, self._tap.ask_key_frame)
            self._tap.record_into(self.recorder)
        self._encoder = Vp8Encoder()
        self._sequence = 0
        self._task = asyncio.get_running_loop().create_task(self._send())

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        # aiortc awaits the tap inline in its receive loop; here nothing in it waits, so it runs to
        # its end at once (no task per packet, which aiortc does not pay either).
        step = self._tap._tapped(self._packet.parse(data), int(time.monotonic() * 1000))
        try:
            step.send(None)
        except StopIteration:
            return
        step.close()
        raise RuntimeError("the tap waited on something: this harness cannot drive it")

    async def _send(self) -> None:
        while True:
            picture = await self._outlet.recv()
            payloads, timestamp = self._encoder.pack(picture)
            for index, payload in enumerate(payloads):
                packet = self._packet(
                    payload_type=PAYLOAD_TYPE,
                    marker=1 if index == len(payloads) - 1 else 0,
                    sequence_number=self._sequence,
                    timestamp=timestamp,
                    ssrc=0x5EED,
                )
                packet.payload = payload
                self._sequence = (self._sequence + 1) & 0xFFFF
                self._out.sendto(packet.serialize(), self._sink)


class _UdpStream(asyncio.DatagramProtocol):
    def __init__(self, sink: tuple[str, int], out: socket.socket) -> None:
        self._sink = sink
        self._out = out

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._out.sendto(data, self._sink)


def _forwarder(mode: str, sinks: list[tuple[str, int]], pipe: Connection) -> None:
    _pin(0)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        ports = []
        streams: list[Any] = []
        for sink in sinks:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
            record_to = f"{folder}/{len(streams)}.webm" if mode == "recorded" else None

            def stream(sink: tuple[str, int] = sink, record_to: str | None = record_to) -> Any:
                return _UdpStream(sink, out) if mode == "udp" else _VideoStream(sink, out, record_to)

            _transport, protocol = await loop.create_datagram_endpoint(stream, sock=sock)
            streams.append(protocol)
        pipe.send(ports)
        await loop.run_in_executor(None, pipe.recv)  # "start"
        started = _cpu_seconds()
        await loop.run_in_executor(None, pipe.recv)  # "stop"
        used = _cpu_seconds() - started
        plis = sum(getattr(s, "receiver", _BareReceiver()).plis for s in streams)
        nacks = sum(getattr(s, "receiver", _BareReceiver()).nacks for s in streams)
        recorders = [s.recorder for s in streams if getattr(s, "recorder", None) is not None]
        closed = [await asyncio.to_thread(r.close) for r in recorders]
        pipe.send(
            {
                "cpu_seconds": used,
                "plis": plis,
                "nacks": nacks,
                "recorded_pictures": sum(c.pictures for c in closed),
                "recorder_dropped": sum(c.dropped for c in closed),
                "recorded_bytes": sum(_size(c.path) for c in closed),
            }
        )

    with tempfile.TemporaryDirectory(prefix="video-bench-") as folder:
        asyncio.run(run())


# -- the sink (CPU 1, its own process) ---------------------------------------------------------------


def _sink(count: int, pipe: Connection) -> None:
    _pin(1)
    sockets = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        sockets.append(sock)
    pipe.send([s.getsockname()[1] for s in sockets])
    import selectors

    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock, selectors.EVENT_READ)
    pictures = 0
    packets = 0
    while not pipe.poll():
        for key, _ in selector.select(timeout=0.05):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            while True:
                try:
                    data = sock.recv(2048)
                except BlockingIOError:
                    break
                packets += 1
                if data[1] & 0x80:
                    pictures += 1
    pipe.recv()
    pipe.send({"pictures": pictures, "packets": packets})


# -- the generator (CPU 1) ---------------------------------------------------------------------------


def _packets(stream: int, picture: int) -> list[bytes]:
    size = PICTURE_BYTES // PACKETS_PER_PICTURE
    body = bytes([picture & 0xFF]) * size
    timestamp = (picture * 3000) & 0xFFFFFFFF
    out = []
    for index in range(PACKETS_PER_PICTURE):
        sequence = (picture * PACKETS_PER_PICTURE + index) & 0xFFFF
        marker = 0x80 if index == PACKETS_PER_PICTURE - 1 else 0
        header = struct.pack("!BBHII", 0x80, marker | PAYLOAD_TYPE, sequence, timestamp, 0x1000 + stream)
        descriptor = b"\x10" if index == 0 else b"\x00"  # S bit on a picture's first packet
        # A key frame's first bytes are its header (P bit clear, start code, size); the rest are inter
        # frames (P bit set).
        first = (KEY_FRAME_HEADER if picture % 60 == 0 else b"\x01") if index == 0 else b""
        out.append(header + descriptor + first + body[len(first) :])
    return out


def _generate(ports: list[int], seconds: float) -> int:
    _pin(1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    start = time.monotonic()
    pictures = int(seconds * FPS)
    for picture in range(pictures):
        due = start + picture / FPS
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        for stream, port in enumerate(ports):
            for data in _packets(stream, picture):
                sock.sendto(data, ("127.0.0.1", port))
    return pictures * len(ports)


def _level(mode: str, calls: int, seconds: float) -> dict[str, Any]:
    streams = calls * 2
    sink_pipe, sink_child = Pipe()
    sink = Process(target=_sink, args=(streams, sink_child))
    sink.start()
    sink_ports = sink_pipe.recv()
    pipe, child = Pipe()
    forwarder = Process(target=_forwarder, args=(mode, [("127.0.0.1", p) for p in sink_ports], child))
    forwarder.start()
    ports = pipe.recv()
    pipe.send("start")
    started = time.monotonic()
    sent = _generate(ports, seconds)
    elapsed = time.monotonic() - started
    time.sleep(1.0)  # what is in flight arrives
    pipe.send("stop")
    server = pipe.recv()
    sink_pipe.send("stop")
    received = sink_pipe.recv()
    forwarder.terminate()
    forwarder.join()
    sink.join()
    cpu = server["cpu_seconds"] / (elapsed + 1.0)
    # The jitter buffer gives out a picture when the next one starts: each stream's last stays there.
    lost = max(0, sent - received["pictures"] - (streams if mode != "udp" else 0))
    return {
        "mode": mode,
        "calls": calls,
        "streams": streams,
        "mbit_per_s_each_way": round(PICTURE_BYTES * 8 * FPS / 1e6, 2),
        "sent_pictures": sent,
        "received_pictures": received["pictures"],
        "lost_pictures": lost,
        "forwarder_cpu_share": round(cpu, 3),
        "cpu_per_call_percent": round(100 * cpu / calls, 3),
        "calls_per_core_by_cpu": round(calls / cpu) if cpu > 0 else None,
        "key_frame_requests": server["plis"],
        "nacks": server["nacks"],
        "passes": lost == 0 and cpu < CPU_LIMIT,
        "generator_behind_s": round(elapsed - seconds, 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **(
            {key: server[key] for key in ("recorded_pictures", "recorder_dropped", "recorded_bytes")}
            if mode == "recorded"
            else {}
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--calls", default="5,10,20,40")
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    load_before = os.getloadavg()
    levels = []
    for calls in (int(c) for c in args.calls.split(",")):
        for mode in MODES:
            level = _level(mode, calls, args.seconds)
            levels.append(level)
            print(level, flush=True)
    best = {
        mode: max((lv["calls"] for lv in levels if lv["mode"] == mode and lv["passes"]), default=0)
        for mode in MODES
    }
    path = write_result(
        "video_forwarding",
        {
            "command": " ".join(["bench/video_forwarding.py", *sys.argv[1:]]),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "levels": levels,
            "largest_passing_calls": best,
        },
    )
    print(path)


if __name__ == "__main__":
    main()
