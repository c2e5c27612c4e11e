"""Prompt audio conversion with the real FFmpeg (PyAV): any accepted upload becomes 8 kHz mono 16-bit
PCM of the same length and pitch; anything else is refused with a reason."""

from __future__ import annotations

import array
import itertools
import struct
from pathlib import Path

import pytest
from tests.support.ivr import encoded, tone_wav

from c122.services.ivr.ports import SpeechUnavailable, UnusableAudio
from c122.telephony.prompt_audio import PromptAudioFiles, decode_to_pcm, duration_ms


def _zero_crossings_per_second(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    crossings = sum(1 for a, b in itertools.pairwise(samples) if (a < 0) != (b < 0))
    return crossings / (len(samples) / 8000)


@pytest.mark.parametrize(
    ("container", "codec", "rate"),
    [("wav", "pcm_s16le", 44100), ("mp3", "mp3", 44100), ("ogg", "libopus", 48000)],
)
def test_uploads_become_8khz_mono_with_length_and_pitch_kept(container: str, codec: str, rate: int) -> None:
    source = tone_wav(1.0, rate=44100, channels=2, hz=440.0)
    data = source if container == "wav" else encoded(source, container, codec, rate=rate)
    pcm = decode_to_pcm(data, 10.0, check_wav_length=True)
    assert duration_ms(pcm) == pytest.approx(1000, abs=80)
    # A 440 Hz tone crosses zero 880 times a second, whatever the rate it came at.
    assert _zero_crossings_per_second(pcm) == pytest.approx(880, rel=0.03)


def _refusal(data: bytes, max_seconds: float = 10.0) -> str:
    with pytest.raises(UnusableAudio) as caught:
        decode_to_pcm(data, max_seconds, check_wav_length=True)
    assert caught.value.message
    return caught.value.code


def test_bad_files_are_refused_with_their_reason() -> None:
    wav = tone_wav(1.0, rate=8000, channels=1)
    assert _refusal(b"") == "empty"
    assert _refusal(wav[:-100]) == "truncated"
    assert _refusal(wav[:40]) == "truncated"
    assert _refusal(b"ID3" + b"\0" * 2000) == "not_audio"
    assert _refusal("просто текст".encode() * 100) == "not_audio"
    assert _refusal(encoded(wav, "flac", "flac")) == "unsupported_format"
    assert _refusal(wav, max_seconds=0.5) == "too_long"
    silent_header = wav[:40] + struct.pack("<I", 0)
    assert _refusal(silent_header) == "no_audio"


def test_a_wav_with_extra_chunks_before_its_data_is_read_whole() -> None:
    wav = tone_wav(0.5, rate=8000, channels=1)
    info = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\0"  # odd size: padded to even
    riff = wav[12:36] + info + wav[36:]
    data = b"RIFF" + struct.pack("<I", 4 + len(riff)) + b"WAVE" + riff
    assert duration_ms(decode_to_pcm(data, 10.0, check_wav_length=True)) == 500


async def test_files_outside_the_prompts_directory_are_never_touched(tmp_path: Path) -> None:
    prompts = tmp_path / "prompts"
    prompts.mkdir()
    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"keep")
    files = PromptAudioFiles(prompts)
    assert not files.exists("../secret.wav")
    await files.remove("../secret.wav")
    assert outside.read_bytes() == b"keep"
    stored = await files.convert(tone_wav(0.2, rate=8000, channels=1), 10.0)
    assert files.exists(stored.file_path)
    assert stored.duration_ms == 200
    await files.remove(stored.file_path)
    assert not files.exists(stored.file_path)
    assert list(prompts.iterdir()) == []


async def test_a_phrase_is_spoken_once_and_a_failing_speech_program_is_said_so(tmp_path: Path) -> None:
    files = PromptAudioFiles(tmp_path)
    first = await files.phrase("двадцать три")
    assert files.size(first) > 44
    assert await files.phrase("двадцать три") == first  # spoken once, then found
    failing = tmp_path / "espeak-broken"
    failing.write_text("#!/bin/sh\necho 'no voice ru' >&2\nexit 3\n")
    failing.chmod(0o755)
    with pytest.raises(SpeechUnavailable, match="failed: no voice ru"):
        await PromptAudioFiles(tmp_path, espeak=str(failing)).phrase("один")
