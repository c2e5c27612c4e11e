"""The senior's console: the operators board and forced logout."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from c122.api.bounded import Id
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
    held: bool = False
    """The caller is on hold (`operator.call_held` keeps it live)."""


class CaseInWorkOut(BaseModel):
    """The card of the call an operator is on or wrapping up: its name (with the number) and type."""

    case_id: int
    name: str
    number: int
    type_name: str


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
    long_call_s: float | None
    """The operator's group's long-call threshold: the board marks a longer call (null: never)."""
    call: LiveCallOut | None
    case: CaseInWorkOut | None
    """On a call or in wrap-up: the call's card (`operator.case_changed` keeps it live)."""
    audio: AudioConnectionOut


class BoardGroupOut(BaseModel):
    id: int
    name: str


class OperatorsBoardOut(BaseModel):
    """A snapshot: `operator.state_changed` events keep it live from `as_of` on."""

    as_of: datetime
    groups: list[BoardGroupOut]
    operators: list[BoardOperatorOut]


MonitorModeName = Literal["listen", "whisper", "barge"]


class MonitoringStartIn(Strict):
    """The call to monitor, or the operator whose current call it is (one of the two), and the mode."""

    call_id: str | None = Field(default=None, max_length=64)
    operator_id: Id | None = None
    mode: MonitorModeName = "listen"


class MonitoringModeIn(Strict):
    mode: MonitorModeName


class MonitoringModeOut(BaseModel):
    mode: MonitorModeName
    started_at: datetime
    ended_at: datetime | None


class MonitoringSessionOut(BaseModel):
    """A senior on an operator's call: `audio` is the senior's own connection that joined it."""

    id: str
    call_id: str
    supervisor_id: int
    operator_id: int
    group_id: int | None
    audio: Literal["browser", "sip"]
    mode: MonitorModeName
    operator_notified: bool = Field(description="The operator's group shows them that they are monitored.")
    started_at: datetime
    ended_at: datetime | None
    end_reason: Literal["stopped", "call_ended", "audio_lost"] | None
    modes: list[MonitoringModeOut]


class MonitoringSessionsOut(BaseModel):
    items: list[MonitoringSessionOut]
