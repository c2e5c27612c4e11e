"""A browser's camera written to a WebM file as it arrives, never decoded (issue 23).

The leg's `VideoTap` already puts the RTP packets of each picture back together (RFC 7741: the VP8
payload descriptor stripped, the packets from the one with S=1/PID 0 to the marker bit, in sequence
order, by aiortc's `JitterBuffer`); a `WebmRecorder` attached to the tap gets each whole picture and
the news of a loss. It is asked for a key frame when it starts, and again every half second while it waits
for one. The pictures are muxed by PyAV (libavformat's WebM muxer) as they are, so the file
holds exactly what the browser sent.

Nothing of the writing runs on the media loop: `push` only checks the picture's first byte and puts it
on a bounded queue; a thread of the recorder's own opens the file at the first key frame (its size is
in the key frame's header), muxes, and closes it. After a loss, or when the queue is full (the disk
stalls), pictures are dropped until the next key frame, since what follows a gap cannot be decoded
without one; the tap is asked for one so the gap is short.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import av

from c122.telephony.webrtc.video_routes import VideoRoutes

log = logging.getLogger(__name__)

RTP_VIDEO_CLOCK: Final = fractions.Fraction(1, 90000)
MAX_QUEUED: Final = 90  # pictures (3 s at 30 fps, under ~10 MB at 720p) waiting for the writer thread
# Waiting for a key frame, it is asked for again after this many pictures (0.5 s at 30 fps): a browser
# ignores a request too soon after the last one (libwebrtc: 300 ms), such as the one made when the
# operator's leg joined just before the recording began.
ASK_AGAIN_AFTER: Final = 15
_KEY_FRAME_START: Final = b"\x9d\x01\x2a"  # RFC 6386 9.1: the start code after the 3-byte frame tag
_END: Final = None


def is_key_frame(picture: bytes) -> bool:
    """RFC 6386 9.1: the frame tag's lowest bit is 0 for a key frame; its start code follows."""
    return len(picture) >= 10 and picture[0] & 1 == 0 and picture[3:6] == _KEY_FRAME_START


def key_frame_size(picture: bytes) -> tuple[int, int]:
    """The picture's width and height from a key frame's header (14 bits each, the scale bits off)."""
    width = int.from_bytes(picture[6:8], "little") & 0x3FFF
    height = int.from_bytes(picture[8:10], "little") & 0x3FFF
    return width, height


@dataclass(frozen=True, slots=True)
class RecordedVideo:
    """What a finished recorder wrote: `pictures` muxed, `dropped` (a loss or a full queue), and the
    size of the first key frame (None: no key frame came, and no file was written)."""

    path: str
    pictures: int
    dropped: int
    size: tuple[int, int] | None


class WebmRecorder:
    def __init__(self, path: str, ask_key_frame: Callable[[], None], max_queued: int = MAX_QUEUED) -> None:
        self.path = path
        self._ask_key_frame = ask_key_frame
        self._queue: queue.Queue[tuple[bytes, int] | None] = queue.Queue(maxsize=max_queued)
        self._waiting_for_key = True
        self._waited = 0  # pictures dropped since a key frame was last asked for
        self._closed = False
        self.dropped = 0
        self.pictures = 0
        self.size: tuple[int, int] | None = None
        self._thread = threading.Thread(target=self._write, name=f"webm {Path(path).name}", daemon=True)
        self._thread.start()

    # -- on the media loop: cheap, never blocks ------------------------------------------------------

    def push(self, picture: bytes, timestamp: int) -> None:
        if self._closed:
            return
        if self._waiting_for_key:
            if not is_key_frame(picture):
                self.dropped += 1
                self._waited += 1
                if self._waited >= ASK_AGAIN_AFTER:
                    self._waited = 0
                    self._ask_key_frame()
                return
            self._waiting_for_key = False
        try:
            self._queue.put_nowait((picture, timestamp))
        except queue.Full:
            self.dropped += 1
            self.lost()

    def lost(self) -> None:
        """Packets were lost: the pictures up to the next key frame cannot be decoded, so none is kept."""
        if not self._waiting_for_key:
            self._waiting_for_key = True
            self._waited = 0
            self._ask_key_frame()

    def close(self) -> RecordedVideo:
        """Ends the file (blocking: the writer thread finishes what is queued)."""
        if not self._closed:
            self._closed = True
            self._queue.put(_END)
        self._thread.join()
        return RecordedVideo(self.path, self.pictures, self.dropped, self.size)

    # -- the writer thread ---------------------------------------------------------------------------

    def _write(self) -> None:
        file: _WebmFile | None = None
        try:
            while (item := self._queue.get()) is not _END:
                picture, timestamp = item
                if file is None:
                    if not is_key_frame(picture):
                        continue
                    self.size = key_frame_size(picture)
                    file = _WebmFile(self.path, self.size, timestamp)
                if file.add(picture, timestamp):
                    self.pictures += 1
        except Exception:
            log.exception("video recording %s stopped", self.path)
            self._closed = True
        finally:
            if file is not None:
                file.close()


