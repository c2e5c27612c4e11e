"""Response bodies of the call journal API. The recording's path on the server is never shown: a call
says whether it has a recording and whether the viewer may hear it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from c122.api.schemas.help_requests import HelpRequestOut, help_request_out
from c122.domain.calls import (
    CallRecord,
    FilterOptions,
    JournalCount,
    JournalPage,
    JournalRow,
    may_hear_recording,
)
from c122.domain.help_requests import HelpRequest
from c122.domain.users import Actor


class CallLegOut(BaseModel):
    leg_id: str
    kind: Literal["sip", "webrtc", "trunk"]
    role: Literal["caller", "operator", "consultant", "supervisor"]
    party: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    cause: str | None
    jitter_ms: float | None
    loss_percent: float | None


class SegmentPartyOut(BaseModel):
    leg_id: str
    role: Literal["caller", "operator", "consultant", "supervisor"]
    party: str
    """The number, or the user id of an operator or consultant (as in `legs`)."""
    name: str | None
    """The operator's or consultant's name; None for a number."""


class RecordingSegmentOut(BaseModel):
    """One conversation in the call's recording, in the file's order: who was in it and where it is in
    the file. The left channel is the first party; the right the second, or in a conference (`mixed`)
    everyone the first party heard, mixed."""

    position: int
    started_at: datetime
    ended_at: datetime | None
    offset_s: float
    """Where the segment starts in the recording, in seconds."""
    duration_s: float | None
    """None while the segment is still being recorded (or a restart cut it off: it runs to the end)."""
    mixed: bool
    parties: list[SegmentPartyOut]


class CaseRefOut(BaseModel):
    """A case the call belongs to."""

    id: int
    name: str
    type_name: str
    status: str
    source: str
    applicant: str


class CallSummaryOut(BaseModel):
    """One row of the call journal."""

    id: str
    direction: Literal["inbound", "outbound", "internal"]
    status: Literal["answered", "missed", "failed", "active"]
    line_number: str | None
    line_name: str | None
    caller: str
    called: str
    ivr_choice: str | None
    case_type_id: int | None
    case_type_name: str | None
    queue_id: int | None
    queue_name: str | None
    group_id: int | None
    group_name: str | None
    operator_id: int | None
    operator_name: str | None
    started_at: datetime
    queued_at: datetime | None
    offered_at: datetime | None
    connected_at: datetime | None
    ended_at: datetime | None
    wait_s: float
    talk_s: float
    hold_s: float
    wrap_up_s: float
    sla_breached: bool
    end_cause: str | None
    has_recording: bool
    can_hear_recording: bool
    """True: `GET /api/v1/calls/{id}/recording` serves this viewer the file (if it is still stored)."""
    cases: list[CaseRefOut]
    participants: list[str]
    """The operators and consultants who talked on the call, by name, in the order they joined."""


class CallMonitoringModeOut(BaseModel):
    mode: Literal["listen", "whisper", "barge"]
    started_at: datetime
    ended_at: datetime | None


class CallMonitoringOut(BaseModel):
    """A senior who listened in on the call (TEL-22/23): each mode with its start and end."""

    session_id: str
    supervisor_id: int
    supervisor_name: str | None
    operator_id: int
    audio: Literal["browser", "sip"]
    started_at: datetime
    ended_at: datetime | None
    end_reason: Literal["stopped", "call_ended", "audio_lost"] | None
    modes: list[CallMonitoringModeOut]


class CallOut(CallSummaryOut):
    """A call with its legs, the operator's requests for a senior's help on it, and the seniors who
    listened in (shown to an operator only when their group shows monitoring)."""

    legs: list[CallLegOut]
    recording_segments: list[RecordingSegmentOut] = []
    """The conversations in the recording, in order (TEL-11); empty without a recording."""
    video_legs: list[str] = []
    """Legs whose camera was recorded (the group's `record_video`), for a viewer who may hear the
    recording: `GET /api/v1/calls/{id}/legs/{leg_id}/video` serves each."""
    help_requests: list[HelpRequestOut] = []
    monitoring: list[CallMonitoringOut] = []


class CallPageOut(BaseModel):
    items: list[CallSummaryOut]
    next: str | None = None
    """The cursor of the next page (pass it as `after`); None on the last page."""


def _summary_values(row: JournalRow, actor: Actor) -> dict[str, object]:
    record = row.record
    has_recording = record.recording_path is not None
    return {
        "id": record.id,
        "direction": record.direction,
        "status": record.status,
        "line_number": record.line_number,
        "line_name": row.line_name,
        "caller": record.caller,
        "called": record.called,
        "ivr_choice": record.ivr_choice,
        "case_type_id": record.case_type_id,
        "case_type_name": row.case_type_name,
        "queue_id": record.queue_id,
        "queue_name": row.queue_name,
        "group_id": record.group_id,
        "group_name": row.group_name,
        "operator_id": record.operator_id,
        "operator_name": row.operator_name,
        "started_at": record.started_at,
        "queued_at": record.queued_at,
        "offered_at": record.offered_at,
        "connected_at": record.connected_at,
        "ended_at": record.ended_at,
        "wait_s": record.wait_s,
        "talk_s": record.talk_s,
        "hold_s": record.hold_s,
        "wrap_up_s": record.wrap_up_s,
        "sla_breached": record.sla_breached,
        "end_cause": record.end_cause,
        "has_recording": has_recording,
        "can_hear_recording": has_recording and may_hear_recording(actor, record),
        "cases": [
            CaseRefOut(
                id=c.id,
                name=c.name,
                type_name=c.type_name,
                status=c.status,
                source=c.source,
                applicant=c.applicant,
            )
            for c in row.cases
        ],
        "participants": list(row.participants),
    }


def summary_out(row: JournalRow, actor: Actor) -> CallSummaryOut:
    return CallSummaryOut.model_validate(_summary_values(row, actor))


def call_out(
    row: JournalRow,
    actor: Actor,
    help_requests: Sequence[HelpRequest] = (),
    video_legs: Sequence[str] = (),
) -> CallOut:
    legs = [
        CallLegOut(
            leg_id=leg.leg_id,
            kind=leg.kind,
            role=leg.role,
            party=leg.party,
            started_at=leg.started_at,
            answered_at=leg.answered_at,
            ended_at=leg.ended_at,
            cause=leg.cause,
            jitter_ms=leg.jitter_ms,
            loss_percent=leg.loss_percent,
        )
        for leg in row.record.legs
    ]
    monitoring = [
        CallMonitoringOut(
            session_id=session.id,
            supervisor_id=session.supervisor_id,
            supervisor_name=row.supervisor_names.get(session.supervisor_id),
            operator_id=session.operator_id,
            audio=session.audio,
            started_at=session.started_at,
            ended_at=session.ended_at,
            end_reason=session.end_reason.value if session.end_reason else None,
            modes=[
                CallMonitoringModeOut(
                    mode=span.mode.value, started_at=span.started_at, ended_at=span.ended_at
                )
                for span in session.modes
            ],
        )
        for session in row.monitoring_seen_by(actor)
    ]
    return CallOut.model_validate(
        {
            **_summary_values(row, actor),
            "legs": legs,
            "recording_segments": segments_out(row.record, row.party_names),
            "video_legs": list(video_legs),
            "help_requests": [help_request_out(r) for r in help_requests],
            "monitoring": monitoring,
        }
    )


def segments_out(record: CallRecord, names: dict[str, str]) -> list[RecordingSegmentOut]:
    legs = {leg.leg_id: leg for leg in record.legs}
    return [
        RecordingSegmentOut(
            position=position,
            started_at=segment.started_at,
            ended_at=segment.ended_at,
            offset_s=round(segment.offset_s, 3),
            duration_s=round(segment.duration_s, 3) if segment.duration_s is not None else None,
            mixed=segment.mixed,
            parties=[
                SegmentPartyOut(
                    leg_id=leg_id,
                    role=legs[leg_id].role,
                    party=legs[leg_id].party,
                    name=names.get(legs[leg_id].party) if legs[leg_id].user_id is not None else None,
                )
                for leg_id in segment.legs
                if leg_id in legs
            ],
        )
        for position, segment in enumerate(record.segments)
    ]


def page_out(page: JournalPage, actor: Actor) -> CallPageOut:
    return CallPageOut(
        items=[summary_out(row, actor) for row in page.items],
        next=page.next_cursor.encode() if page.next_cursor is not None else None,
    )


class CallCountOut(BaseModel):
    total: int
    capped: bool = Field(description="true: more than `total` calls match (counting stops at 10,000)")
    estimated: bool = Field(
        description="true: `total` is the database's estimate (a broad filter over millions of calls)"
    )


def count_out(counted: JournalCount) -> CallCountOut:
    return CallCountOut(total=counted.total, capped=counted.capped, estimated=counted.estimated)


class Option(BaseModel):
    id: int
    name: str


class LineOption(BaseModel):
    number: str
    name: str


class JournalFiltersOut(BaseModel):
    """The choices of the journal's filters within the viewer's scope."""

    groups: list[Option]
    operators: list[Option]
    lines: list[LineOption]
    case_types: list[Option]


def filters_out(options: FilterOptions) -> JournalFiltersOut:
    return JournalFiltersOut(
        groups=[Option(id=i, name=n) for i, n in options.groups],
        operators=[Option(id=i, name=n) for i, n in options.operators],
        lines=[LineOption(number=i, name=n) for i, n in options.lines],
        case_types=[Option(id=i, name=n) for i, n in options.case_types],
    )
