"""The system's health as the indicator and monitoring read it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from c122.api.schemas.common import StatusValue


class ComponentHealthOut(BaseModel):
    status: StatusValue
    detail: str


class HealthComponents(BaseModel):
    db: ComponentHealthOut
    socket: ComponentHealthOut
    sip: ComponentHealthOut
    media: ComponentHealthOut


class HealthOut(BaseModel):
    status: StatusValue
    components: HealthComponents
    checked_at: datetime
