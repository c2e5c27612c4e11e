"""DTMF carried in SIP INFO bodies: application/dtmf-relay and application/dtmf."""

from __future__ import annotations

_DIGITS = frozenset("0123456789*#ABCDabcd")
_EVENT_CODES = {str(i): str(i) for i in range(10)} | {
    "10": "*",
    "11": "#",
    "12": "A",
    "13": "B",
    "14": "C",
    "15": "D",
}

DEFAULT_DURATION_MS = 160


def parse_dtmf_info(content_type: str, body: bytes) -> tuple[str, int] | None:
    """(digit, duration in ms), or None when the body carries no DTMF digit."""
    try:
        text = body.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if content_type == "application/dtmf":
        digit = _EVENT_CODES.get(text, text)
        return (digit.upper(), DEFAULT_DURATION_MS) if digit in _DIGITS and len(digit) == 1 else None
    if content_type != "application/dtmf-relay":
        return None
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            fields[name.strip().lower()] = value.strip()
    signal = fields.get("signal", "")
    signal = _EVENT_CODES.get(signal, signal)
    if len(signal) != 1 or signal not in _DIGITS:
        return None
    duration = fields.get("duration", "")
    ms = int(duration) if duration.isdigit() and len(duration) < 7 else DEFAULT_DURATION_MS
    return signal.upper(), ms


def format_dtmf_relay(digit: str, duration_ms: int) -> bytes:
    if len(digit) != 1 or digit not in _DIGITS:
        raise ValueError(f"not a DTMF digit: {digit!r}")
    return f"Signal={digit.upper()}\r\nDuration={int(duration_ms)}\r\n".encode()
