"""Queue rules that send callers away: join/leave when empty, max wait, and the exit they get."""

from __future__ import annotations

from collections.abc import Iterable

from c122.domain.acd.calls import WaitingCall
from c122.domain.acd.config import EmptyRule, QueueConfig
from c122.domain.acd.events import CallExited, ExitReason
from c122.domain.acd.ids import CallId
from c122.domain.acd.operator_state import LOGGED_IN, STAFFED, OperatorStatus


def is_empty_under(rule: EmptyRule, member_statuses: Iterable[OperatorStatus]) -> bool:
    """Whether the queue counts as empty under the rule, given the states of its members."""
    if rule is EmptyRule.NEVER:
        return False
    wanted = LOGGED_IN if rule is EmptyRule.NO_LOGGED_IN else STAFFED
    return not any(status in wanted for status in member_statuses)


def exit_reason(queue: QueueConfig, call: WaitingCall, now: float, leaving: bool) -> ExitReason | None:
    """Why a waiting caller must leave now, if they must. Callbacks wait for an operator, never leave."""
    if call.is_callback:
        return None
    if leaving:
        return ExitReason.EMPTY
    if queue.max_wait_s is not None and now - call.joined_at >= queue.max_wait_s:
        return ExitReason.TIMEOUT
    return None


def exit_event(
    queue: QueueConfig, call_id: CallId, reason: ExitReason, waited_s: float, now: float
) -> CallExited:
    """To the overflow destination when the queue has one; otherwise the queue's message, then hang up."""
    destination = queue.overflow_destination
    return CallExited(
        call_id=call_id,
        queue_id=queue.queue_id,
        reason=reason,
        destination=destination,
        message=None if destination is not None else queue.removal_message,
        waited_s=waited_s,
        at=now,
    )
