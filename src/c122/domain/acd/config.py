"""Configuration the ACD rules read: queues, memberships (tiers), operator profiles, group policies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from c122.domain.acd.ids import GroupId, OperatorId, QueueId


class Strategy(StrEnum):
    LONGEST_IDLE = "longest_idle"
    ROUND_ROBIN = "round_robin"  # with memory: continues after the last operator offered a call
    FEWEST_CALLS = "fewest_calls"
    LEAST_TALK_TIME = "least_talk_time"
    RANDOM = "random"
    RING_ALL = "ring_all"
    LINEAR = "linear"  # by tier level, then position


class EmptyRule(StrEnum):
    """When a queue refuses new callers (join) or sends its waiting callers away (leave)."""

    NEVER = "never"
    NO_LOGGED_IN = "no_logged_in"  # no member is logged in at all
    NO_STAFFED = "no_staffed"  # every member is offline, on break, away or blocked


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueConfig:
    queue_id: QueueId
    group_id: GroupId
    strategy: Strategy = Strategy.LONGEST_IDLE
    weight: int = 0  # higher wins when a shared operator sees equally old callers in two queues
    ring_timeout_s: float = 20.0
    no_answer_limit: int = 3  # missed offers in a row before the operator is put on break "no answer"
    retry_s: float = 5.0  # who missed an offer is not offered that call again for so long (0: at once)
    wrap_up_s: float = 30.0
    manual_ready: bool = False  # after wrap-up the operator returns to ready by hand
    max_wait_s: float | None = None
    overflow_destination: str | None = None
    max_length: int | None = None
    join_when_empty: EmptyRule = EmptyRule.NEVER  # refuse new callers under this rule
    leave_when_empty: EmptyRule = EmptyRule.NEVER  # send waiting callers away under this rule
    escalation_step_s: float | None = None  # tier N joins after (N-1) * step seconds of waiting
    required_skills: frozenset[str] = frozenset()
    short_abandon_s: float = 5.0
    sla_wait_s: float = 60.0  # normative maximum wait: longer waits are flagged as SLA breaches
    callbacks_enabled: bool = True
    repeat_call_window_s: float = 30 * 60.0  # a caller who calls again within it resumes their place
    removal_message: str | None = None  # announcement for callers a senior removes without destination


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership:
    """An operator serving a queue at a tier level (1 first) and a position within the tier."""

    operator_id: OperatorId
    queue_id: QueueId
    level: int = 1
    position: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorProfile:
    operator_id: OperatorId
    group_id: GroupId
    skills: frozenset[str] = frozenset()
    idle_to_away_s: float | None = None  # the operator's own idle interval; None: the group's


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakPolicy:
    """OPS-04, per group: suggest a break after continuous work; notice when a break has run its length."""

    continuous_work_s: float | None = 2 * 3600.0
    allowed_s: Mapping[str, float] = field(
        default_factory=lambda: {"break": 15 * 60.0, "lunch": 30 * 60.0, "training": 60 * 60.0}
    )

    def allowed_for(self, reason: str) -> float | None:
        return self.allowed_s.get(reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupPolicy:
    group_id: GroupId
    idle_to_away_s: float | None = 10 * 60.0  # no activity while ready or on break
    away_to_logout_s: float | None = 20 * 60.0
    breaks: BreakPolicy = field(default_factory=BreakPolicy)
    early_ready: bool = True  # «Готов» may end a timed wrap-up before its time
    long_call_s: float | None = 10 * 60.0  # the senior's board marks a longer call; None: never
    chat_limit: int = 3  # chats an operator of the group holds at once (besides one call)
