"""Calls a restart of the process cut off: their records are closed, never left `active`."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Final

from c122.domain.calls.record import CallRecord
from c122.domain.calls.timing import durations, final_status

SYSTEM_RESTART: Final = "system_restart"
"""The end cause of a call (and of its open legs) that the hotline's restart ended."""
NODE_LOST: Final = "node_lost"
"""The end cause of a call whose node died (kill -9, power): the surviving nodes ended it."""


def closed_by_restart(record: CallRecord, at: datetime, cause: str = SYSTEM_RESTART) -> CallRecord:
    """The record of a call that was running when the process stopped, closed at `at` (the restart: when
    it really stopped is not known). A call that reached an operator counts as answered; any other as
    failed, since the hotline, not the caller, ended it. Time on hold stays as last stored."""
    latest = max(moment for _name, moment in record.phase_times() if moment is not None)
    end = max(at, latest)
    legs = tuple(
        leg
        if leg.ended_at is not None
        else replace(leg, ended_at=max(end, leg.started_at, leg.answered_at or end), cause=cause)
        for leg in record.legs
    )
    closed = replace(
        record,
        status=final_status(connected=record.connected_at is not None, failed=True),
        ended_at=end,
        end_cause=cause,
        legs=legs,
    )
    figures = durations(closed)
    return replace(
        closed,
        wait_s=record.wait_s if record.connected_at is not None else figures.wait_s,
        talk_s=max(0.0, figures.talk_s - record.hold_s),
    )
