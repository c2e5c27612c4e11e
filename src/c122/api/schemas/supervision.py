"""The senior's console: the operators board and forced logout."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from c122.api.schemas.common import Strict
from c122.api.schemas.contact_center import OperatorStatusName


class ForcedLogoutIn(Strict):
    """The reason is shown to the operator whose session ends."""

    reason: str = Field(default="", max_length=500)


class ForcedLogoutOut(BaseModel):
    sessions_closed: int


class LiveCallOut(BaseModel):
    """The call an operator is on; `caller` is null on a call the operator placed."""

    call_id: str
    caller: str | None
    queue_id: int | None
    direction: Literal["inbound", "outbound"]
    since: datetime


class AudioConnectionOut(BaseModel):
    """How the operator takes calls: a browser leg, or a SIP phone and whether it is registered now."""

    mode: Literal["browser", "sip"]
    registered: bool | None


class BoardOperatorOut(BaseModel):
    user_id: int
    login: str
    full_name: str
    role: str
    group_ids: list[int]
    status: OperatorStatusName
    since: datetime
    reason: str
    note: str
    pending: str | None
    blocked: bool
    calls_answered: int
    calls_missed: int
    break_limit_s: float | None
    call: LiveCallOut | None
    audio: AudioConnectionOut


class BoardGroupOut(BaseModel):
    id: int
    name: str


class OperatorsBoardOut(BaseModel):
    """A snapshot: `operator.state_changed` events keep it live from `as_of` on."""

    as_of: datetime
    groups: list[BoardGroupOut]
    operators: list[BoardOperatorOut]
