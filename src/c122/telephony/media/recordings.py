"""Recordings in progress: each one's payload timelines on the recorded legs, cut and handed to
the writer thread once a second, finished when stopped or when both its legs are gone."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from c122.telephony.media.codecs import FRAME_SAMPLES
from c122.telephony.media.endpoint import Endpoint
from c122.telephony.media.messages import RecordingFinished, StartRecording
from c122.telephony.media.recorder import StereoWavRecorder
from c122.telephony.media.recording import REORDER_ALLOWANCE, Block, PayloadTimeline, RecordingWriter

RECORDING_BLOCK: Final = 1.0  # seconds between a recording's hand-overs to the writer thread
_HANDOVER_SPREAD: Final = 50  # recordings started together hand over in different ticks


@dataclass(slots=True)
class _Recording:
    recording_id: str
    writer: StereoWavRecorder
    left: str
    right: str | None
    left_line: PayloadTimeline
    right_line: PayloadTimeline | None

    def cut(self, until: int, now: float) -> tuple[bytes, bytes | None]:
        """Both sides up to the same recording sample, in whole frames."""
        until -= until % FRAME_SAMPLES
        left = self.left_line.take(until, now)
        right = self.right_line.take(until, now) if self.right_line is not None else None
        return left, right


class Recordings:
    """The engine's recordings over its endpoints (the same mapping, kept by the engine)."""

    def __init__(self, endpoints: Mapping[str, Endpoint], tick: float) -> None:
        self._endpoints = endpoints
        self._tick = tick
        self._recordings: dict[str, _Recording] = {}
        # (when, start number, recording): the next hand-over of each, earliest first; a finished
        # recording's entry is dropped when it comes up.
        self._due: list[tuple[float, int, _Recording]] = []
        self._started = 0

    def __len__(self) -> int:
        return len(self._recordings)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._recordings))

    def start(self, command: StartRecording, now: float) -> None:
        for side in (command.left, command.right):
            if side is not None and side not in self._endpoints:
                raise KeyError(f"unknown endpoint {side}")
        if command.recording_id in self._recordings:
            raise ValueError(f"recording {command.recording_id} already exists")
        left = self._endpoints[command.left]
        right = left if command.right_mixed else self._endpoints.get(command.right or "")
        left_line = PayloadTimeline(left.codec, now)
        right_line = PayloadTimeline(right.codec, now) if right is not None else None
        codecs = (left.codec, right.codec if right is not None else left.codec)
        writer = StereoWavRecorder(Path(command.path), codecs=codecs, append=command.append)
        recording = self._recordings[command.recording_id] = _Recording(
            command.recording_id, writer, command.left, None if command.right_mixed else command.right,
            left_line, right_line,
        )  # fmt: skip
        first = now + RECORDING_BLOCK + REORDER_ALLOWANCE / 8000
        first += self._tick * (len(self._recordings) % _HANDOVER_SPREAD)
        self._started += 1
        heapq.heappush(self._due, (first, self._started, recording))
        left.timelines += (left_line,)
        if command.right_mixed and right_line is not None:
            left.heard_timelines += (right_line,)
        elif right is not None and right_line is not None:
            right.timelines += (right_line,)

    def orphaned_by(self, closing: str) -> list[str]:
        """Recordings of the closing leg whose other side is gone too (or never was)."""
        return [
            recording.recording_id
            for recording in self._recordings.values()
            if closing in (recording.left, recording.right) and not self._has_live_side(recording, closing)
        ]

    def _has_live_side(self, recording: _Recording, closing: str) -> bool:
        other = recording.right if recording.left == closing else recording.left
        return other is not None and other in self._endpoints

    async def finish(
        self, recording_id: str, now: float, writer: RecordingWriter
    ) -> RecordingFinished | None:
        """The rest of the recording written and the file closed; None when it was not recording."""
        recording = self._recordings.pop(recording_id, None)
        if recording is None:
            return None
        for endpoint_id, line in (
            (recording.left, recording.left_line),
            (recording.right, recording.right_line),
        ):
            endpoint = self._endpoints.get(endpoint_id or "")
            if endpoint is not None and line is not None:
                endpoint.timelines = tuple(kept for kept in endpoint.timelines if kept is not line)
        listener = self._endpoints.get(recording.left)
        if listener is not None and recording.right_line is not None:
            listener.heard_timelines = tuple(
                kept for kept in listener.heard_timelines if kept is not recording.right_line
            )
        left, right = recording.cut(recording.left_line.position_now(now), now)
        await writer.finish(recording.writer, left, right)
        return RecordingFinished(recording_id, str(recording.writer.path), recording.writer.duration_seconds)

    def hand_over(self, now: float, writer: RecordingWriter) -> None:
        """The last second of each recording due goes to the writer thread, a little behind real
        time so that late and reordered packets are in it. Only the recordings due are looked at
        (the earliest first in `_due`): with hundreds in progress a tick finds a few."""
        blocks: list[Block] = []
        due = self._due
        while due and due[0][0] <= now:
            _, number, recording = heapq.heappop(due)
            if self._recordings.get(recording.recording_id) is not recording:
                continue  # finished meanwhile
            heapq.heappush(due, (now + RECORDING_BLOCK, number, recording))
            until = recording.left_line.position_now(now) - REORDER_ALLOWANCE
            left, right = recording.cut(until, now)
            if left:
                blocks.append((recording.writer, left, right))
        writer.append(blocks)
