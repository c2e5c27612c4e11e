"""What a citizen's file is: the first bytes give the container, the tracks inside decide between a
video and a voice note, whatever the sender claimed."""

from __future__ import annotations

import pytest

from c122.domain.citizen import M4A, MP4, OGG, QUICKTIME, WEBM, WEBM_VIDEO, by_streams, describe, sniff


def ftyp(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00" * 20


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (ftyp(b"isom"), MP4),
        (ftyp(b"mp42"), MP4),
        (ftyp(b"3gp5"), MP4),
        (ftyp(b"qt  "), QUICKTIME),
        (ftyp(b"M4A "), M4A),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 28, WEBM),
        (b"OggS" + b"\x00" * 28, OGG),
        (ftyp(b"heic"), None),
        (ftyp(b"crx "), None),
    ],
)
def test_the_first_bytes_give_the_container(head: bytes, expected: object) -> None:
    assert sniff(head) == expected


def test_the_tracks_decide_between_a_video_and_a_voice_note() -> None:
    assert by_streams(MP4, picture=False) == M4A
    assert by_streams(M4A, picture=True) == MP4
    assert by_streams(QUICKTIME, picture=True) == QUICKTIME
    assert by_streams(QUICKTIME, picture=False) == M4A
    assert by_streams(WEBM, picture=True) == WEBM_VIDEO
    assert by_streams(WEBM, picture=False) == WEBM
    assert by_streams(OGG, picture=False) == OGG
    assert by_streams(OGG, picture=True) is None  # a picture in Ogg is not taken


def test_a_refused_file_is_described() -> None:
    assert "HEIC" in describe(ftyp(b"heic"))
    assert "crx" in describe(ftyp(b"crx "))
    assert "видео" in describe(b"hello")
