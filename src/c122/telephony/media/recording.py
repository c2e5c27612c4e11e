"""Recording off the per-packet path: payloads placed by RTP timestamp, written by a thread.

A recorded leg keeps what it receives as G.711 bytes on the recording's own sample line
(`PayloadTimeline`): a packet in order is appended (one bytearray extend), a late or reordered
one is put where its timestamp says, a lost one leaves silence. Nothing is decoded or pulled per
packet or per tick. Once a second the engine cuts both sides of a recording at the same point
(a little behind real time, so reordered packets still land) and hands the two blocks to
`RecordingWriter`, whose thread decodes them and appends them to the WAV file, header updated
and flushed: killed at any moment, the file is readable up to the last second handed over.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Final

from c122.telephony.media.codecs import FRAME_SAMPLES, SAMPLE_RATE, Codec
from c122.telephony.media.recorder import StereoWavRecorder

log = logging.getLogger(__name__)

_WRAP: Final = 1 << 32
_HALF: Final = 1 << 31
REORDER_ALLOWANCE: Final = FRAME_SAMPLES * 10  # 200 ms: how late a packet may be and still be recorded
RESYNC_AFTER: Final = SAMPLE_RATE // 8  # a 125 ms disagreement between RTP time and our clock re-anchors
# A timeline's buffer: a cut every second leaves REORDER_ALLOWANCE behind, so it holds 1.2 s at the
# next cut; twice that leaves room for late cuts before it has to grow.
_CAPACITY: Final = 5 * SAMPLE_RATE // 2
_SLAB_SLOTS: Final = 64  # timelines' buffers per shared slab

Slot = tuple[memoryview, int]  # a slab and where in it a timeline's buffer starts


class _Slabs:
    """The timelines' buffers, carved out of shared slabs: the relay's per-packet write goes through
    the slab's memoryview, one object for 64 legs that stays in the cache, not one per leg."""

    def __init__(self) -> None:
        self._free: list[Slot] = []

    def take(self) -> Slot:
        if not self._free:
            slab = memoryview(bytearray(_CAPACITY * _SLAB_SLOTS))
            self._free = [(slab, slot * _CAPACITY) for slot in reversed(range(_SLAB_SLOTS))]
        return self._free.pop()

    def give_back(self, slot: Slot) -> None:
        self._free.append(slot)


_SLABS: Final = _Slabs()


