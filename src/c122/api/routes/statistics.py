"""The shift statistics: which shift is running now, in the hotline's time zone."""

from __future__ import annotations

from fastapi import APIRouter

from c122.api.errors import ERROR_RESPONSES
from c122.api.schemas.statistics import CurrentShiftOut, ShiftWindowOut
from c122.api.security import Context, CurrentActor

router = APIRouter(prefix="/api/v1/statistics", tags=["statistics"], responses=ERROR_RESPONSES)


@router.get("/shift", response_model=CurrentShiftOut, operation_id="current_shift")
async def current_shift(actor: CurrentActor, context: Context) -> CurrentShiftOut:
    now = await context.shift_clock.now(actor)
    window = now.window
    shift = (
        None
        if window is None
        else ShiftWindowOut(
            shift_id=window.shift.id,
            name=window.shift.name,
            starts_at=window.shift.starts_at,
            ends_at=window.shift.ends_at,
            day=window.day,
            starts=window.starts,
            ends=window.ends,
        )
    )
    return CurrentShiftOut(time_zone=now.time_zone, shift=shift)
