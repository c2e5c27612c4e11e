"""Recorded legs' payloads on the recording's sample line, and the writer thread."""

import asyncio
import subprocess
import sys
import textwrap
import wave

import numpy as np

from c122.telephony.media.analysis import dominant_frequency
from c122.telephony.media.codecs import PCMA, PCMU
from c122.telephony.media.recorder import StereoWavRecorder
from c122.telephony.media.recording import REORDER_ALLOWANCE, PayloadTimeline, RecordingWriter
from c122.telephony.media.sources import ToneSource, tone

SSRC = 0x1234


def _frame(value: int) -> bytes:
    return bytes([value]) * 160


def _arrival(index: int) -> float:
    return 10.0 + (index + 1) * 0.02  # the recording started at 10.0; frame i ends at (i + 1) x 20 ms


def test_packets_in_order_follow_each_other_from_where_the_first_arrived():
    line = PayloadTimeline(PCMU, started_at=10.0)
    for index in range(5):
        line.put(SSRC, 4000 + 160 * index, _frame(index), _arrival(index + 2))  # 40 ms into the recording
    block = line.take(7 * 160, _arrival(7))
    assert block == b"\xff" * 320 + b"".join(_frame(i) for i in range(5))
    assert line.base == 7 * 160


def test_a_reordered_packet_goes_where_its_timestamp_says_and_a_lost_one_is_silence():
    line = PayloadTimeline(PCMA, started_at=10.0)
    order = [0, 2, 1, 4, 5]  # 1 arrives late, 3 never
    for index in order:
        line.put(SSRC, 160 * index, _frame(index + 1), _arrival(max(order[: order.index(index) + 1])))
    block = line.take(6 * 160, _arrival(6))
    frames = [block[i * 160 : (i + 1) * 160] for i in range(6)]
    assert frames == [_frame(1), _frame(2), _frame(3), b"\xd5" * 160, _frame(5), _frame(6)]


def test_a_packet_later_than_what_was_written_is_dropped():
    line = PayloadTimeline(PCMU, started_at=10.0)
    line.put(SSRC, 0, _frame(1), _arrival(0))
    line.put(SSRC, 320, _frame(3), _arrival(2))
    assert line.take(2 * 160, _arrival(2)) == _frame(1) + b"\xff" * 160
    line.put(SSRC, 160, _frame(2), _arrival(3))  # too late: its place is already in the file
    assert line.take(3 * 160, _arrival(3)) == _frame(3)


def test_a_stream_that_starts_arriving_later_than_its_anchor_says_follows_our_clock():
    line = PayloadTimeline(PCMU, started_at=10.0)
    for index in range(10):
        line.put(SSRC, 160 * index, _frame(1), _arrival(index))
    # Cut past the last packet while the stream is delayed (a cut pads what has not arrived).
    assert line.take(11 * 160, _arrival(20)) == _frame(1) * 10 + b"\xff" * 160
    for index in range(10, 13):  # the network delay grew by 300 ms: frame 10 arrives at frame 25
        line.put(SSRC, 160 * index, _frame(2), _arrival(index + 15))
    block = line.take(28 * 160, _arrival(28))
    assert block[-3 * 160 :] == _frame(2) * 3  # recorded where they arrived, not dropped
    assert block[: -3 * 160] == b"\xff" * 14 * 160


def test_a_straggler_behind_what_was_cut_does_not_move_the_stream():
    line = PayloadTimeline(PCMU, started_at=10.0)
    for index in (0, 1, 3, 4):
        line.put(SSRC, 160 * index, _frame(index), _arrival(index))
    assert line.take(4 * 160, _arrival(14)) == _frame(0) + _frame(1) + b"\xff" * 160 + _frame(3)
    line.put(SSRC, 160 * 2, _frame(2), _arrival(14))  # frame 2, far too late
    line.put(SSRC, 160 * 5, _frame(5), _arrival(15))
    assert line.take(6 * 160, _arrival(15)) == _frame(4) + _frame(5)


def test_a_timestamp_jump_or_a_new_ssrc_is_placed_by_arrival_time():
    line = PayloadTimeline(PCMU, started_at=10.0)
    line.put(SSRC, 1000, _frame(1), _arrival(0))
    line.put(SSRC, 1000 + 3_000_000, _frame(2), _arrival(1))  # a new source behind the same SSRC
    line.put(SSRC + 1, 77, _frame(3), _arrival(3))  # a new stream after a 20 ms gap
    line.put(SSRC + 1, 77 + 160, _frame(4), _arrival(4))
    assert line.take(5 * 160, _arrival(4)) == _frame(1) + _frame(2) + b"\xff" * 160 + _frame(3) + _frame(4)


