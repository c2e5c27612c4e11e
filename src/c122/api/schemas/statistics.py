"""The shift statistics: the hotline's time zone and the shift running now."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class ShiftWindowOut(BaseModel):
    shift_id: int
    name: str
    starts_at: str = Field(description="Local HH:MM the shift starts at, as defined.")
    ends_at: str = Field(description="Local HH:MM the shift ends at; not after starts_at: the next day.")
    day: date = Field(description="The local day this occurrence of the shift starts on.")
    starts: datetime = Field(description="The instant it starts (UTC).")
    ends: datetime = Field(description="The instant it ends (UTC).")


class CurrentShiftOut(BaseModel):
    time_zone: str = Field(description="The hotline's time zone (setting hotline_time_zone).")
    shift: ShiftWindowOut | None = Field(description="The shift running now; null between shifts.")


class BreakOut(BaseModel):
    reason: str = Field(description="The break's stated reason; empty when it began before the shift.")
    count: int
    seconds: float


class OperatorShiftOut(BaseModel):
    shift: ShiftWindowOut | None
    offers: int = Field(description="Calls offered to the operator.")
    answered: int
    missed: int = Field(description="Offers rung out or rejected.")
    placed: int = Field(description="Calls the operator placed.")
    completed: int
    average_talk_s: float | None
    average_hold_s: float | None = Field(description="Not recorded yet: always null.")
    average_wrap_up_s: float | None
    breaks: list[BreakOut]
    break_count: int
    break_seconds: float
    states_s: dict[str, float] = Field(
        description="Seconds in each state this shift, the current one so far."
    )
    service_level_s: float = Field(description="The answer threshold T.")
    answered_within_t: int
    offers_taken: float | None = Field(description="Answered of offered, 0..1.")


class QueueShiftOut(BaseModel):
    queue_id: int | None = Field(description="null for the total.")
    name: str
    received: int
    answered: int
    abandoned: int
    short_abandoned: int = Field(description="Abandons within the short-abandon time, counted apart.")
    timed_out: int
    waiting: int
    longest_wait_s: float
    average_wait_s: float | None
    average_handle_s: float | None
    service_level: float | None = Field(
        description="By the queue's own T and formula; the total's: each queue's by its own, summed."
    )
    service_level_s: float | None = Field(description="The queue's answer threshold T; null for the total.")
    norm_wait_s: float | None = Field(description="The queue's normative maximum wait W; null for the total.")
    service_level_target: float | None = Field(
        default=None, description="The queue's service-level target, 0..1; null for the total."
    )
    below_target: bool = Field(
        default=False,
        description="The service level is under the queue's target (no calls yet: false); "
        "the total's: any queue's is.",
    )
    wait_state: Literal["calm", "over_t", "over_norm"] = Field(
        description="The longest wait against the queue's own T and W (nobody waiting: calm); the total's: "
        "the worst queue's."
    )
    on_duty: int
    busy: int
    on_break: int


class CaseTypeCountOut(BaseModel):
    type_id: int
    name: str
    count: int = Field(description="Cases of this type created in the last 24 hours, of the reader's groups.")


class CenterShiftOut(BaseModel):
    shift: ShiftWindowOut | None
    service_level_s: float
    short_abandon_s: float
    service_level_formula: str
    total: QueueShiftOut
    queues: list[QueueShiftOut]
    case_types: list[CaseTypeCountOut] = Field(
        description="Cases by type for the last 24 hours (fig. 62), most first; an administrator's of all."
    )


class ErlangAOut(BaseModel):
    """The same interval by Erlang A: callers give up after an exponential patience."""

    operators: int = Field(description="Operators needed for the target, by Erlang A.")
    service_level: float = Field(description="The share of all callers answered within the threshold, 0..1.")
    average_wait_s: float = Field(description="Mean time in the queue of all callers, those who gave up too.")
    occupancy: float
    abandon_probability: float = Field(description="The share of callers who give up, 0..1.")


class StaffingIntervalOut(BaseModel):
    starts: datetime = Field(description="The 30-minute interval's start (UTC).")
    calls: float = Field(description="Calls expected: the mean of the same interval on the history days.")
    load_erlangs: float
    operators: int = Field(description="Operators needed for the target, by Erlang C.")
    service_level: float = Field(description="The share answered within the threshold with that many, 0..1.")
    average_wait_s: float
    occupancy: float
    erlang_a: ErlangAOut | None = Field(description="By Erlang A; null when the history has no abandons.")


class StaffingOut(BaseModel):
    queue_id: int
    time_zone: str = Field(description="The hotline's time zone: the day and its intervals are read in it.")
    day: date
    target: float
    threshold_s: float
    handle_s: float = Field(description="Average handle time over the history days (180 s with none).")
    patience_s: float | None = Field(
        description="Callers' mean patience: all callers' time queued / those who gave up; null: none did."
    )
    history_weeks: int
    intervals: list[StaffingIntervalOut]


class CallFiguresOut(BaseModel):
    """TEL-08 measures of one row; see docs/contact-center/statistics.md for each definition."""

    received: int = Field(description="Inbound calls that entered a queue and ended.")
    answered: int
    answered_within_t: int = Field(description="Answered with wait <= the queue's service_level_s.")
    abandoned: int = Field(description="The caller hung up or left after the maximum wait (missed).")
    short_abandoned: int = Field(description="Abandoned with wait < the queue's short_abandon_s.")
    failed: int = Field(description="Ended by an error before an operator answered.")
    unanswered: int = Field(description="received - answered.")
    over_norm: int = Field(description="Unanswered with wait > the queue's normative maximum sla_wait_s.")
    service_level: float | None = Field(description="0..1 by each call's queue formula; null: no calls.")
    average_wait_s: float | None = Field(description="The answered calls' wait, averaged.")
    average_talk_s: float | None
    average_handle_s: float | None = Field(description="(talk + hold + wrap-up) per answered call.")
    outbound_placed: int
    outbound_answered: int
    outbound_failed: int = Field(description="Placed and not answered (no answer, busy, error).")
    average_outbound_talk_s: float | None


class CallStatisticsRowOut(CallFiguresOut):
    id: int | None = Field(description="The queue, group, service or operator; null: calls naming none.")
    name: str
    states_s: dict[str, float] | None = Field(
        default=None,
        description="By operator: seconds in each state within the period (the spans), for occupancy.",
    )


class CallStatisticsOut(BaseModel):
    time_zone: str
    since: date
    until: date
    by: str
    shift_id: int | None
    shift_name: str | None
    spans: int = Field(description="How many spans of time were counted (shift occurrences, or 1).")
    rows: list[CallStatisticsRowOut]
    total: CallFiguresOut
