"""«Помощь старшего»: an operator on a call asks the seniors of their groups for help; the first senior
to take the request answers it for all; the operator may cancel it until then; the call's end closes it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from c122.domain.errors import Conflict, Forbidden

HelpMode = Literal["listen", "whisper"]  # how the senior joins the call when taking the request


class HelpStatus(StrEnum):
    OPEN = "open"  # waiting for a senior
    TAKEN = "taken"  # a senior took it; it stays on the call until the call ends
    CANCELLED = "cancelled"  # the operator withdrew it before anyone took it
    ENDED = "ended"  # the call ended first


ACTIVE = frozenset({HelpStatus.OPEN, HelpStatus.TAKEN})


@dataclass(frozen=True)
class HelpRequest:
    id: int
    call_id: str
    operator_id: int
    operator_name: str  # names are copied: the call record reads the same after an account changes
    caller: str | None
    queue_id: int | None
    group_ids: frozenset[int]  # whose seniors are asked: the operator's groups when raising
    raised_at: datetime
    status: HelpStatus = HelpStatus.OPEN
    taken_by: int | None = None
    taken_by_name: str | None = None
    taken_at: datetime | None = None
    mode: HelpMode | None = None
    closed_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def refuse_taking(request: HelpRequest) -> None:
    """Only an open request can be taken; a taken one names who has it."""
    if request.status is HelpStatus.TAKEN:
        raise Conflict(f"{request.taken_by_name} has already taken this request", code="already_taken")
    if request.status is not HelpStatus.OPEN:
        raise Conflict(f"the request is {request.status.value}", code="help_closed")


def taken(request: HelpRequest, by: int, by_name: str, mode: HelpMode, at: datetime) -> HelpRequest:
    refuse_taking(request)
    return replace(
        request, status=HelpStatus.TAKEN, taken_by=by, taken_by_name=by_name, taken_at=at, mode=mode
    )


def cancelled(request: HelpRequest, by: int, at: datetime) -> HelpRequest:
    """The operator who raised it withdraws it, while no senior has taken it."""
    if request.operator_id != by:
        raise Forbidden("only the operator who asked for help can cancel the request", code="not_yours")
    if request.status is HelpStatus.TAKEN:
        raise Conflict(f"{request.taken_by_name} has already taken this request", code="already_taken")
    if request.status is not HelpStatus.OPEN:
        raise Conflict(f"the request is {request.status.value}", code="help_closed")
    return replace(request, status=HelpStatus.CANCELLED, closed_at=at)


def ended(request: HelpRequest, at: datetime) -> HelpRequest:
    """The call is over: an open or taken request closes with it (a closed one stays as it was)."""
    return replace(request, status=HelpStatus.ENDED, closed_at=at) if request.active else request
