"""The call record as a call fills it in, phase by phase; stored whole after each phase."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Final

from c122.domain.calls import (
    CallLegRecord,
    CallRecord,
    HoldSpan,
    RecordingSegment,
    durations,
    final_status,
    sla_breached,
)
from c122.domain.calls.record import CallStatus, Direction, LegKind, LegRole
from c122.services.call_flow.ports import TRUNK_AUTH_FAILED, TRUNK_LIMIT, LegQuality

SEGMENT_GAP: Final = timedelta(seconds=1)
"""The same parties recorded again within this of their segment's end carry that segment on (the
recording restarted as the call's bridge was rebuilt, a consultation completed as a transfer)."""


@dataclass
class _Leg:
    leg_id: str
    kind: LegKind
    role: LegRole
    party: str
    started_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    cause: str | None = None
    quality: LegQuality | None = None


@dataclass
class CallRecordDraft:
    id: str
    direction: Direction
    line_number: str | None
    caller: str
    called: str
    started_at: datetime
    ivr_choice: str | None = None
    case_type_id: int | None = None
    queue_id: int | None = None
    group_id: int | None = None
    operator_id: int | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None  # the first time an operator was rung
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    wait_s: float = 0.0  # the ACD's, once connected: a transferred caller's wait is in the last queue
    holds: list[HoldSpan] = field(default_factory=list)
    sla_wait_s: float | None = None
    recording_path: str | None = None
    end_cause: str | None = None
    transferred_to: str | None = None
    collected: dict[str, str] = field(default_factory=dict)
    legs: list[_Leg] = field(default_factory=list)
    segments: list[RecordingSegment] = field(default_factory=list)
    recorded_s: float = 0.0  # the recording file's length when its last segment was closed

    @classmethod
    def inbound(
        cls, call_id: str, leg: str, line_number: str | None, caller: str, called: str, at: datetime
    ) -> CallRecordDraft:
        draft = cls(call_id, "inbound", line_number, caller, called, at)
        draft.legs.append(_Leg(leg, "sip", "caller", caller, at))
        return draft

    @classmethod
    def callback(cls, call_id: str, presented: str, applicant: str, at: datetime) -> CallRecordDraft:
        """A call the hotline places to an applicant; `presented` is the caller ID shown to them."""
        return cls(call_id, "outbound", None, presented, applicant, at)

    @classmethod
    def placed(
        cls, call_id: str, direction: Direction, caller: str, called: str, at: datetime
    ) -> CallRecordDraft:
        """A call an operator places: `caller` is the operator's login, `called` the number or colleague."""
        return cls(call_id, direction, None, caller, called, at)

    def dialled_leg(self, leg: str, at: datetime, kind: LegKind = "sip", role: LegRole = "caller") -> None:
        """The far party of a call the hotline placed (role `operator` for a colleague)."""
        self.legs.append(_Leg(leg, kind, role, self.called, at))

    def answered_leg(self, leg: str, at: datetime) -> None:
        for item in self.legs:
            if item.leg_id == leg and item.answered_at is None:
                item.answered_at = at

    def queued(
        self, queue_id: int, group_id: int | None, at: datetime, sla_wait_s: float | None = None
    ) -> None:
        self.queue_id, self.group_id = queue_id, group_id
        self.sla_wait_s = sla_wait_s
        if self.queued_at is None:
            self.queued_at = at

    def offered(self, at: datetime) -> None:
        if self.offered_at is None:
            self.offered_at = at

    def connected(self, operator_id: int, waited_s: float, at: datetime) -> None:
        self.operator_id = operator_id
        self.wait_s = waited_s
        self.connected_at = at

    def operator_leg(self, leg: str, kind: LegKind, operator_id: int, at: datetime) -> None:
        self.legs.append(_Leg(leg, kind, "operator", str(operator_id), at, answered_at=at))

    def consultant_leg(self, leg: str, kind: LegKind, party: str, at: datetime) -> None:
        """A colleague's browser leg reached twice in one call (a declined transfer, then another) is
        one leg of the record: the journal stores each leg once."""
        if any(known.leg_id == leg for known in self.legs):
            return
        self.legs.append(_Leg(leg, kind, "consultant", party, at))

    def segment_started(self, legs: tuple[str, ...], at: datetime, *, mixed: bool = False) -> None:
        """The recording goes on with `legs` (left channel's first) as the call's next segment."""
        self.segment_ended(at)
        last = self.segments[-1] if self.segments else None
        if (
            last is not None
            and (last.legs, last.mixed) == (legs, mixed)
            and last.ended_at is not None
            and at - last.ended_at <= SEGMENT_GAP
        ):
            self.segments[-1] = replace(last, ended_at=None, duration_s=None)
            return
        self.segments.append(RecordingSegment(legs, at, offset_s=self.recorded_s, mixed=mixed))

    def segment_ended(self, at: datetime, recorded_s: float | None = None) -> None:
        """The open segment closed; `recorded_s`: the file's length now, as the recorder wrote it
        (None when it is not known: the segment then runs to the file's end)."""
        if not self.segments or self.segments[-1].ended_at is not None:
            return
        last = self.segments[-1]
        duration = None if recorded_s is None else max(0.0, recorded_s - last.offset_s)
        self.segments[-1] = replace(last, ended_at=at, duration_s=duration)
        if recorded_s is not None:
            self.recorded_s = recorded_s

    def hold_changed(self, held: bool, at: datetime) -> None:
        on_hold = bool(self.holds) and self.holds[-1].end is None
        if held and not on_hold:
            self.holds.append(HoldSpan(at))
        elif not held and on_hold:
            self.holds[-1] = replace(self.holds[-1], end=at)

    def ended(self, at: datetime, caller_quality: LegQuality | None) -> None:
        self.hold_changed(False, at)
        self.segment_ended(at)
        self.ended_at = at
        for item in self.legs:
            if item.ended_at is None:
                item.ended_at = at
                item.cause = item.cause or self.end_cause
        if self.legs:
            self.legs[0].quality = caller_quality

    def snapshot(self) -> dict[str, Any]:
        """The draft as JSON values, for a restart to carry the call on (`from_snapshot`)."""
        return {name: _jsonable(value) for name, value in asdict(self).items()}

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> CallRecordDraft:
        """The draft `snapshot` gave; KeyError, TypeError or ValueError when the data is not one."""
        values = dict(data)
        for name in _TIMES:
            values[name] = _time(values[name])
        values["holds"] = [HoldSpan(_when(h["start"]), _time(h["end"])) for h in values["holds"]]
        values["legs"] = [_leg_from(leg) for leg in values["legs"]]
        values["segments"] = [_segment_from(segment) for segment in values.get("segments", [])]
        values["collected"] = {str(k): str(v) for k, v in values["collected"].items()}
        return cls(**values)

    @property
    def status(self) -> CallStatus:
        if self.ended_at is None:
            return "active"
        return final_status(
            connected=self.connected_at is not None or self.end_cause == "transferred",
            failed=self.end_cause
            in ("error", "transfer_failed", "operator_unreachable", TRUNK_LIMIT, TRUNK_AUTH_FAILED),
        )

    def to_record(self) -> CallRecord:
        """The record with its durations and SLA flag derived from the phase times (`domain.calls`)."""
        record = self._phases()
        figures = durations(record, self.holds)
        wait_s = self.wait_s if self.connected_at is not None else figures.wait_s
        return replace(
            record,
            wait_s=wait_s,
            talk_s=figures.talk_s,
            hold_s=figures.hold_s,
            sla_breached=self.queued_at is not None and sla_breached(wait_s, self.sla_wait_s),
        )

    def _phases(self) -> CallRecord:
        return CallRecord(
            id=self.id,
            direction=self.direction,
            status=self.status,
            line_number=self.line_number,
            caller=self.caller,
            called=self.called,
            ivr_choice=self.ivr_choice,
            case_type_id=self.case_type_id,
            queue_id=self.queue_id,
            group_id=self.group_id,
            operator_id=self.operator_id,
            started_at=self.started_at,
            queued_at=self.queued_at,
            offered_at=self.offered_at,
            connected_at=self.connected_at,
            ended_at=self.ended_at,
            wait_s=0.0,
            talk_s=0.0,
            hold_s=0.0,
            wrap_up_s=0.0,
            sla_breached=False,
            recording_path=self.recording_path,
            end_cause=self.end_cause,
            legs=tuple(_leg_record(item) for item in self.legs),
            segments=tuple(self.segments),
        )


