import subprocess
import sys
import textwrap
import wave

import numpy as np

from c122.telephony.media.analysis import dominant_frequency
from c122.telephony.media.codecs import PCMA, PCMU
from c122.telephony.media.recorder import StereoWavRecorder
from c122.telephony.media.sources import ToneSource, tone


def _read(path):
    with wave.open(str(path), "rb") as reader:
        assert (reader.getnchannels(), reader.getframerate(), reader.getsampwidth()) == (2, 8000, 2)
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    return data[:, 0], data[:, 1]


def test_the_caller_is_recorded_left_and_the_operator_right(tmp_path):
    caller, operator = ToneSource(tone([400.0], 2000)), ToneSource(tone([1000.0], 2000))
    recorder = StereoWavRecorder(tmp_path / "call.wav")
    for _ in range(100):
        recorder.write(caller.next_frame(), operator.next_frame())
    recorder.close()
    left, right = _read(tmp_path / "call.wav")
    assert len(left) == 16000
    assert abs(dominant_frequency(left) - 400.0) < 2.0
    assert abs(dominant_frequency(right) - 1000.0) < 2.0


def test_a_missing_side_is_recorded_as_silence(tmp_path):
    recorder = StereoWavRecorder(tmp_path / "one.wav")
    recorder.write(ToneSource(tone([400.0], 100)).next_frame(), None)
    recorder.close()
    left, right = _read(tmp_path / "one.wav")
    assert np.any(left)
    assert not np.any(right)


def test_a_recording_stays_readable_up_to_the_last_second_when_the_process_is_killed(tmp_path):
    path = tmp_path / "killed.wav"
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from c122.telephony.media.recorder import StereoWavRecorder
        from c122.telephony.media.sources import ToneSource, tone
        recorder = StereoWavRecorder(Path({str(path)!r}))
        source = ToneSource(tone([700.0], 600000))
        frames = 0
        while True:
            frame = source.next_frame()
            recorder.write(frame, frame)
            frames += 1
            if frames == 125:  # two header updates done, half a second pending
                print("ready", flush=True)
                sys.stdin.readline()  # wait here until the test kills us
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready"
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    left, _ = _read(path)
    assert len(left) == 2 * 8000  # everything up to the last whole second
    assert abs(dominant_frequency(left) - 700.0) < 2.0


def test_payload_frames_are_decoded_with_each_sides_codec(tmp_path):
    source = ToneSource(tone([600.0], 2000))
    recorder = StereoWavRecorder(tmp_path / "laws.wav", codecs=(PCMU, PCMA))
    for _ in range(75):
        frame = source.next_frame()
        recorder.write(PCMU.encode(frame), PCMA.encode(frame))
    recorder.close()
    left, right = _read(tmp_path / "laws.wav")
    assert len(left) == 75 * 160
    assert abs(dominant_frequency(left) - 600.0) < 2.0
    assert np.max(np.abs(left.astype(np.int32) - right.astype(np.int32))) < 1200  # same tone, both laws


def test_a_recording_taken_over_after_a_restart_carries_on_at_the_end_of_its_file(tmp_path):
    def second_of(hz: float) -> bytes:
        source = ToneSource(tone([hz], 1000))
        return b"".join(PCMU.encode(source.next_frame()) for _ in range(50))

    path = tmp_path / "call.wav"
    first = StereoWavRecorder(path)
    first.append_payloads(second_of(400.0), second_of(1000.0))
    # killed: the file is left as it was last flushed, with half a stereo sample at its end
    with path.open("ab") as torn:
        torn.write(b"\x01\x02")
    again = StereoWavRecorder(path, append=True)
    again.append_payloads(second_of(600.0), None)
    again.close()
    left, right = _read(path)
    assert len(left) == 16000
    assert abs(dominant_frequency(left[:8000]) - 400.0) < 2.0
    assert abs(dominant_frequency(right[:8000]) - 1000.0) < 2.0
    assert abs(dominant_frequency(left[8000:]) - 600.0) < 2.0
    assert not right[8000:].any()


def test_blocks_of_both_sides_are_decoded_sample_by_sample_as_each_law_says(tmp_path):
    every_code = bytes(range(256)) * 4
    reversed_codes = every_code[::-1]
    for laws in ((PCMU, PCMU), (PCMU, PCMA), (PCMA, PCMU), (PCMA, PCMA)):
        path = tmp_path / f"{laws[0].name}-{laws[1].name}.wav"
        recorder = StereoWavRecorder(path, codecs=laws)
        recorder.append_payloads(every_code, reversed_codes)
        recorder.close()
        left, right = _read(path)
        assert np.array_equal(left, laws[0].decode(every_code))
        assert np.array_equal(right, laws[1].decode(reversed_codes))
