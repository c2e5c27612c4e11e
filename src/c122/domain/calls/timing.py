"""Durations, the SLA flag and the final status of a call, derived from its phase times.

- wait: from joining the queue to the operator's answer, or to the end when nobody answered;
- talk: from the answer to the end, less the time on hold (handle time = talk + hold + wrap-up);
- hold: the sum of the hold spans, an open span counting up to the end;
- wrap-up: from the end of the call to the end of the operator's wrap-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from c122.domain.calls.record import CallRecord, CallStatus


@dataclass(frozen=True)
class HoldSpan:
    start: datetime
    end: datetime | None = None
    """None: still on hold (counted up to the end of the call, or of the connection so far)."""


@dataclass(frozen=True)
class Durations:
    wait_s: float = 0.0
    talk_s: float = 0.0
    hold_s: float = 0.0
    wrap_up_s: float = 0.0


def _seconds(start: datetime | None, end: datetime | None) -> float:
    if start is None or end is None:
        return 0.0
    return max(0.0, (end - start).total_seconds())


def held_seconds(holds: Sequence[HoldSpan], until: datetime | None) -> float:
    """Time on hold up to `until` (None: only closed spans count); overlapping spans count once."""
    spans = sorted(
        (span.start, span.end if span.end is not None else until)
        for span in holds
        if span.end is not None or until is not None
    )
    total = 0.0
    covered: datetime | None = None
    for start, end in spans:
        assert end is not None
        if until is not None:
            end = min(end, until)
        if covered is not None:
            start = max(start, covered)
        total += _seconds(start, end)
        covered = end if covered is None else max(covered, end)
    return total


def durations(
    record: CallRecord,
    holds: Sequence[HoldSpan] = (),
    wrap_up_ended_at: datetime | None = None,
    now: datetime | None = None,
) -> Durations:
    """The figures of `record` from its phase times; a call still running is measured up to `now`."""
    end = record.ended_at or now
    waited_until = record.connected_at or end
    hold = held_seconds(holds, end) if record.connected_at is not None else 0.0
    talk = max(0.0, _seconds(record.connected_at, end) - hold)
    return Durations(
        wait_s=_seconds(record.queued_at, waited_until),
        talk_s=talk,
        hold_s=hold,
        wrap_up_s=_seconds(record.ended_at, wrap_up_ended_at),
    )


def sla_breached(wait_s: float, sla_wait_s: float | None) -> bool:
    """The queue's normative wait was exceeded, whether or not the call was answered in the end."""
    return sla_wait_s is not None and wait_s > sla_wait_s


def final_status(*, connected: bool, failed: bool) -> CallStatus:
    """How an ended call is counted: answered if it was ever connected; else failed when it ended on an
    error (no route, trunk or media failure), otherwise missed (abandoned, not picked up)."""
    if connected:
        return "answered"
    return "failed" if failed else "missed"


def timed(
    record: CallRecord,
    *,
    holds: Sequence[HoldSpan] = (),
    wrap_up_ended_at: datetime | None = None,
    sla_wait_s: float | None = None,
    now: datetime | None = None,
) -> CallRecord:
    """The record with its durations and SLA flag derived from its times: what the call flow stores at
    each phase. `sla_wait_s` is the queue's normative wait (None: the call was not queued)."""
    figures = durations(record, holds, wrap_up_ended_at, now)
    return replace(
        record,
        wait_s=figures.wait_s,
        talk_s=figures.talk_s,
        hold_s=figures.hold_s,
        wrap_up_s=figures.wrap_up_s,
        sla_breached=record.queued_at is not None and sla_breached(figures.wait_s, sla_wait_s),
    )
