"""Audio files and flows for the IVR administration tests: real encoders (PyAV), no recorded fixtures."""

from __future__ import annotations

import io
import math
import wave
from typing import Any

import av

from tests.support.server import Desk


def tone_wav(seconds: float, rate: int = 44100, channels: int = 2, hz: float = 440.0) -> bytes:
    """A 16-bit PCM WAV of a sine tone."""
    frames = bytearray()
    for n in range(int(seconds * rate)):
        sample = int(12000 * math.sin(2 * math.pi * hz * n / rate)).to_bytes(2, "little", signed=True)
        frames += sample * channels
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(bytes(frames))
    return out.getvalue()


def encoded(wav: bytes, container: str, codec: str, rate: int = 44100) -> bytes:
    """The WAV re-encoded by FFmpeg (through PyAV), e.g. `mp3`/`mp3`, `ogg`/`libopus` (48 kHz)."""
    out = io.BytesIO()
    with av.open(io.BytesIO(wav), "r") as source, av.open(out, "w", format=container) as target:
        stream = target.add_stream(codec, rate=rate)
        assert isinstance(stream, av.AudioStream)
        resampler = av.AudioResampler(format=stream.codec_context.format, layout="stereo", rate=rate)
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                target.mux(stream.encode(converted))
        target.mux(stream.encode(None))
    return out.getvalue()


async def upload(
    desk: Desk, name: str, data: bytes, filename: str = "prompt.wav", title: str = "Фраза"
) -> Any:
    return await desk.write(
        "POST",
        "/api/v1/admin/prompts",
        data={"name": name, "title": title},
        files={"file": (filename, data, "application/octet-stream")},
    )


def menu_flow(name: str, queue_id: int, case_type_id: int, prompt: str = "hello") -> dict[str, Any]:
    """A small valid flow: a menu whose 1 sets a case type and queues, anything else hangs up."""
    return {
        "name": name,
        "entry": "menu",
        "timezone": "Europe/Moscow",
        "nodes": {
            "menu": {
                "type": "menu",
                "prompt": prompt,
                "branches": {"1": "typed"},
                "fallback": "bye",
            },
            "typed": {"type": "set_case_type", "case_type": case_type_id, "next": "queue"},
            "queue": {"type": "enqueue", "queue": str(queue_id), "priority": 3},
            "bye": {"type": "hang_up", "prompt": prompt},
        },
    }
