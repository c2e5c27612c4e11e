"""G.711 µ-law and A-law (ITU-T G.711) with numpy lookup tables.

Decoding is a 256-entry table; encoding is a 65,536-entry table indexed by the 16-bit sample,
so both directions are a single vectorised `take` per frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

SAMPLE_RATE: Final = 8000
FRAME_MS: Final = 20
FRAME_SAMPLES: Final = SAMPLE_RATE * FRAME_MS // 1000

Pcm = npt.NDArray[np.int16]


def _ulaw_decode_table() -> Pcm:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_decode_table() -> Pcm:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


def _ulaw_encode_table() -> npt.NDArray[np.uint8]:
    # The reference encoder works on 14-bit samples with a bias of 33 and clips at 8159.
    samples = np.arange(-32768, 32768, dtype=np.int32) >> 2
    mask = np.where(samples < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(samples), 8159) + 33
    segment_ends = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
    segment = np.searchsorted(segment_ends, magnitude)
    codes = np.where(segment >= 8, 0x7F, (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)) ^ mask
    return _by_unsigned_index(codes.astype(np.uint8))


def _alaw_encode_table() -> npt.NDArray[np.uint8]:
    samples = np.arange(-32768, 32768, dtype=np.int32)
    sign = np.where(samples >= 0, 0x80, 0)
    magnitude = np.minimum(np.where(samples < 0, -samples - 1, samples), 32767) >> 3
    exponent = np.where(magnitude < 32, 0, np.floor(np.log2(np.maximum(magnitude, 1))).astype(np.int32) - 4)
    mantissa = np.where(exponent == 0, magnitude >> 1, magnitude >> exponent) & 0x0F
    codes = (sign | (exponent << 4) | mantissa) ^ 0x55
    return _by_unsigned_index(codes.astype(np.uint8))


def _by_unsigned_index(codes_from_min: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    # Reorder so that the table is indexed by the sample's bit pattern read as uint16.
    return np.roll(codes_from_min, 32768)


_ULAW_DECODE: Final = _ulaw_decode_table()
_ALAW_DECODE: Final = _alaw_decode_table()
_ULAW_ENCODE: Final = _ulaw_encode_table()
_ALAW_ENCODE: Final = _alaw_encode_table()


@dataclass(frozen=True, slots=True)
class Codec:
    """A G.711 variant: its static RTP payload type (RFC 3551) and its tables."""

    name: str
    payload_type: int
    decode_table: Pcm
    encode_table: npt.NDArray[np.uint8]
    silence: int

    def decode(self, payload: bytes) -> Pcm:
        return self.decode_table[np.frombuffer(payload, dtype=np.uint8)]

    def encode(self, pcm: Pcm) -> bytes:
        return self.encode_table[pcm.view(np.uint16)].tobytes()


PCMU: Final = Codec("PCMU", 0, _ULAW_DECODE, _ULAW_ENCODE, silence=0xFF)
PCMA: Final = Codec("PCMA", 8, _ALAW_DECODE, _ALAW_ENCODE, silence=0xD5)

CODECS: Final = {PCMU.name: PCMU, PCMA.name: PCMA}
BY_PAYLOAD_TYPE: Final = {PCMU.payload_type: PCMU, PCMA.payload_type: PCMA}


def codec_named(name: str) -> Codec:
    try:
        return CODECS[name.upper()]
    except KeyError:
        raise ValueError(f"unsupported codec {name!r}; supported: {', '.join(CODECS)}") from None


def transcode(payload: bytes, source: Codec, target: Codec) -> bytes:
    """Re-encodes a payload; identical codecs pass through untouched."""
    if source is target:
        return payload
    return target.encode(source.decode(payload))