class _WebmFile:
    """The open WebM file (writer thread only): pictures muxed with their RTP times from the first."""

    def __init__(self, path: str, size: tuple[int, int], first_timestamp: int) -> None:
        self._path = path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._container = av.open(path, "w", format="webm")
        self._stream = self._container.add_stream("vp8")
        self._stream.width, self._stream.height = size
        self._first = self._previous = first_timestamp
        self._wrap = 0
        self._last_pts = -1

    def add(self, picture: bytes, timestamp: int) -> bool:
        if timestamp < self._previous and self._previous - timestamp > 1 << 31:
            self._wrap += 1 << 32  # the 32-bit RTP timestamp went round
        self._previous = timestamp
        pts = timestamp + self._wrap - self._first
        if pts <= self._last_pts:
            return False  # the muxer needs rising times
        self._last_pts = pts
        packet = av.Packet(picture)
        packet.pts = packet.dts = pts
        packet.time_base = RTP_VIDEO_CLOCK
        packet.stream = self._stream
        packet.is_keyframe = is_key_frame(picture)
        self._container.mux(packet)
        return True

    def close(self) -> None:
        try:
            self._container.close()
        except Exception:
            log.exception("video recording %s could not be closed", self._path)


class CallVideoRecorders:
    """Implements the call flow's `VideoRecorder` port: each leg's camera of a call into its own file,
    `{stem}.{leg}.webm`, from the first segment it is in until the call ends (a camera in several
    segments, such as the caller's after a transfer, stays in one file; its gaps are gaps in time)."""

    def __init__(self, routes: VideoRoutes) -> None:
        self._routes = routes
        self._calls: dict[str, dict[str, WebmRecorder]] = {}

    def record(self, call_id: str, legs: Sequence[str], stem: str) -> list[str]:
        recorders = self._calls.setdefault(call_id, {})
        begun: list[str] = []
        for leg in legs:
            tap = self._routes.camera(leg)
            if leg in recorders or tap is None:
                continue
            recorder = WebmRecorder(f"{stem}.{leg}.webm", tap.ask_key_frame)
            tap.record_into(recorder)
            recorders[leg] = recorder
            begun.append(leg)
        return begun

    async def finish(self, call_id: str) -> list[RecordedVideo]:
        recorders = self._calls.pop(call_id, {})
        for leg, recorder in recorders.items():
            tap = self._routes.camera(leg, sending=False)
            if tap is not None:
                tap.stop_recording(recorder)
        done = [await asyncio.to_thread(recorder.close) for recorder in recorders.values()]
        for video in done:
            log.info(
                "video recording %s: %d pictures, %d dropped, size %s",
                video.path,
                video.pictures,
                video.dropped,
                video.size,
            )
        return done

    async def finish_all(self) -> None:
        """The process stops: every file still open is ended, so none is left without its index."""
        for call_id in list(self._calls):
            await self.finish(call_id)

    def recording(self) -> int:
        """Cameras being recorded now."""
        return sum(len(recorders) for recorders in self._calls.values())
