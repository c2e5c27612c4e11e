"""The live events of the call distribution, built after a command's transaction commits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from c122.domain.acd import BreakSuggested, BreakTimeElapsed, OperatorStateChanged
from c122.domain.users import User
from c122.services.contact_center.views import OfferView, QueueView, at, optional_int
from c122.services.events import ADMINS, Audience, OutboundEvent
from c122.services.supervision.ports import CaseInWork, LiveCall


def operator_audience(user_id: int, user: User | None) -> Audience:
    """The operator, the colleagues of their groups (seniors watch them there), and administrators."""
    groups = user.group_ids if user is not None else frozenset()
    return Audience(user_ids=frozenset({user_id}), group_ids=groups, roles=ADMINS.roles)


def call_held(user_id: int, user: User | None, call_id: str, held: bool, when: datetime) -> OutboundEvent:
    """An operator's call put on hold or taken off it, for the senior's board (and the operator)."""
    return OutboundEvent(
        type="operator.call_held",
        data={"user_id": user_id, "call_id": call_id, "held": held},
        audience=operator_audience(user_id, user),
        occurred_at=when,
    )


def case_changed(
    user_id: int, user: User | None, call_id: str, case: CaseInWork, when: datetime
) -> OutboundEvent:
    """The card of an operator's call (on it or in wrap-up) is now `case`, for the senior's board."""
    return OutboundEvent(
        type="operator.case_changed",
        data={"user_id": user_id, "call_id": call_id, "case": asdict(case)},
        audience=operator_audience(user_id, user),
        occurred_at=when,
    )


def state_changed(
    change: OperatorStateChanged,
    user: User | None,
    *,
    counts: tuple[int, int] = (0, 0),
    call: LiveCall | None = None,
    break_limit_s: float | None = None,
    case: CaseInWork | None = None,
) -> OutboundEvent:
    """`counts` (answered, missed this shift), `call`, the card in work and the break's allowance are
    the operator's now, for the senior's board and the operator's break timer."""
    user_id = int(change.operator_id)
    return OutboundEvent(
        type="operator.state_changed",
        data={
            "user_id": user_id,
            "old_status": change.old_status,
            "status": change.new_status,
            "trigger": change.trigger,
            "reason": change.reason,
            "note": change.note,
            "since": at(change.at),
            "duration_s": change.duration_s,
            "call_id": change.call_id,
            "queue_id": optional_int(change.queue_id),
            "calls_answered": counts[0],
            "calls_missed": counts[1],
            "call": None if call is None else {**asdict(call), "since": at(call.since)},
            "break_limit_s": break_limit_s,
            "case": None if case is None else asdict(case),
        },
        audience=operator_audience(user_id, user),
        occurred_at=at(change.at),
    )


def call_offered(user_id: int, offer: OfferView, when: datetime) -> OutboundEvent:
    return OutboundEvent(
        type="call.offered",
        data={"user_id": user_id, "offer": asdict(offer)},
        audience=Audience(user_ids=frozenset({user_id})),
        occurred_at=when,
    )


def break_notice(event: BreakSuggested | BreakTimeElapsed) -> OutboundEvent:
    user_id = int(event.operator_id)
    data: dict[str, object]
    if isinstance(event, BreakSuggested):
        kind, data = "operator.break_suggested", {"user_id": user_id, "worked_s": event.worked_s}
    else:
        kind = "operator.break_time_elapsed"
        data = {"user_id": user_id, "reason": event.reason, "allowed_s": event.allowed_s}
    return OutboundEvent(
        type=kind, data=data, audience=Audience(user_ids=frozenset({user_id})), occurred_at=at(event.at)
    )


def queue_updated(view: QueueView, when: datetime) -> OutboundEvent:
    return OutboundEvent(
        type="queue.updated",
        data={"queue": asdict(view)},
        audience=Audience(group_ids=frozenset({view.group_id})),
        occurred_at=when,
    )
