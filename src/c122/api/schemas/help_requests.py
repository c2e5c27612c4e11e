"""«Помощь старшего»: a request for a senior's help on a call, as the desktops and the call record see it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from c122.api.schemas.common import Strict
from c122.domain.help_requests import HelpRequest
from c122.services.help_requests.events import help_request_data

HelpStatusName = Literal["open", "taken", "cancelled", "ended"]
HelpModeName = Literal["listen", "whisper"]


class HelpRequestOut(BaseModel):
    """One request. `help_request.changed` carries the same fields."""

    id: int
    call_id: str
    operator_id: int
    operator_name: str
    caller: str | None
    queue_id: int | None
    group_ids: list[int]
    raised_at: datetime
    status: HelpStatusName
    taken_by: int | None
    taken_by_name: str | None
    taken_at: datetime | None
    mode: HelpModeName | None
    closed_at: datetime | None


class RaisedHelpOut(BaseModel):
    request: HelpRequestOut
    seniors_notified: int
    """How many seniors of the operator's groups are on shift and were alerted (0: nobody yet)."""


class HelpRequestsOut(BaseModel):
    """The open and taken requests, and the server's time (the desktop counts the wait on it)."""

    items: list[HelpRequestOut]
    as_of: datetime


class TakeHelpIn(Strict):
    """How the senior joins the call: listening, or whispering to the operator."""

    mode: HelpModeName = "listen"


def help_request_out(request: HelpRequest) -> HelpRequestOut:
    return HelpRequestOut.model_validate(help_request_data(request))
