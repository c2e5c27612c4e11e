"""Recordings compressed after the call: the stereo WAV the media engine wrote (8 kHz, 16 bit, the
caller left, the operator right) becomes Opus in an Ogg file, through PyAV's libopus. Opus keeps speech
at 8 kHz with both channels at 24 kbit/s, about a tenth of the WAV (bench/results/recording_codec.json).
The SHA-256 is taken of the file as written."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Final

import av

from c122.services.calls.ports import CompressedRecording

CODEC: Final = "opus"
SUFFIX: Final = ".ogg"
MEDIA_TYPE: Final = "audio/ogg"
RATE: Final = 8_000
BIT_RATE: Final = 24_000
"""Both channels together; Opus's narrowband speech mode."""
_CHUNK: Final = 1 << 20
COMPRESSOR_NICENESS: Final = 10


def compress_wav(wav: Path) -> Path:
    """Writes `<name>.ogg` beside the WAV (aside first, then renamed: never a half file under the name);
    ValueError when the WAV cannot be decoded."""
    target = wav.with_suffix(SUFFIX)
    aside = wav.with_suffix(".ogg.part")
    try:
        with av.open(str(wav)) as source, av.open(str(aside), "w", format="ogg") as out:
            if not source.streams.audio:
                raise ValueError(f"{wav.name}: no audio in it")
            stream = out.add_stream("libopus", rate=RATE)
            stream.bit_rate = BIT_RATE
            stream.layout = "stereo"
            resampler = av.AudioResampler(format="s16", layout="stereo", rate=RATE)
            for frame in source.decode(audio=0):
                for ready in resampler.resample(frame):
                    out.mux(stream.encode(ready))
            for ready in resampler.resample(None):
                out.mux(stream.encode(ready))
            out.mux(stream.encode(None))
    except av.error.FFmpegError as exc:
        aside.unlink(missing_ok=True)
        raise ValueError(f"{wav.name}: {exc}") from exc
    except BaseException:
        aside.unlink(missing_ok=True)
        raise
    os.replace(aside, target)
    return target


def video_readable(path: Path) -> bool:
    """A WebM file opens, has a video stream and its first picture decodes (a cut or overwritten file
    does not)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return False
            for _frame in container.decode(video=0):
                return True
    except (av.FFmpegError, OSError, ValueError):
        return False
    return False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def compress_and_digest(wav: Path) -> CompressedRecording:
    """The WAV compressed beside itself, with the sizes and the checksum of what was written."""
    wav_bytes = wav.stat().st_size
    compressed = compress_wav(wav)
    return CompressedRecording(
        path=str(compressed),
        codec=CODEC,
        bytes=compressed.stat().st_size,
        wav_bytes=wav_bytes,
        sha256=sha256_of(compressed),
    )


def _lower_priority() -> None:
    os.nice(COMPRESSOR_NICENESS)


class Compressor:
    """Compression in a process of its own at a lower priority. Encoding Opus is the heaviest work a
    call leaves behind (about 3 ms of CPU a second of audio): in a thread of the serving process it
    took the interpreter from the calls while a backlog was worked off, and under a sustained 100
    calls/s that backlog never ended. Apart, the system's scheduler gives the calls the CPU first and
    the backlog waits. Started at the first recording, so a process that never compresses starts none;
    a child that died is replaced at the next recording (the one it was on is compressed again)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._starting = threading.Lock()

    def compress(self, wav: Path) -> CompressedRecording:
        """Blocks its thread (never the event loop's) until the child has written the file."""
        pool = self._started()
        try:
            return pool.submit(compress_and_digest, wav).result()
        except BrokenProcessPool:
            with self._starting:
                if self._pool is pool:
                    self._pool = None
            raise

    def close(self) -> None:
        with self._starting:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _started(self) -> ProcessPoolExecutor:
        with self._starting:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_lower_priority,
                )
            return self._pool
