"""Prompt audio files: uploads decoded with PyAV (FFmpeg), Russian speech from espeak-ng, everything
written as 8 kHz mono 16-bit PCM WAV — the format the media engine plays without converting.

Files live under the prompts directory: uploaded and synthesised prompts under a fresh random name each
(replacing a prompt never overwrites a file a call may be playing), announcement words under
`words/<digest>.wav`, named by a digest of voice and text so each is synthesised once.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import shutil
import struct
import subprocess
import uuid
import wave
from pathlib import Path

import av
import av.error

from c122.services.ivr.ports import SpeechUnavailable, StoredAudio, UnusableAudio

SAMPLE_RATE = 8000
SAMPLE_BYTES = 2
ACCEPTED_FORMATS = frozenset({"wav", "mp3", "ogg"})
VOICE = "ru"
SPEECH_TIMEOUT_S = 30.0
MAX_PHRASE_SECONDS = 60.0  # an announcement word or sentence; longer speech is not an announcement
WORDS_DIR = "words"


class PromptAudioFiles:
    """The PromptAudio port (services/ivr/ports.py) over the local file system."""

    def __init__(self, prompts_dir: Path, espeak: str = "espeak-ng") -> None:
        self._dir = prompts_dir
        self._espeak = espeak
        self._phrase_locks: dict[str, asyncio.Lock] = {}

    async def convert(self, data: bytes, max_seconds: float) -> StoredAudio:
        pcm = await asyncio.to_thread(decode_to_pcm, data, max_seconds, check_wav_length=True)
        return await asyncio.to_thread(self._write_new, pcm)

    async def synthesise(self, text: str, max_seconds: float) -> StoredAudio:
        pcm = await self._spoken_pcm(text, max_seconds)
        return await asyncio.to_thread(self._write_new, pcm)

    async def phrase(self, text: str) -> str:
        digest = hashlib.sha256(f"{self._espeak}|{VOICE}|{text}".encode()).hexdigest()[:32]
        relative = f"{WORDS_DIR}/{digest}.wav"
        target = self._dir / relative
        if target.is_file():
            return relative
        # Two calls announcing the same word at once synthesise it once.
        async with self._phrase_locks.setdefault(text, asyncio.Lock()):
            if not target.is_file():
                pcm = await self._spoken_pcm(text, MAX_PHRASE_SECONDS)
                await asyncio.to_thread(_write_wav, target, pcm)
        return relative

    def speech_problem(self) -> str | None:
        return None if shutil.which(self._espeak) else f"{self._espeak} is not installed on the server"

    def exists(self, file_path: str) -> bool:
        path = self._inside(file_path)
        return path is not None and path.is_file()

    def size(self, file_path: str) -> int:
        path = self._inside(file_path)
        return path.stat().st_size if path is not None and path.is_file() else 0

    async def remove(self, file_path: str) -> None:
        path = self._inside(file_path)
        if path is not None:
            path.unlink(missing_ok=True)

    def _inside(self, file_path: str) -> Path | None:
        """The file under the prompts directory; None for a path that would leave it."""
        if not file_path:
            return None
        path = (self._dir / file_path).resolve()
        return path if path.is_relative_to(self._dir.resolve()) else None

    def _write_new(self, pcm: bytes) -> StoredAudio:
        relative = f"{uuid.uuid4().hex}.wav"
        _write_wav(self._dir / relative, pcm)
        return StoredAudio(relative, duration_ms(pcm))

    async def _spoken_pcm(self, text: str, max_seconds: float) -> bytes:
        wav = await self._speak(text)
        try:
            return await asyncio.to_thread(decode_to_pcm, wav, max_seconds, check_wav_length=False)
        except UnusableAudio as exc:
            raise SpeechUnavailable(f"{self._espeak} gave unusable audio: {exc.message}") from None

    async def _speak(self, text: str) -> bytes:
        executable = shutil.which(self._espeak)
        if executable is None:
            raise SpeechUnavailable(f"{self._espeak} is not installed on the server")
        return await asyncio.to_thread(_spoken_wav, executable, self._espeak, text)


def _spoken_wav(executable: str, name: str, text: str) -> bytes:
    """espeak-ng's WAV of `text`, from a worker thread: started from the event loop (uvloop forks the
    whole process), each run held every call's loop for tens of milliseconds; `subprocess` starts it
    with vfork, and the wait is the thread's."""
    try:
        # The text goes through stdin, so nothing in it can be read as an option.
        done = subprocess.run(
            [executable, "-v", VOICE, "--stdin", "--stdout"],
            input=text.encode(),
            capture_output=True,
            timeout=SPEECH_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed it and waited for it
        raise SpeechUnavailable(f"{name} did not finish within {SPEECH_TIMEOUT_S:g} s") from None
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip()[:200] or f"exit status {done.returncode}"
        raise SpeechUnavailable(f"{name} failed: {reason}")
    return done.stdout


def decode_to_pcm(data: bytes, max_seconds: float, *, check_wav_length: bool) -> bytes:
    """8 kHz mono signed 16-bit little-endian samples of a WAV, MP3 or OGG file; UnusableAudio naming
    the reason (Russian: administrators read it) when the file cannot become a prompt."""
    if not data:
        raise UnusableAudio("файл пуст", code="empty")
    if check_wav_length:
        _check_wav_length(data)
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            formats = set(container.format.name.split(","))
            if not formats & ACCEPTED_FORMATS:
                raise UnusableAudio(
                    f"формат {container.format.name} не поддерживается: загрузите WAV, MP3 или OGG",
                    code="unsupported_format",
                )
            if not container.streams.audio:
                raise UnusableAudio("в файле нет звуковой дорожки", code="not_audio")
            declared = container.duration / av.time_base if container.duration else None
            if declared is not None and declared > max_seconds:
                raise _too_long(max_seconds)
            pcm = _resampled(container, max_seconds)
    except av.error.FFmpegError:
        raise UnusableAudio(
            "файл не распознан как звук: загрузите WAV, MP3 или OGG", code="not_audio"
        ) from None
    if not pcm:
        raise UnusableAudio("в файле нет звука", code="no_audio")
    return pcm


def _resampled(container: av.container.InputContainer, max_seconds: float) -> bytes:
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    limit = int(max_seconds * SAMPLE_RATE) * SAMPLE_BYTES
    out = bytearray()
    for frame in container.decode(audio=0):
        for converted in resampler.resample(frame):
            out += _samples(converted)
        if len(out) > limit:
            raise _too_long(max_seconds)
    for converted in resampler.resample(None):
        out += _samples(converted)
    if len(out) > limit:
        raise _too_long(max_seconds)
    return bytes(out)


def _samples(frame: av.AudioFrame) -> bytes:
    # A packed mono s16 plane may be padded past the last sample.
    return bytes(frame.planes[0])[: frame.samples * SAMPLE_BYTES]


def _too_long(max_seconds: float) -> UnusableAudio:
    return UnusableAudio(f"запись длиннее {_duration_words(max_seconds)}", code="too_long")


def _duration_words(seconds: float) -> str:
    return f"{seconds / 60:g} мин" if seconds >= 60 else f"{seconds:g} с"


def _check_wav_length(data: bytes) -> None:
    """A WAV whose data chunk claims more bytes than the file holds was cut short (an interrupted copy);
    FFmpeg would quietly play the part that is there."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return
    position = 12
    while position + 8 <= len(data):
        chunk, size = data[position : position + 4], struct.unpack("<I", data[position + 4 : position + 8])[0]
        body = position + 8
        if chunk == b"data":
            if body + size > len(data):
                raise UnusableAudio(
                    f"файл WAV обрезан: заявлено {size} байт звука, в файле {len(data) - body}",
                    code="truncated",
                )
            return
        position = body + size + (size & 1)
    raise UnusableAudio("файл WAV обрезан: нет блока со звуком", code="truncated")


def duration_ms(pcm: bytes) -> int:
    return round(len(pcm) / SAMPLE_BYTES * 1000 / SAMPLE_RATE)


def _write_wav(target: Path, pcm: bytes) -> None:
    """Written beside the target and renamed into place, so a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with wave.open(str(partial), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(SAMPLE_BYTES)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