def _leg_record(item: _Leg) -> CallLegRecord:
    return CallLegRecord(
        leg_id=item.leg_id,
        kind=item.kind,
        role=item.role,
        party=item.party,
        started_at=item.started_at,
        answered_at=item.answered_at,
        ended_at=item.ended_at,
        cause=item.cause,
        jitter_ms=item.quality.jitter_ms if item.quality is not None else None,
        loss_percent=item.quality.loss_percent if item.quality is not None else None,
    )


_TIMES = ("started_at", "queued_at", "offered_at", "connected_at", "ended_at")


def _jsonable(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _leg_from(data: dict[str, Any]) -> _Leg:
    values = dict(data)
    values["started_at"] = _when(values["started_at"])
    for name in ("answered_at", "ended_at"):
        values[name] = _time(values[name])
    quality = values["quality"]
    values["quality"] = None if quality is None else LegQuality(**quality)
    return _Leg(**values)


def _segment_from(data: dict[str, Any]) -> RecordingSegment:
    return RecordingSegment(
        tuple(str(leg) for leg in data["legs"]),
        _when(data["started_at"]),
        _time(data["ended_at"]),
        offset_s=float(data["offset_s"]),
        duration_s=None if data["duration_s"] is None else float(data["duration_s"]),
        mixed=bool(data["mixed"]),
    )