class PayloadTimeline:
    """What one leg sends us, as G.711 bytes at recording sample positions from `base` on.

    The bytes live in a buffer allocated once, `view[start:room]` (a slot of a shared slab, or the
    timeline's own once it outgrew that), `view[start:fill]` in use, rather than a growing
    bytearray: cutting a block off the front and appending at the back of one reallocated and
    copied it every few packets. `view`, `fill`, `room`, `ssrc` and `end_timestamp` are public for
    the relay, which writes the usual packet (the next one in order, in the line's codec, room
    left) inline, as `put` would."""

    __slots__ = (
        "_offset", "_slot", "base", "codec", "end_timestamp", "fill", "room", "ssrc", "start", "started_at",
        "view",
    )  # fmt: skip

    def __init__(self, codec: Codec, started_at: float) -> None:
        self.codec = codec
        self.started_at = started_at
        self.base = 0  # recording sample index of view[start]; everything before went to the file
        self._slot: Slot | None = _SLABS.take()
        self.view, self.start = self._slot
        self.fill = self.start  # samples base.. are in view[start:fill]
        self.room = self.start + _CAPACITY  # the end of this timeline's buffer in view
        self.ssrc: int | None = None
        self._offset = 0  # recording index = RTP timestamp + offset, while anchored
        self.end_timestamp: int | None = None  # the RTP timestamp that an in-order packet carries next

    def __del__(self) -> None:
        if self._slot is not None:
            _SLABS.give_back(self._slot)
            self._slot = None

    def position_now(self, now: float) -> int:
        """Where our clock says a packet arriving now belongs on the recording's sample line."""
        return round((now - self.started_at) * SAMPLE_RATE)

    def put(self, ssrc: int, timestamp: int, payload: bytes | memoryview, now: float) -> None:
        length = len(payload)
        if timestamp == self.end_timestamp and ssrc == self.ssrc and (end := self.fill + length) <= self.room:
            self.view[self.fill : end] = payload  # the usual case: the next packet, in order
            self.fill = end
            self.end_timestamp = (timestamp + length) % _WRAP
            return
        self._place(ssrc, timestamp, payload, now)

    def _place(self, ssrc: int, timestamp: int, payload: bytes | memoryview, now: float) -> None:
        expected = self.position_now(now) - len(payload)
        if ssrc != self.ssrc:
            self._anchor(ssrc, timestamp, expected)
        index = self._index_of(timestamp, expected)
        if abs(index - expected) > REORDER_ALLOWANCE + RESYNC_AFTER:
            # A timestamp jump (new source behind the same SSRC, a re-INVITE): follow our clock.
            self._anchor(ssrc, timestamp, expected)
            index = expected
        at = index - self.base
        if at < 0:
            if not self._is_newest(timestamp):
                return  # a straggler behind packets already in: its place went to the file
            # The stream as a whole now arrives later than its anchor says (the network delay
            # grew, the far end's clock is slow): follow our clock rather than drop it all.
            self._anchor(ssrc, timestamp, expected)
            at = expected - self.base
            if at < 0:
                return
        self._pad_to(at + len(payload))
        at += self.start
        end = at + len(payload)
        self.view[at:end] = payload
        if end == self.fill:
            self.end_timestamp = (timestamp + len(payload)) % _WRAP

    def _is_newest(self, timestamp: int) -> bool:
        end = self.end_timestamp
        return end is None or (timestamp - end) % _WRAP < _HALF

    def _anchor(self, ssrc: int, timestamp: int, index: int) -> None:
        self.ssrc = ssrc
        self._offset = index - timestamp

    def _index_of(self, timestamp: int, near: int) -> int:
        """The recording index of `timestamp`, unwrapped to the 32-bit turn closest to `near`."""
        raw = timestamp + self._offset
        return near + ((raw - near + _HALF) % _WRAP - _HALF)

    def _pad_to(self, samples: int) -> None:
        """Silence after what is held up to `samples` from `base`, in a buffer of the timeline's own
        if its slot is too short (the cuts came late, or a packet far ahead of the others)."""
        end = self.start + samples
        if end <= self.fill:
            return
        if end > self.room:
            held = self.fill - self.start
            grown = memoryview(bytearray(max(samples, 2 * (self.room - self.start))))
            grown[:held] = self.view[self.start : self.fill]
            if self._slot is not None:
                _SLABS.give_back(self._slot)
                self._slot = None
            self.view, self.start, self.fill, self.room = grown, 0, held, len(grown)
            end = samples
        self.view[self.fill : end] = bytes([self.codec.silence]) * (end - self.fill)
        self.fill = end

    def take(self, until: int, now: float) -> bytes:
        """Samples base..until (silence where nothing arrived); they leave the timeline."""
        count = until - self.base
        if count <= 0:
            return b""
        if self.fill - self.start < count:
            self._pad_to(count)
            self.end_timestamp = None  # the end is now silence we added, not the last packet
        view, start = self.view, self.start
        block = view[start : start + count].tobytes()
        rest = self.fill - start - count
        view[start : start + rest] = view[start + count : self.fill]  # what is still open moves to the front
        self.fill = start + rest
        self.base = until
        if abs(self.base + rest - self.position_now(now)) > REORDER_ALLOWANCE + RESYNC_AFTER:
            self.end_timestamp = None  # drifted from our clock: the next packet re-checks its place
        return block


Block = tuple[StereoWavRecorder, bytes, bytes | None]  # a recording's next samples, left and right


class _Job:
    __slots__ = ("blocks", "done")

    def __init__(self, blocks: list[Block], done: Callable[[], None] | None = None) -> None:
        self.blocks = blocks
        self.done = done  # after the last block: close its file, then call this (from the thread)


class RecordingWriter:
    """One thread that decodes and writes the blocks of every recording of an engine.

    File writes release the GIL, so the event loop keeps serving packets while a file is
    written; the blocks of one recording are written in the order they were handed over. The
    blocks cut in one tick travel together: the thread wakes (and takes the GIL from the loop)
    once per tick, not once per recording. The thread starts with the first block: until then
    the process has one thread, and each of the relay's system calls finds its socket without
    taking a reference on it (the kernel does that only for a process whose threads share the
    descriptor table)."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def append(self, blocks: list[Block]) -> None:
        if blocks:
            self._put(_Job(blocks))

    async def finish(self, recorder: StereoWavRecorder, left: bytes, right: bytes | None) -> None:
        """Writes the last blocks and closes the file; returns when the file is complete."""
        loop = asyncio.get_running_loop()
        closed = loop.create_future()

        def resolve() -> None:
            if not closed.done():
                closed.set_result(None)

        def done() -> None:
            loop.call_soon_threadsafe(resolve)

        self._put(_Job([(recorder, left, right)], done))
        await closed

    def stop(self) -> None:
        """Writes what was handed over, then ends the thread."""
        if self._thread is None:
            return
        self._jobs.put(None)
        self._thread.join()
        self._thread = None

    def _put(self, job: _Job) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="media-recording-writer", daemon=True)
            self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            for recorder, left, right in job.blocks:
                try:
                    recorder.append_payloads(left, right)
                    if job.done is not None:
                        recorder.close()
                except Exception:  # a full disk must not end recording for every other call
                    log.exception("writing recording %s failed", recorder.path)
            if job.done is not None:
                job.done()
