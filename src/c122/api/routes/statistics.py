"""The shift statistics: which shift is running now, and its figures for the operator and the centre."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas.organisation import ShiftOut
from c122.api.schemas.statistics import (
    BreakOut,
    CallFiguresOut,
    CallStatisticsOut,
    CallStatisticsRowOut,
    CaseTypeCountOut,
    CenterShiftOut,
    CurrentShiftOut,
    ErlangAOut,
    OperatorShiftOut,
    QueueShiftOut,
    ShiftWindowOut,
    StaffingIntervalOut,
    StaffingOut,
)
from c122.api.security import Context, CurrentActor
from c122.domain.call_statistics import Breakdown, CallFigures
from c122.domain.shifts import ShiftWindow
from c122.services.statistics.service import HISTORY_WEEKS, QueueShiftFigures

router = APIRouter(prefix="/api/v1/statistics", tags=["statistics"], responses=ERROR_RESPONSES)


def _window(window: ShiftWindow | None) -> ShiftWindowOut | None:
    if window is None:
        return None
    return ShiftWindowOut(
        shift_id=window.shift.id,
        name=window.shift.name,
        starts_at=window.shift.starts_at,
        ends_at=window.shift.ends_at,
        day=window.day,
        starts=window.starts,
        ends=window.ends,
    )


@router.get("/shift", response_model=CurrentShiftOut, operation_id="current_shift")
async def current_shift(actor: CurrentActor, context: Context) -> CurrentShiftOut:
    now = await context.shift_clock.now(actor)
    return CurrentShiftOut(time_zone=now.time_zone, shift=_window(now.window))


@router.get("/shifts", response_model=list[ShiftOut], operation_id="statistics_shifts")
async def shifts(actor: CurrentActor, context: Context) -> list[ShiftOut]:
    """The timetable, for the statistics' shift picker: every signed-in user (it names nobody)."""
    del actor
    return [
        ShiftOut(id=s.id, name=s.name, starts_at=s.starts_at, ends_at=s.ends_at)
        for s in await context.shift_clock.shifts()
    ]


@router.get("/shift/operator", response_model=OperatorShiftOut, operation_id="operator_shift_statistics")
async def operator_shift(actor: CurrentActor, context: Context) -> OperatorShiftOut:
    """The signed-in user's own figures for the current shift (OPS-27)."""
    figures = await context.shift_statistics.operator(actor)
    tally = figures.tally
    breaks = [BreakOut(reason=r, count=b.count, seconds=b.seconds) for r, b in sorted(tally.breaks.items())]
    return OperatorShiftOut(
        shift=_window(figures.window),
        offers=tally.offers,
        answered=tally.answered,
        missed=tally.missed,
        placed=tally.placed,
        completed=tally.completed,
        average_talk_s=tally.average_talk_s,
        average_hold_s=None,
        average_wrap_up_s=tally.average_wrap_s,
        breaks=breaks,
        break_count=sum(b.count for b in breaks),
        break_seconds=sum(b.seconds for b in breaks),
        states_s=figures.states_s,
        service_level_s=figures.service_level_s,
        answered_within_t=tally.answered_within_t,
        offers_taken=tally.offers_taken,
    )


def _queue(row: QueueShiftFigures, total_name: str = "") -> QueueShiftOut:
    live, tally = row.live, row.tally
    own = live.definitions if live is not None else None
    return QueueShiftOut(
        queue_id=live.queue_id if live else None,
        name=live.name if live else total_name,
        received=tally.received,
        answered=tally.answered,
        abandoned=tally.abandoned,
        short_abandoned=tally.short_abandoned,
        timed_out=tally.timed_out,
        waiting=live.waiting if live else 0,
        longest_wait_s=live.longest_wait_s if live else 0.0,
        average_wait_s=tally.average_wait_s,
        average_handle_s=tally.average_handle_s,
        service_level=row.service_level,
        service_level_s=own.service_level_s if own is not None else None,
        norm_wait_s=live.norm_wait_s if live is not None else None,
        wait_state=row.wait_state,
        service_level_target=own.service_level_target if own is not None else None,
        below_target=row.below_target,
        on_duty=live.on_duty if live else 0,
        busy=live.busy if live else 0,
        on_break=live.on_break if live else 0,
    )


