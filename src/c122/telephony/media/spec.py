"""Media specs as plain strings ("tone:busy", "file:/path.wav") turned into sources."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from c122.telephony.media.dtmf import event_code
from c122.telephony.media.sources import (
    BEEP,
    BUSY,
    RINGBACK,
    PcmSource,
    SequenceSource,
    Source,
    TonePattern,
    ToneSource,
    WavSource,
    load_wav,
    tone,
)

NAMED_TONES: Final = {"ringback": RINGBACK, "busy": BUSY, "beep": BEEP}
_DTMF_ROWS: Final = (697.0, 770.0, 852.0, 941.0)
_DTMF_COLUMNS: Final = (1209.0, 1336.0, 1477.0, 1633.0)
_KEYPAD: Final = "123A456B789C*0#D"


def parse_tone(spec: str, loop: bool) -> TonePattern:
    """ "ringback" | "busy" | "beep" | "<hz>[+<hz>]:<ms>"."""
    if spec in NAMED_TONES:
        pattern = NAMED_TONES[spec]
        return TonePattern(pattern.segments, True) if loop else pattern
    try:
        frequencies, duration = spec.split(":")
        return tone([float(f) for f in frequencies.split("+")], int(duration), repeat=loop)
    except ValueError:
        raise ValueError(f"bad tone spec {spec!r}: use ringback, busy, beep or <hz>[+<hz>]:<ms>") from None


def source_for(media: str, loop: bool) -> Source:
    kind, _, rest = media.partition(":")
    if kind == "tone":
        return ToneSource(parse_tone(rest, loop))
    if kind == "file":
        path = Path(rest)
        if not path.is_file():
            raise ValueError(f"no such audio file: {path}")
        return WavSource(path, loop=loop) if loop else PcmSource(load_wav(path))
    raise ValueError(f"unknown media {media!r}: use tone:... or file:...")


def inband_dtmf_source(digits: str, duration_ms: int, gap_ms: int = 60) -> Source:
    """DTMF as audio, for legs that did not negotiate telephone-event."""
    parts: list[Source] = []
    for digit in digits:
        code = _KEYPAD.index(_canonical(digit))
        pair = (_DTMF_ROWS[code // 4], _DTMF_COLUMNS[code % 4])
        parts.append(ToneSource(TonePattern(((pair, duration_ms), ((), gap_ms)), repeat=False), level=0.4))
    return SequenceSource(parts)


def _canonical(digit: str) -> str:
    event_code(digit)  # validates
    return digit.upper()
