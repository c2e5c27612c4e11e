"""The call record (issue 8, part 8): one per call, with its legs, every phase's time and the figures the
call journal (OPS-29) and the statistics are built on. The call flow writes it at each phase."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, get_args

from c122.domain.errors import FieldProblem, InvalidFields

Direction = Literal["inbound", "outbound", "internal"]
CallStatus = Literal["answered", "missed", "failed", "active"]
LegKind = Literal["sip", "webrtc", "trunk"]  # trunk: a public number reached through a carrier
LegRole = Literal["caller", "operator", "consultant", "supervisor"]

DIRECTIONS: Final[tuple[Direction, ...]] = get_args(Direction)
STATUSES: Final[tuple[CallStatus, ...]] = get_args(CallStatus)
LEG_KINDS: Final[tuple[LegKind, ...]] = get_args(LegKind)
LEG_ROLES: Final[tuple[LegRole, ...]] = get_args(LegRole)
USER_LEG_ROLES: Final = frozenset({"operator", "consultant", "supervisor"})

ID_MAX = 64
"""Call and leg ids, numbers, parties, the IVR choice and end causes: what the columns hold."""
PATH_MAX = 1024
MAX_LEGS = 64
MAX_SEGMENTS = 200
MAX_SEGMENT_LEGS = 6  # leg ids of 64 characters, space-separated, fit the stored 400


@dataclass(frozen=True, kw_only=True)
class CallLegRecord:
    """One party's leg of a call: the caller's SIP dialog, an operator's browser or phone leg, a
    consultant or a listening supervisor. `party` is a number or, for our users, the user id."""

    leg_id: str
    kind: LegKind
    role: LegRole
    party: str
    started_at: datetime
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    cause: str | None = None
    jitter_ms: float | None = None
    loss_percent: float | None = None

    @property
    def user_id(self) -> int | None:
        """The user this leg is: an operator, consultant or supervisor on one of our phones or desks.
        A caller, or a number dialled through a trunk ("112"), is nobody's extension whatever its shape."""
        if self.kind == "trunk" or self.role not in USER_LEG_ROLES or not self.party.isdigit():
            return None
        return int(self.party) if len(self.party) < 10 else None


@dataclass(frozen=True, slots=True)
class RecordingSegment:
    """One conversation in the call's recording file, in the file's order (TEL-11): who was in it
    (`legs`: leg ids of the record, the left channel's first), when, and where it is in the file
    (`offset_s`, `duration_s` as the recorder wrote it; None while it is recorded, or when a restart
    cut it off: it runs to the file's end). `mixed`: a conference — the caller on the left, everyone
    they heard mixed on the right."""

    legs: tuple[str, ...]
    started_at: datetime
    ended_at: datetime | None = None
    offset_s: float = 0.0
    duration_s: float | None = None
    mixed: bool = False


@dataclass(frozen=True, kw_only=True)
class CallRecord:
    """A call as the journal shows it. Times are UTC; durations are seconds (see `timing`)."""

    id: str
    direction: Direction
    status: CallStatus
    caller: str
    called: str
    started_at: datetime
    line_number: str | None = None
    ivr_choice: str | None = None
    case_type_id: int | None = None
    queue_id: int | None = None
    group_id: int | None = None
    operator_id: int | None = None
    queued_at: datetime | None = None
    offered_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    wait_s: float = 0.0
    talk_s: float = 0.0
    hold_s: float = 0.0
    wrap_up_s: float = 0.0
    sla_breached: bool = False
    recording_path: str | None = None
    end_cause: str | None = None
    legs: tuple[CallLegRecord, ...] = ()
    segments: tuple[RecordingSegment, ...] = ()

    @property
    def ended(self) -> bool:
        return self.status != "active"

    def phase_times(self) -> tuple[tuple[str, datetime | None], ...]:
        """The phases in the order they happen; any may be missing except the start."""
        return (
            ("started_at", self.started_at),
            ("queued_at", self.queued_at),
            ("offered_at", self.offered_at),
            ("connected_at", self.connected_at),
            ("ended_at", self.ended_at),
        )


def check_record(record: CallRecord) -> None:
    """Refuses a record that contradicts itself, naming every bad field (InvalidFields)."""
    problems = _record_problems(record)
    for index, leg in enumerate(record.legs):
        problems += [FieldProblem(f"legs.{index}.{p.path}", p.code, p.message) for p in _leg_problems(leg)]
    if len(record.legs) > MAX_LEGS:
        problems.append(FieldProblem("legs", "too_many", f"не более {MAX_LEGS} плеч у звонка"))
    leg_ids = [leg.leg_id for leg in record.legs]
    if len(set(leg_ids)) != len(leg_ids):
        problems.append(FieldProblem("legs", "duplicate_leg", "у звонка два плеча с одним идентификатором"))
    for index, segment in enumerate(record.segments):
        problems += [
            FieldProblem(f"segments.{index}.{p.path}", p.code, p.message)
            for p in _segment_problems(segment, set(leg_ids))
        ]
    if record.segments and record.recording_path is None:
        problems.append(FieldProblem("segments", "no_recording", "части записи у звонка без записи"))
    if len(record.segments) > MAX_SEGMENTS:
        problems.append(FieldProblem("segments", "too_many", f"не более {MAX_SEGMENTS} частей записи"))
    if problems:
        raise InvalidFields(problems)