def test_timestamps_that_wrap_around_32_bits_stay_in_order():
    line = PayloadTimeline(PCMU, started_at=10.0)
    first = (1 << 32) - 160
    for index in range(3):
        line.put(SSRC, (first + 160 * index) & 0xFFFFFFFF, _frame(index), _arrival(index))
    line.put(SSRC, (first + 160 * 4) & 0xFFFFFFFF, _frame(4), _arrival(4))
    line.put(SSRC, (first + 160 * 3) & 0xFFFFFFFF, _frame(3), _arrival(4))
    assert line.take(5 * 160, _arrival(4)) == b"".join(_frame(i) for i in range(5))


def test_a_silent_leg_is_cut_as_silence_and_resumes_in_place():
    line = PayloadTimeline(PCMU, started_at=10.0)
    line.put(SSRC, 0, _frame(1), _arrival(0))
    assert line.take(50 * 160, _arrival(60)) == _frame(1) + b"\xff" * 49 * 160  # a second of hold
    line.put(SSRC, 160, _frame(2), _arrival(60))  # RTP time says frame 1, our clock 60: the clock wins
    block = line.take(61 * 160, _arrival(61))
    assert block == b"\xff" * 10 * 160 + _frame(2)  # frames 50-59 silent, frame 60 heard
    assert REORDER_ALLOWANCE < 59 * 160


def _read(path):
    with wave.open(str(path), "rb") as reader:
        assert (reader.getnchannels(), reader.getframerate(), reader.getsampwidth()) == (2, 8000, 2)
        data = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").reshape(-1, 2)
    return data[:, 0], data[:, 1]


async def test_the_writer_thread_decodes_each_side_with_its_law_and_closes_the_file(tmp_path):
    samples = ToneSource(tone([500.0], 2000))
    left = b"".join(PCMU.encode(samples.next_frame()) for _ in range(50))
    writer = RecordingWriter()
    try:
        recorder = StereoWavRecorder(tmp_path / "call.wav", codecs=(PCMU, PCMA))
        writer.append([(recorder, left, PCMA.encode(PCMU.decode(left)))])
        await asyncio.wait_for(writer.finish(recorder, left, None), timeout=5)
    finally:
        writer.stop()
    assert recorder.closed
    assert recorder.duration_seconds == 2.0
    caller, operator = _read(tmp_path / "call.wav")
    assert abs(dominant_frequency(caller) - 500.0) < 2.0
    assert abs(dominant_frequency(operator[:8000]) - 500.0) < 2.0
    assert not np.any(operator[8000:])  # the last block had no right side: silence


def test_blocks_appended_stay_readable_when_the_process_is_killed(tmp_path):
    path = tmp_path / "killed.wav"
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from c122.telephony.media.codecs import PCMU
        from c122.telephony.media.recorder import StereoWavRecorder
        from c122.telephony.media.sources import ToneSource, tone
        recorder = StereoWavRecorder(Path({str(path)!r}))
        source = ToneSource(tone([700.0], 600000))
        for _ in range(2):
            block = b"".join(PCMU.encode(source.next_frame()) for _ in range(50))
            recorder.append_payloads(block, block)
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
    left, right = _read(path)
    assert len(left) == 2 * 8000
    assert abs(dominant_frequency(right) - 700.0) < 2.0


def test_a_timeline_that_outgrows_its_buffer_keeps_every_packet_and_leaves_its_neighbours_alone():
    line = PayloadTimeline(PCMU, started_at=10.0)
    neighbour = PayloadTimeline(PCMU, started_at=10.0)  # most likely the buffer right after
    neighbour.put(SSRC, 0, _frame(7), _arrival(0))
    for index in range(200):  # 4 s without a cut: more than a timeline's buffer holds
        line.put(SSRC, 160 * index, _frame(index % 200), _arrival(index))
    neighbour.put(SSRC, 160, _frame(8), _arrival(1))
    assert line.take(200 * 160, _arrival(200)) == b"".join(_frame(i % 200) for i in range(200))
    assert neighbour.take(2 * 160, _arrival(2)) == _frame(7) + _frame(8)


def test_the_buffer_of_a_timeline_dropped_goes_to_the_next_one():
    line = PayloadTimeline(PCMU, started_at=10.0)
    line.put(SSRC, 0, _frame(1), _arrival(0))
    slab, start = line.view.obj, line.start
    del line
    again = PayloadTimeline(PCMA, started_at=10.0)
    assert again.view.obj is slab
    assert again.start == start
    assert again.take(160, _arrival(0)) == b"\xd5" * 160  # nothing of the last one's samples