@router.get("/shift/center", response_model=CenterShiftOut, operation_id="center_shift_statistics")
async def center_shift(actor: CurrentActor, context: Context) -> CenterShiftOut:
    """The current shift per queue the reader sees and in total (OPS-28)."""
    figures = await context.shift_statistics.center(actor)
    formula = figures.definitions.formula
    rows = [_queue(row) for row in figures.queues]
    total = _queue(figures.total, "total")
    total = total.model_copy(
        update={
            "waiting": sum(r.waiting for r in rows),
            "longest_wait_s": max((r.longest_wait_s for r in rows), default=0.0),
            "on_duty": sum(r.on_duty for r in rows),
            "busy": sum(r.busy for r in rows),
            "on_break": sum(r.on_break for r in rows),
        }
    )
    return CenterShiftOut(
        shift=_window(figures.window),
        service_level_s=figures.definitions.service_level_s,
        short_abandon_s=figures.definitions.short_abandon_s,
        service_level_formula=formula.value,
        total=total,
        queues=rows,
        case_types=[
            CaseTypeCountOut(type_id=c.type_id, name=c.name, count=c.count)
            for c in await context.recent_cases.counts(actor)
        ],
    )


@router.get("/staffing", response_model=StaffingOut, operation_id="staffing_forecast")
async def staffing(
    actor: CurrentActor,
    context: Context,
    queue_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
    day: date,
    target: Annotated[
        float | None, Query(gt=0, lt=1, description="Target service level, 0..1; by default the queue's own.")
    ] = None,
    threshold_s: Annotated[
        float | None, Query(ge=0, le=3600, description="Answer threshold T, s; by default the queue's own.")
    ] = None,
) -> StaffingOut:
    """Operators needed per 30-minute interval of `day` in a queue the reader sees (issue #19 item 6)."""
    plan = await context.staffing.plan(actor, queue_id, day, target, threshold_s)
    return StaffingOut(
        queue_id=plan.queue_id,
        time_zone=plan.time_zone,
        day=plan.day,
        target=plan.target,
        threshold_s=plan.threshold_s,
        handle_s=plan.handle_s,
        patience_s=plan.patience_s,
        history_weeks=HISTORY_WEEKS,
        intervals=[
            StaffingIntervalOut(
                starts=datetime.fromtimestamp(i.starts, UTC),
                calls=i.calls,
                load_erlangs=i.staffing.load_erlangs,
                operators=i.staffing.operators,
                service_level=i.staffing.service_level,
                average_wait_s=i.staffing.average_wait_s,
                occupancy=i.staffing.occupancy,
                erlang_a=None
                if i.staffing_a is None
                else ErlangAOut(
                    operators=i.staffing_a.operators,
                    service_level=i.staffing_a.service_level,
                    average_wait_s=i.staffing_a.average_wait_s,
                    occupancy=i.staffing_a.occupancy,
                    abandon_probability=i.staffing_a.abandon_probability,
                ),
            )
            for i in plan.intervals
        ],
    )


def _figures(f: CallFigures) -> dict[str, object]:
    return {
        "received": f.received,
        "answered": f.answered,
        "answered_within_t": f.answered_within_t,
        "abandoned": f.abandoned,
        "short_abandoned": f.short_abandoned,
        "failed": f.failed,
        "unanswered": f.unanswered,
        "over_norm": f.over_norm,
        "service_level": f.service_level,
        "average_wait_s": f.average_wait_s,
        "average_talk_s": f.average_talk_s,
        "average_handle_s": f.average_handle_s,
        "outbound_placed": f.outbound_placed,
        "outbound_answered": f.outbound_answered,
        "outbound_failed": f.outbound_failed,
        "average_outbound_talk_s": f.average_outbound_talk_s,
    }


@router.get("/calls", response_model=CallStatisticsOut, operation_id="call_statistics")
async def call_statistics(
    actor: CurrentActor,
    context: Context,
    since: date,
    until: date,
    by: Breakdown = Breakdown.QUEUE,
    shift_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    group_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> CallStatisticsOut:
    """Inbound and outbound statistics (TEL-08) over the local days since..until, optionally only the
    occurrences of one shift, per queue, group, service or operator. Administrators: every group;
    seniors: their groups (SUP-10); others 403."""
    report = await context.call_statistics.report(
        actor, since=since, until=until, by=by, shift_id=shift_id, group_id=group_id
    )
    return CallStatisticsOut(
        time_zone=report.time_zone,
        since=report.since,
        until=report.until,
        by=report.by.value,
        shift_id=report.shift.id if report.shift else None,
        shift_name=report.shift.name if report.shift else None,
        spans=len(report.spans),
        rows=[
            CallStatisticsRowOut(id=r.key, name=r.name, states_s=r.states_s, **_figures(r.figures))
            for r in report.rows
        ],
        total=CallFiguresOut(**_figures(report.total)),
    )
