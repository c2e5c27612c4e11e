"""Admission control: concurrent inbound calls capped globally and per line, with a share of the
global cap that only trunks may take, so that a flood is refused with 503 before media ports,
database connections or operators run out."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass

from prometheus_client import Counter, Gauge

REFUSED = Counter("c122_sip_admission_refused_total", "Inbound calls refused with 503", ["cap"])
ACTIVE = Gauge("c122_sip_admitted_calls", "Inbound calls admitted and not yet ended")


def count_refusal(cap: str) -> None:
    """`cap`: `global`, `trunk_reserve`, `line`, or what ran out after admission (`media`)."""
    REFUSED.labels(cap).inc()


@dataclass(frozen=True, slots=True)
class AdmissionSettings:
    max_calls: int = 0  # concurrent inbound calls; 0: no cap
    max_calls_per_line: int = 0  # per called number; 0: only the global cap
    trunk_reserve: int = 0  # of max_calls, the last ones only trunks may take
    trunk_hosts: frozenset[str] = frozenset()
    retry_after: int = 5  # seconds, told to whoever is refused


class Admission:
    """Counts admitted calls by Call-ID; `release` when the call is gone, whatever ended it."""

    def __init__(self, settings: AdmissionSettings) -> None:
        self.settings = settings
        self._lines: dict[str, str] = {}  # Call-ID → line
        self._per_line: Tally[str] = Tally()

    @property
    def active(self) -> int:
        return len(self._lines)

    def admit(self, call_id: str, line: str, source_host: str) -> str | None:
        """None when admitted; otherwise which cap refused the call."""
        s = self.settings
        if call_id in self._lines:
            return None
        if s.max_calls:
            limit = s.max_calls if source_host in s.trunk_hosts else s.max_calls - s.trunk_reserve
            if self.active >= limit:
                cap = "global" if self.active >= s.max_calls else "trunk_reserve"
                count_refusal(cap)
                return cap
        if s.max_calls_per_line and self._per_line[line] >= s.max_calls_per_line:
            count_refusal("line")
            return "line"
        self._lines[call_id] = line
        self._per_line[line] += 1
        ACTIVE.inc()
        return None

    def release(self, call_id: str) -> None:
        line = self._lines.pop(call_id, None)
        if line is None:
            return
        ACTIVE.dec()
        self._per_line[line] -= 1
        if self._per_line[line] <= 0:
            del self._per_line[line]
