"""The shift statistics: the hotline's time zone and the shift running now."""

from __future__ import annotations

from datetime import date, datetime

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
