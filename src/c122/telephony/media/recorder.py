"""Stereo WAV recorder (caller left, operator right) that survives the process being killed.

The RIFF sizes in the header are rewritten and the file flushed at least once a second, so a
reader sees a valid file holding everything up to the last second even after a crash.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any, BinaryIO, Final

import numpy as np
import numpy.typing as npt

from c122.telephony.media.codecs import FRAME_SAMPLES, PCMU, SAMPLE_RATE, Codec, Pcm

_HEADER_SIZE: Final = 44
_CHANNELS: Final = 2
_BLOCK_ALIGN: Final = 2 * _CHANNELS
FLUSH_FRAMES: Final = 1000 // 20  # one second of 20 ms frames


def _header(data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, _CHANNELS, SAMPLE_RATE, SAMPLE_RATE * _BLOCK_ALIGN, _BLOCK_ALIGN, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


Frame = Pcm | bytes  # decoded samples, or a G.711 payload decoded a second at a time


class StereoWavRecorder:
    def __init__(
        self,
        path: Path,
        flush_frames: int = FLUSH_FRAMES,
        codecs: tuple[Codec, Codec] = (PCMU, PCMU),
        first_flush_frames: int | None = None,
        *,
        append: bool = False,
    ) -> None:
        """`first_flush_frames` (at most `flush_frames`) staggers the flushes of many recordings
        started together, so they do not all write in the same 20 ms tick. `append`: carry on at the
        end of the file this recorder wrote before (a conversation taken over after a restart)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._data_bytes = 0
        # Unbuffered: every write is one positioned system call (the block at the end, the header at 0).
        if append and path.is_file() and path.stat().st_size >= _HEADER_SIZE:
            self._file: BinaryIO | None = path.open("r+b", buffering=0)
            # Whole stereo samples only: a block cut by the kill is dropped.
            self._data_bytes = (path.stat().st_size - _HEADER_SIZE) // _BLOCK_ALIGN * _BLOCK_ALIGN
            self._file.truncate(_HEADER_SIZE + self._data_bytes)
        else:
            self._file = path.open("wb", buffering=0)
        os.pwrite(self._file.fileno(), _header(self._data_bytes), 0)
        self._codecs = codecs  # the G.711 law of payload frames, left and right
        self._left: list[Frame | None] = []
        self._right: list[Frame | None] = []
        self._flush_frames = flush_frames
        self._next_flush = min(first_flush_frames or flush_frames, flush_frames)

    @property
    def frames_written(self) -> int:
        return self._data_bytes // (_BLOCK_ALIGN * FRAME_SAMPLES) + len(self._left)

    @property
    def duration_seconds(self) -> float:
        return self.frames_written * FRAME_SAMPLES / SAMPLE_RATE

    def write(self, left: Frame | None, right: Frame | None) -> None:
        """Appends one 20 ms frame; a missing side is written as silence."""
        self._left.append(left)
        self._right.append(right)
        if len(self._left) >= self._next_flush:
            self.flush()
            self._next_flush = self._flush_frames

    def append_payloads(self, left: bytes, right: bytes | None) -> None:
        """Appends a block of G.711 samples per side (the same length; `None`: silence) and
        updates the header at once."""
        self.flush()
        if self._file is None or not left:
            return
        if right is None:
            stereo = np.zeros(len(left) * _CHANNELS, dtype="<i2")
            stereo[0::2] = self._codecs[0].decode(left)
            self._append(stereo)
            return
        # Each side looked up as whole stereo samples (its half set, the other 0), the two or-ed:
        # no interleaving copies, and tables of 1 KB that stay in the cache next to the relay's data.
        stereo = _channel_table(self._codecs[0], 0).take(np.frombuffer(left, dtype=np.uint8), mode="clip")
        stereo |= _channel_table(self._codecs[1], 16).take(np.frombuffer(right, dtype=np.uint8), mode="clip")
        self._append(stereo)

    def flush(self) -> None:
        if self._file is None or not self._left:
            return
        stereo = np.empty(len(self._left) * FRAME_SAMPLES * _CHANNELS, dtype="<i2")
        stereo[0::2] = _decode(self._left, self._codecs[0])
        stereo[1::2] = _decode(self._right, self._codecs[1])
        self._left.clear()
        self._right.clear()
        self._append(stereo)

    def _append(self, block: npt.NDArray[Any]) -> None:
        """The samples after those written, then the header that counts them: to the OS at once,
        so a killed process loses nothing written before."""
        if self._file is None:
            return
        fd = self._file.fileno()
        written = os.pwrite(fd, block.data, _HEADER_SIZE + self._data_bytes)
        if written != block.nbytes:  # a full disk: what did get written is counted as far as whole samples
            written -= written % _BLOCK_ALIGN
        self._data_bytes += written
        os.pwrite(fd, _header(self._data_bytes), 0)

    def close(self) -> None:
        if self._file is None:
            return
        self.flush()
        self._file.close()
        self._file = None

    @property
    def closed(self) -> bool:
        return self._file is None


_CHANNEL_TABLES: dict[tuple[str, int], npt.NDArray[np.uint32]] = {}


def _channel_table(codec: Codec, shift: int) -> npt.NDArray[np.uint32]:
    """256 stereo samples by G.711 byte: the decoded sample in the left (shift 0) or right (16) half."""
    table = _CHANNEL_TABLES.get((codec.name, shift))
    if table is None:
        table = (codec.decode_table.view(np.uint16).astype(np.uint32) << shift).astype("<u4")
        _CHANNEL_TABLES[codec.name, shift] = table
    return table


def _decode(frames: list[Frame | None], codec: Codec) -> Pcm:
    if all(isinstance(frame, bytes) for frame in frames):
        return codec.decode(b"".join(frames))  # type: ignore[arg-type]  # one table lookup per second
    samples = np.zeros(len(frames) * FRAME_SAMPLES, dtype=np.int16)
    for index, frame in enumerate(frames):
        if frame is not None:
            at = index * FRAME_SAMPLES
            samples[at : at + FRAME_SAMPLES] = codec.decode(frame) if isinstance(frame, bytes) else frame
    return samples
