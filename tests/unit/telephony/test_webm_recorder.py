"""`WebmRecorder` with real VP8 pictures (encoded here by libvpx through PyAV, as a browser's would be):
the file starts at a key frame, pictures after a loss are left out until the next key frame (and one is
asked for), a full queue drops rather than blocks, and the file opens with the pictures' size."""

from __future__ import annotations

import fractions
from pathlib import Path

import av
import numpy as np

from c122.persistence.recording_codec import video_readable
from c122.telephony.webrtc.video_recording import WebmRecorder, is_key_frame, key_frame_size

WIDTH, HEIGHT = 160, 120
STEP = 6000  # 90 kHz ticks between pictures at 15 fps


def _pictures(count: int, key_every: int) -> list[bytes]:
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    encoder.time_base = fractions.Fraction(1, 15)
    encoder.options = {"deadline": "realtime", "lag-in-frames": "0"}
    encoder.gop_size = key_every
    out: list[bytes] = []
    for index in range(count):
        rgb = np.full((HEIGHT, WIDTH, 3), (0, 180, 0), dtype=np.uint8)
        rgb[:, (index * 4) % WIDTH :][:, :8] = 255
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = index
        out += [bytes(packet) for packet in encoder.encode(frame)]
    out += [bytes(packet) for packet in encoder.encode(None)]
    return out


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def test_the_file_starts_at_a_key_frame_and_skips_from_a_loss_to_the_next(tmp_path: Path) -> None:
    pictures = _pictures(60, key_every=20)
    keys = [index for index, picture in enumerate(pictures) if is_key_frame(picture)]
    assert keys[:3] == [0, 20, 40]
    assert key_frame_size(pictures[0]) == (WIDTH, HEIGHT)
    asked: list[int] = []
    recorder = WebmRecorder(str(tmp_path / "call.leg.webm"), lambda: asked.append(1))
    for index, picture in enumerate(pictures[5:], start=5):  # joined mid-stream: waits for 20
        if index == 30:
            recorder.lost()  # the jitter buffer could not complete a picture: 30..39 are useless
        recorder.push(picture, (0xFFFF_FFFF - 10 * STEP + index * STEP) & 0xFFFF_FFFF)  # wraps
    done = recorder.close()

    assert done.size == (WIDTH, HEIGHT)
    assert done.pictures == 10 + 20  # 20..29, then 40..59
    assert done.dropped == 15 + 10  # 5..19 before the first key frame, 30..39 after the loss
    # Asked again after 15 pictures of waiting (5..19), and once after the loss (30..39 are fewer).
    assert asked == [1, 1]
    frames = _frames(tmp_path / "call.leg.webm")
    assert len(frames) == 30
    assert frames[0].shape == (HEIGHT, WIDTH, 3)
    assert frames[-1].mean(axis=(0, 1))[1] > 150  # green, decoded
    assert video_readable(tmp_path / "call.leg.webm")


def test_a_full_queue_drops_pictures_and_waits_for_a_key_frame_instead_of_blocking(tmp_path: Path) -> None:
    pictures = _pictures(40, key_every=20)
    asked: list[int] = []
    recorder = WebmRecorder(str(tmp_path / "slow.webm"), lambda: asked.append(1), max_queued=3)
    recorder._queue.put(None)  # the writer thread stops taking: as if the disk stalled
    recorder._thread.join()
    for index, picture in enumerate(pictures):
        recorder.push(picture, index * STEP)
    assert recorder._queue.qsize() == 3  # bounded
    # 0..2 queued; 3 finds it full and 4..19 wait for a key frame; 20 finds it full again, 21..39 wait.
    assert recorder.dropped == len(pictures) - 3
    # A key frame asked for after each overflow (3, 20) and again after 15 pictures of waiting for it.
    assert asked == [1, 1, 1, 1]


def test_no_key_frame_no_file_and_a_cut_file_does_not_read(tmp_path: Path) -> None:
    pictures = _pictures(20, key_every=20)
    recorder = WebmRecorder(str(tmp_path / "none.webm"), lambda: None)
    for index, picture in enumerate(pictures[1:]):
        recorder.push(picture, index * STEP)
    assert recorder.close().size is None
    assert not (tmp_path / "none.webm").exists()

    whole = WebmRecorder(str(tmp_path / "whole.webm"), lambda: None)
    for index, picture in enumerate(pictures):
        whole.push(picture, index * STEP)
    whole.close()
    data = (tmp_path / "whole.webm").read_bytes()
    (tmp_path / "zeros.webm").write_bytes(b"\0" * len(data))
    assert video_readable(tmp_path / "whole.webm")
    assert not video_readable(tmp_path / "zeros.webm")
    assert not video_readable(tmp_path / "gone.webm")
