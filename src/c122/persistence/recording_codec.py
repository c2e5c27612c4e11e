"""Recordings compressed after the call: the stereo WAV the media engine wrote (8 kHz, 16 bit, the
caller left, the operator right) becomes Opus in an Ogg file, through PyAV's libopus. Opus keeps speech
at 8 kHz with both channels at 24 kbit/s, about a tenth of the WAV (bench/results/recording_codec.json).
The SHA-256 is taken of the file as written."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Final

import av

CODEC: Final = "opus"
SUFFIX: Final = ".ogg"
MEDIA_TYPE: Final = "audio/ogg"
RATE: Final = 8_000
BIT_RATE: Final = 24_000
"""Both channels together; Opus's narrowband speech mode."""
_CHUNK: Final = 1 << 20


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
