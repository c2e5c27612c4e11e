"""Recordings are compressed in a child process at a lower priority than the server, and a child that
died is replaced at the next recording."""

from __future__ import annotations

import multiprocessing
import os
import signal
import wave
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from c122.persistence.recording_codec import COMPRESSOR_NICENESS, Compressor, sha256_of


def stereo_wav(path: Path, seconds: float = 1.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(bytes(int(8000 * seconds) * 4))
    return path


def children_since(before: set[int]) -> list[multiprocessing.process.BaseProcess]:
    """Child processes started since `before` was taken (an earlier test's may still be ending)."""
    return [child for child in multiprocessing.active_children() if child.pid not in before]


def child_pids() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.pid is not None}


@pytest.fixture
def compressor() -> Iterator[Compressor]:
    compressor = Compressor()
    yield compressor
    compressor.close()


def test_a_recording_is_compressed_in_a_child_process_at_a_lower_priority(
    compressor: Compressor, tmp_path: Path
) -> None:
    before = child_pids()
    wav = stereo_wav(tmp_path / "call.wav")
    done = compressor.compress(wav)
    assert done.path == str(tmp_path / "call.ogg")
    assert done.wav_bytes == wav.stat().st_size
    assert done.bytes == Path(done.path).stat().st_size < done.wav_bytes
    assert done.sha256 == sha256_of(Path(done.path))
    children = children_since(before)
    assert len(children) == 1
    assert children[0].pid is not None
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, children[0].pid) == min(own + COMPRESSOR_NICENESS, 19)


def test_a_child_that_died_is_replaced_at_the_next_recording(compressor: Compressor, tmp_path: Path) -> None:
    before = child_pids()
    compressor.compress(stereo_wav(tmp_path / "first.wav"))
    (child,) = children_since(before)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    child.join(5)
    with pytest.raises(BrokenProcessPool):  # the recording it was given stays to be compressed again
        compressor.compress(stereo_wav(tmp_path / "second.wav"))
    done = compressor.compress(tmp_path / "second.wav")
    assert Path(done.path).is_file()


def test_closing_stops_the_child(tmp_path: Path) -> None:
    before = child_pids()
    compressor = Compressor()
    compressor.compress(stereo_wav(tmp_path / "call.wav"))
    (child,) = children_since(before)
    compressor.close()
    child.join(10)
    assert not child.is_alive()
