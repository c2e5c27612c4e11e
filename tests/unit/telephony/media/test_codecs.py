import warnings

import numpy as np
import pytest

from c122.telephony.media.analysis import dominant_frequency
from c122.telephony.media.codecs import PCMA, PCMU, codec_named, transcode
from c122.telephony.media.sources import ToneSource, tone


def _sine(frequency: float, amplitude: float = 12000.0, samples: int = 8000) -> np.ndarray:
    n = np.arange(samples)
    return (amplitude * np.sin(2 * np.pi * frequency * n / 8000)).astype(np.int16)


@pytest.mark.parametrize(
    ("codec", "code", "sample"),
    [
        (PCMU, 0xFF, 0),
        (PCMU, 0x00, -32124),
        (PCMU, 0x80, 32124),
        (PCMU, 0x7E, -8),
        (PCMA, 0xD5, 8),
        (PCMA, 0x55, -8),
        (PCMA, 0xAA, 32256),
        (PCMA, 0x2A, -32256),
    ],
)
def test_decoding_matches_the_g711_reference_values(codec, code, sample):
    assert int(codec.decode(bytes([code]))[0]) == sample


@pytest.mark.parametrize("codec", [PCMU, PCMA])
def test_every_code_survives_decode_then_encode(codec):
    codes = bytes(range(256))
    again = codec.encode(codec.decode(codes))
    mismatched = [c for c in range(256) if again[c] != c]
    # µ-law has two zeros (0x7F and 0xFF); 0 encodes to 0xFF.
    assert mismatched == ([0x7F] if codec is PCMU else [])


@pytest.mark.parametrize("codec", [PCMU, PCMA])
def test_a_tone_through_the_codec_keeps_a_signal_to_noise_ratio_above_30_db(codec):
    signal = _sine(1000.0)
    decoded = codec.decode(codec.encode(signal)).astype(np.float64)
    noise = decoded - signal
    snr = 10 * np.log10(np.sum(signal.astype(np.float64) ** 2) / np.sum(noise**2))
    assert snr > 30


@pytest.mark.parametrize("codec", [PCMU, PCMA])
def test_encoding_agrees_with_the_stdlib_reference_where_it_still_exists(codec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    pcm = np.arange(-32768, 32768, 7, dtype=np.int16)
    reference = audioop.lin2ulaw(pcm.tobytes(), 2) if codec is PCMU else audioop.lin2alaw(pcm.tobytes(), 2)
    assert codec.encode(pcm) == reference
    decoded = audioop.ulaw2lin(reference, 2) if codec is PCMU else audioop.alaw2lin(reference, 2)
    assert codec.decode(reference).tobytes() == decoded


def test_transcoding_ulaw_to_alaw_keeps_the_tone_and_same_codec_passes_bytes_through():
    source = ToneSource(tone([425.0], 1000))
    pcm = np.concatenate([source.next_frame() for _ in range(25)])
    ulaw = PCMU.encode(pcm)
    alaw = transcode(ulaw, PCMU, PCMA)
    assert alaw != ulaw
    assert abs(dominant_frequency(PCMA.decode(alaw)) - 425.0) < 2.0
    assert transcode(ulaw, PCMU, PCMU) is ulaw


def test_codecs_are_found_by_name_and_unknown_names_are_refused():
    assert codec_named("pcma") is PCMA
    with pytest.raises(ValueError, match="unsupported codec"):
        codec_named("G729")