def _segment_problems(segment: RecordingSegment, leg_ids: set[str]) -> list[FieldProblem]:
    problems = []
    if not 1 <= len(segment.legs) <= MAX_SEGMENT_LEGS:
        problems.append(
            FieldProblem("legs", "invalid_count", f"в части записи от 1 до {MAX_SEGMENT_LEGS} плеч")
        )
    if any(leg not in leg_ids for leg in segment.legs):
        problems.append(FieldProblem("legs", "unknown_leg", "в части записи плечо, которого нет у звонка"))
    if segment.ended_at is not None and segment.ended_at < segment.started_at:
        problems.append(FieldProblem("ended_at", "before_start", "часть записи кончается раньше начала"))
    if segment.offset_s < 0 or (segment.duration_s is not None and segment.duration_s < 0):
        problems.append(
            FieldProblem("offset_s", "negative", "место части в записи не может быть отрицательным")
        )
    return problems


def _record_problems(record: CallRecord) -> list[FieldProblem]:
    problems = _text_problems(
        {
            "id": record.id,
            "caller": record.caller,
            "called": record.called,
            "line_number": record.line_number,
            "ivr_choice": record.ivr_choice,
            "end_cause": record.end_cause,
        }
    )
    if not record.id.strip():
        problems.append(FieldProblem("id", "required", "у звонка нет идентификатора"))
    if record.recording_path is not None and not 0 < len(record.recording_path) <= PATH_MAX:
        problems.append(FieldProblem("recording_path", "too_long", f"путь записи до {PATH_MAX} символов"))
    if record.direction not in DIRECTIONS:
        problems.append(
            FieldProblem("direction", "invalid_choice", "направление: inbound, outbound, internal")
        )
    if record.status not in STATUSES:
        problems.append(FieldProblem("status", "invalid_choice", "статус: answered, missed, failed, active"))
    problems += _time_problems(record.phase_times())
    problems += status_problems(record)
    for name in ("wait_s", "talk_s", "hold_s", "wrap_up_s"):
        if not getattr(record, name) >= 0:  # also refuses NaN
            problems.append(FieldProblem(name, "negative", "длительность не может быть отрицательной"))
    return problems


def status_problems(record: CallRecord) -> list[FieldProblem]:
    """The status agrees with the phases: a call is active until it ends and ended once it has a status;
    a connected call counts as answered, never as missed or failed. (An answered call may lack a
    connection time: a caller transferred onwards by the menu was served without an operator.)"""
    if record.status not in STATUSES:
        return []
    if record.status == "active":
        if record.ended_at is not None:
            return [FieldProblem("ended_at", "ended_while_active", "у идущего звонка нет времени окончания")]
        return []
    problems = []
    if record.ended_at is None:
        problems.append(FieldProblem("ended_at", "required", "у завершённого звонка есть время окончания"))
    if record.status != "answered" and record.connected_at is not None:
        problems.append(
            FieldProblem("status", "connected_not_answered", "соединённый звонок считается отвеченным")
        )
    return problems


def _leg_problems(leg: CallLegRecord) -> list[FieldProblem]:
    problems = _text_problems({"leg_id": leg.leg_id, "party": leg.party, "cause": leg.cause})
    if not leg.leg_id.strip():
        problems.append(FieldProblem("leg_id", "required", "у плеча нет идентификатора"))
    if leg.kind not in LEG_KINDS:
        problems.append(FieldProblem("kind", "invalid_choice", "вид плеча: sip, webrtc или trunk"))
    if leg.role not in LEG_ROLES:
        problems.append(
            FieldProblem("role", "invalid_choice", "роль: caller, operator, consultant, supervisor")
        )
    problems += _time_problems(
        (("started_at", leg.started_at), ("answered_at", leg.answered_at), ("ended_at", leg.ended_at))
    )
    if leg.jitter_ms is not None and not leg.jitter_ms >= 0:
        problems.append(FieldProblem("jitter_ms", "negative", "джиттер не может быть отрицательным"))
    if leg.loss_percent is not None and not 0 <= leg.loss_percent <= 100:
        problems.append(FieldProblem("loss_percent", "out_of_range", "потери — от 0 до 100 %"))
    return problems


def _text_problems(values: dict[str, str | None]) -> list[FieldProblem]:
    return [
        FieldProblem(name, "too_long", f"не более {ID_MAX} символов")
        for name, value in values.items()
        if value is not None and len(value) > ID_MAX
    ]


def _time_problems(phases: tuple[tuple[str, datetime | None], ...]) -> list[FieldProblem]:
    """Every time carries its zone, and no phase comes before the one it follows."""
    problems: list[FieldProblem] = []
    latest: tuple[str, datetime] | None = None
    for name, moment in phases:
        if moment is None:
            continue
        if moment.tzinfo is None or moment.utcoffset() is None:
            problems.append(FieldProblem(name, "zone_required", "время указывается с часовым поясом"))
            continue
        if latest is not None and moment < latest[1]:
            problems.append(FieldProblem(name, "out_of_order", f"раньше, чем {latest[0]}"))
            continue
        latest = (name, moment)
    return problems
