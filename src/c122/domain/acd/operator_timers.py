"""Which of an operator's timers are due: ring timeout, wrap-up end, idle -> away -> logout, and the
break policy's notices (OPS-02, OPS-04). Pure checks; the Acd applies what they say."""

from __future__ import annotations

from enum import StrEnum

from c122.domain.acd.config import GroupPolicy
from c122.domain.acd.operator_state import STAFFED, OperatorState, OperatorStatus

S = OperatorStatus


class DueTimer(StrEnum):
    RING_TIMEOUT = "ring_timeout"
    WRAP_UP_END = "wrap_up_end"
    IDLE = "idle"
    AUTO_LOGOUT = "auto_logout"


def _elapsed(since: float, interval: float | None, now: float) -> bool:
    return interval is not None and now - since >= interval


def _reached(deadline: float | None, now: float) -> bool:
    return deadline is not None and now >= deadline


def due_timer(op: OperatorState, policy: GroupPolicy, now: float) -> DueTimer | None:
    """The state timer due now, if any; an operator is in one state, so at most one is."""
    if op.status is S.OFFERED:
        return DueTimer.RING_TIMEOUT if _reached(op.offer_expires_at, now) else None
    if op.status is S.WRAP_UP:  # no end time: the queue wants a manual return
        return DueTimer.WRAP_UP_END if _reached(op.wrap_up_until, now) else None
    if op.status in (S.READY, S.ON_BREAK) and _elapsed(op.last_activity_at, policy.idle_to_away_s, now):
        return DueTimer.IDLE
    if op.status is S.AWAY and _elapsed(op.since, policy.away_to_logout_s, now):
        return DueTimer.AUTO_LOGOUT
    return None


def break_suggestion_due(op: OperatorState, policy: GroupPolicy, now: float) -> bool:
    """Continuous work reached the group's limit and no break was suggested in this streak yet."""
    return (
        op.status in STAFFED
        and op.work_since is not None
        and not op.break_suggested
        and _elapsed(op.work_since, policy.breaks.continuous_work_s, now)
    )


def break_allowance_used_up(op: OperatorState, policy: GroupPolicy, now: float) -> float | None:
    """The allowed length of the operator's break when it has just run out (end-of-break notice)."""
    if op.status is not S.ON_BREAK or op.break_overrun_noticed:
        return None
    allowed = policy.breaks.allowed_for(op.reason)
    return allowed if _elapsed(op.since, allowed, now) else None


def next_due(op: OperatorState, policy: GroupPolicy) -> float | None:
    """The earliest moment any check above can come true for this very state (None: none can):
    the tick need not look at the operator again before it while the state is unchanged."""
    moments: list[float] = []

    def after(since: float | None, interval: float | None) -> None:
        if since is not None and interval is not None:
            moments.append(since + interval)

    if op.status is S.OFFERED:
        after(op.offer_expires_at, 0.0)
    elif op.status is S.WRAP_UP:
        after(op.wrap_up_until, 0.0)
    elif op.status in (S.READY, S.ON_BREAK):
        after(op.last_activity_at, policy.idle_to_away_s)
    elif op.status is S.AWAY:
        after(op.since, policy.away_to_logout_s)
    if op.status in STAFFED and not op.break_suggested:
        after(op.work_since, policy.breaks.continuous_work_s)
    if op.status is S.ON_BREAK and not op.break_overrun_noticed:
        after(op.since, policy.breaks.allowed_for(op.reason))
    return min(moments, default=None)
