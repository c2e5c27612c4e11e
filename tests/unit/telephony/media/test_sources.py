import wave

import numpy as np
import pytest

from c122.telephony.media.analysis import dominant_frequency, rms
from c122.telephony.media.sources import BUSY, RINGBACK, ToneSource, WavSource, tone
from c122.telephony.media.spec import source_for


def _pull(source, frames):
    return [source.next_frame() for _ in range(frames)]


def _on_off_pattern(frames):
    return [rms(f) > 100 for f in frames]


def test_ringback_is_425_hz_one_second_on_four_seconds_off_repeating():
    frames = _pull(ToneSource(RINGBACK), 500)  # 10 s
    pattern = _on_off_pattern(frames)
    assert pattern[:50] == [True] * 50
    assert pattern[50:250] == [False] * 200
    assert pattern[250:300] == [True] * 50
    assert abs(dominant_frequency(np.concatenate(frames[:50])) - 425.0) < 1.0


def test_busy_is_425_hz_with_equal_on_and_off():
    pattern = _on_off_pattern(_pull(ToneSource(BUSY), 80))
    assert pattern[:20] == [True] * 20
    assert pattern[20:40] == [False] * 20
    assert pattern[40:60] == [True] * 20


def test_a_tone_has_no_phase_jump_between_frames():
    samples = np.concatenate(_pull(ToneSource(tone([425.0], 1000)), 10)).astype(np.float64)
    # For a 425 Hz sine at 25 % scale the largest step is 2π·425/8000·8192 ≈ 2734.
    assert np.max(np.abs(np.diff(samples))) < 2800


def test_a_one_shot_tone_ends():
    frames = _pull(ToneSource(tone([1000.0], 100)), 10)
    assert all(f is not None for f in frames[:5])
    assert frames[5] is None


def _write_wav(path, samples, rate=8000, channels=1):
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(samples.astype("<i2").tobytes())


def test_a_wav_file_plays_once_and_a_music_file_loops(tmp_path):
    n = np.arange(8000 // 2)  # half a second
    _write_wav(tmp_path / "prompt.wav", 8000 * np.sin(2 * np.pi * 600 * n / 8000))
    once = WavSource(tmp_path / "prompt.wav")
    assert sum(1 for f in _pull(once, 40) if f is not None) == 25
    music = WavSource(tmp_path / "prompt.wav", loop=True)
    frames = _pull(music, 100)
    assert all(f is not None for f in frames)
    assert abs(dominant_frequency(np.concatenate(frames)) - 600.0) < 2.0


def test_a_16_khz_stereo_file_is_resampled_to_8_khz_mono(tmp_path):
    n = np.arange(16000)
    left = 8000 * np.sin(2 * np.pi * 500 * n / 16000)
    _write_wav(tmp_path / "hi.wav", np.column_stack([left, left]).ravel(), rate=16000, channels=2)
    frames = [f for f in _pull(source_for(f"file:{tmp_path / 'hi.wav'}", loop=False), 60) if f is not None]
    assert len(frames) == 50
    assert abs(dominant_frequency(np.concatenate(frames)) - 500.0) < 2.0


@pytest.mark.parametrize(
    ("spec", "reason"),
    [("tone:loud", "bad tone"), ("file:/nonexistent.wav", "no such"), ("video:x", "unknown")],
)
def test_bad_media_specs_are_refused(spec, reason):
    with pytest.raises(ValueError, match=reason):
        source_for(spec, loop=False)
