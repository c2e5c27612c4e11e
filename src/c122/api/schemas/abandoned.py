"""The abandoned-calls list on the wire (docs/contact-center/journal.md#abandoned-calls)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class AbandonedCallOut(BaseModel):
    id: str  # the abandoned call's id (its journal record)
    caller: str
    queue_id: int
    queue_name: str
    group_id: int
    line_number: str | None
    line_name: str | None
    topic: str | None
    abandoned_at: datetime
    waited_s: float
    over_normative_wait: bool  # the wait exceeded the queue's normative maximum
    callback: Literal["open", "ringing", "taken"]
    taken_by: int | None
    taken_by_name: str | None


class TakenOut(BaseModel):
    """`calling`: the applicant is being dialled; `ringing`: the operator's SIP phone rings first;
    `claimed`: the entry is theirs and is offered to them when they are free."""

    state: Literal["calling", "ringing", "claimed"]
