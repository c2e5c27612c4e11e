"""The call distribution: operators' states, offers, live queues and their figures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from c122.api.schemas.common import Strict
from c122.api.schemas.organisation import Destination, ReasonCode

OperatorStatusName = Literal[
    "offline", "ready", "offered", "on_call", "wrap_up", "on_break", "away", "blocked"
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
RequiredNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
CallIdPath = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:@\-]{1,64}$")]


class ChatOut(BaseModel):
    """A text work item: a case's conversation offered to me or held by me."""

    call_id: str
    case_id: int
    channel: Literal["app", "sms", "messenger"]
    queue_id: int
    queue_name: str
    caller: str = Field(description="The applicant's address on the channel (phone number, chat id).")
    waiting_since: datetime
    expires_at: datetime | None = Field(description="An offer's end; None for a held chat.")
    accepted_at: datetime | None


class ChatDeskOut(BaseModel):
    user_id: int
    chat_limit: int
    offer: ChatOut | None
    held: list[ChatOut]


class ChatDeskData(BaseModel):
    """`chat.desk`: my chat offer or held chats changed."""

    desk: ChatDeskOut


class OfferOut(BaseModel):
    call_id: str
    queue_id: int | None = Field(description="None for a call put through by a colleague that never queued.")
    queue_name: str
    caller: str
    expires_at: datetime
    is_callback: bool
    service_number: str | None = Field(None, description="The line the caller dialled (OPS-18).")
    service_name: str | None = None
    group_name: str | None = None
    auto_answer: bool = Field(False, description="The queue connects the operator without an answer click.")
    from_user_id: int | None = Field(
        None,
        description="A colleague puts this call through (a transfer or a consultation): answered or declined "
        "through /operators/me/transfers/{call_id}/answer|decline, not the queue's offer routes.",
    )


class OperatorStateOut(BaseModel):
    user_id: int
    status: OperatorStatusName
    since: datetime
    reason: str
    note: str
    call_id: str | None
    queue_id: int | None
    offer: OfferOut | None
    pending: str | None = Field(description="A break, logout or block asked for during a call.")
    wrap_up_until: datetime | None
    idle_to_away_s: float | None = Field(
        default=None, description="The group's idle interval: no desk activity this long makes one away."
    )
    away_to_logout_s: float | None = Field(
        default=None, description="Away this long ends the shift; the desk warns a little before both."
    )
    break_limit_s: float | None = Field(
        default=None, description="On a break: the group's allowance for its reason (the desk's break timer)."
    )
    server_time: datetime | None = Field(
        default=None,
        description="The server's time of this answer: with `since`, how long the state has lasted already.",
    )
    early_ready: bool = Field(
        default=True, description="«Готов» may end a timed wrap-up early; otherwise 409 until it ends."
    )


class OperatorStateIn(Strict):
    """`ready` starts the shift (from offline) or returns to work; `offline` ends the shift."""

    status: Literal["ready", "on_break", "offline"]
    reason: ReasonCode | None = Field(
        default=None, description="Break reason code: break, lunch, training, not_ready (needs a note)…"
    )
    note: Note = ""


class WaitingCallOut(BaseModel):
    call_id: str
    caller: str
    priority: int
    position: int
    waited_s: float
    estimated_wait_s: float | None
    is_callback: bool
    ringing: bool
    ivr_choice: str | None = None
    """The caller's last menu choice before queueing, `menu:key` (null: none, e.g. a line straight to
    the queue)."""


LeaveReason = Literal[
    "answered", "abandoned", "timeout", "no_operators", "queue_full", "removed", "transferred", "gone"
]


class LeftCallOut(BaseModel):
    """A caller who left the queue lately, and why; a senior's removal names the senior and their
    reason (`note`), and a removal to a number (`transferred`) the number."""

    call_id: str
    caller: str
    reason: LeaveReason
    left_at: datetime
    waited_s: float
    destination: str | None = None
    removed_by: int | None = None
    note: str = ""
    ivr_choice: str | None = None


class QueueLiveOut(BaseModel):
    id: int
    group_id: int
    name: str
    waiting: int
    waiting_by_priority: dict[str, int]
    callbacks_waiting: int
    longest_wait_s: float
    available_operators: int
    eligible_operators: int
    logged_in_operators: int
    on_break_operators: int
    calls: list[WaitingCallOut]
    left: list[LeftCallOut] = []
    """The latest callers who left the queue (at most 10, the latest first)."""


class QueueLiveList(BaseModel):
    items: list[QueueLiveOut]


class ShiftColleagueOut(BaseModel):
    """An operator of one's groups on shift, with the live state (whether a call can go to them now)."""

    user_id: int
    login: str
    full_name: str
    status: str
    reason: str
    since: datetime
    group_names: list[str]


class ShiftColleagueList(BaseModel):
    items: list[ShiftColleagueOut]


class BlockIn(Strict):
    note: RequiredNote


class MoveCallIn(Strict):
    to: Literal["head", "tail"]


class RemoveCallIn(Strict):
    destination: Destination | None = Field(
        default=None,
        description="Where the caller goes; without it the queue's message plays and the call ends.",
    )
    reason: str = Field(
        default="",
        max_length=500,
        description="Why: stored with the exit in the queue log, shown on the board.",
    )


class QueueKpisOut(BaseModel):
    """Counts and KPIs of a queue over a period; a ratio with a zero denominator is null."""

    offered: int
    answered: int
    answered_within_t: int
    abandoned: int
    short_abandoned: int
    abandoned_within_t: int
    timed_out: int
    refused_on_entry: int
    completed: int
    service_level: float | None
    asa_s: float | None
    aht_s: float | None
    abandon_rate: float | None
    occupancy: float | None
    longest_wait_s: float
    service_level_s: float = Field(description="The answer threshold T the figures were computed with.")
    service_level_target: float = Field(description="The queue's service-level target, 0..1.")
    below_target: bool = Field(description="The service level is known and below the queue's target.")
