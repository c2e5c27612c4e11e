import numpy as np

from c122.telephony.media.codecs import PCMA, PCMU
from c122.telephony.media.jitter import payload_jitter_buffer, pcm_jitter_buffer


def _frame(index: int) -> np.ndarray:
    return np.full(160, index + 1, dtype=np.int16)


def _label(frame) -> int | None:
    return None if frame is None else int(frame[0])


def test_packets_arriving_out_of_order_are_played_in_order():
    buffer = pcm_jitter_buffer(min_frames=2)
    for index in (1, 0, 3, 2, 5, 4, 7, 6):
        buffer.put(index * 160, _frame(index), arrival=index * 0.02)
    played = [_label(buffer.pull()) for _ in range(8)]
    assert played == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_lost_packet_is_concealed_with_a_quieter_copy_of_the_last_one():
    buffer = pcm_jitter_buffer(min_frames=1)
    for index in (0, 1, 3, 4):
        buffer.put(index * 160, _frame(index) * 1000, arrival=index * 0.02)
    out = [buffer.pull() for _ in range(5)]
    assert _label(out[1]) == 2000
    assert 0 < int(out[2][0]) < 2000  # concealed: faded repeat of frame 1
    assert buffer.concealed == 1
    assert _label(out[3]) == 4000


def test_concealment_fades_to_silence_when_the_source_stops():
    buffer = pcm_jitter_buffer(min_frames=1)
    buffer.put(0, _frame(0) * 1000, arrival=0.0)
    buffer.put(160, _frame(1) * 1000, arrival=0.02)
    out = [buffer.pull() for _ in range(3)]
    assert _label(out[0]) == 1000
    assert _label(out[1]) == 2000
    assert 0 < int(out[2][0]) < 2000
    # the buffer underran and rebuffers: nothing is played until packets come back
    assert buffer.pull() is None


def test_nothing_plays_before_the_target_depth_is_reached():
    buffer = pcm_jitter_buffer(min_frames=3)
    buffer.put(0, _frame(0), arrival=0.0)
    assert buffer.pull() is None


def test_the_target_depth_grows_with_jitter_and_late_packets_are_counted():
    steady, jittery = pcm_jitter_buffer(), pcm_jitter_buffer()
    rng = np.random.default_rng(3)
    for index in range(100):
        steady.put(index * 160, _frame(index), arrival=index * 0.02)
        jittery.put(index * 160, _frame(index), arrival=index * 0.02 + float(rng.uniform(0, 0.08)))
        steady.pull()
        jittery.pull()
    assert jittery.target_frames > steady.target_frames
    assert jittery.late == 0
    jittery.put(80 * 160, _frame(80), arrival=2.1)  # a retransmission of a frame already played
    assert jittery.late == 1


def test_a_timestamp_jump_is_taken_as_a_new_stream():
    buffer = pcm_jitter_buffer(min_frames=1)
    buffer.put(0, _frame(0), arrival=0.0)
    buffer.put(160, _frame(1), arrival=0.02)
    assert _label(buffer.pull()) == 1
    buffer.put(4_000_000_000, _frame(9), arrival=0.04)
    buffer.put(4_000_000_160, _frame(10), arrival=0.06)
    assert [_label(buffer.pull()) for _ in range(2)] == [10, 11]


def test_a_payload_buffer_for_recording_repeats_a_lost_payload_once_then_plays_silence():
    buffer = payload_jitter_buffer(PCMA, min_frames=1)
    for index in (0, 1, 5):
        buffer.put(index * 160, bytes([index + 1]) * 160, arrival=index * 0.02)
    out = [buffer.pull() for _ in range(6)]
    assert [frame[0] for frame in out] == [1, 2, 2, 0xD5, 0xD5, 6]


def test_a_30_ms_packet_is_split_into_a_frame_and_a_padded_frame():
    buffer = payload_jitter_buffer(PCMU, min_frames=1)
    buffer.put(0, b"\x01" * 240, arrival=0.0)
    first, second = buffer.pull(), buffer.pull()
    assert first == b"\x01" * 160
    assert second == b"\x01" * 80 + b"\xff" * 80
