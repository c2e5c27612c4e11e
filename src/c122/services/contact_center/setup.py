"""The ACD's configuration built from the organisation: queues, memberships, profiles, group policies.

Ids cross the boundary as strings (the domain's ids) and come back as the integers of the records.
"""

from __future__ import annotations

from dataclasses import dataclass

from c122.domain.acd import (
    AcdConfig,
    AcdSnapshot,
    BreakPolicy,
    EmptyRule,
    GroupPolicy,
    Membership,
    OperatorProfile,
    QueueConfig,
    Strategy,
)
from c122.domain.organisation import Group, Queue, own_idle_interval
from c122.domain.users import User
from c122.services.contact_center.ports import AcdSetup

NO_GROUP = "0"


@dataclass(frozen=True)
class CenterSetup:
    config: AcdConfig
    queues: dict[int, Queue]
    staff: dict[int, User]
    group_ids: frozenset[int]
    group_names: dict[int, str]
    group_services: dict[int, int]  # group id -> its service's id


def queue_config(queue: Queue) -> QueueConfig:
    return QueueConfig(
        queue_id=str(queue.id),
        group_id=str(queue.group_id),
        strategy=Strategy(queue.strategy),
        weight=queue.weight,
        ring_timeout_s=queue.ring_timeout_s,
        retry_s=queue.retry_s,
        no_answer_limit=queue.no_answer_limit,
        wrap_up_s=queue.wrap_up_s,
        manual_ready=queue.manual_ready,
        max_wait_s=queue.max_wait_s,
        overflow_destination=queue.overflow_destination,
        max_length=queue.max_length,
        join_when_empty=EmptyRule(queue.join_when_empty),
        leave_when_empty=EmptyRule(queue.leave_when_empty),
        escalation_step_s=queue.escalation_step_s,
        required_skills=queue.required_skills,
        short_abandon_s=queue.short_abandon_s,
        sla_wait_s=queue.sla_wait_s,
        callbacks_enabled=queue.callbacks_enabled,
        repeat_call_window_s=queue.repeat_call_window_s,
        removal_message=queue.removal_message,
    )


def group_policy(group: Group) -> GroupPolicy:
    breaks = BreakPolicy(continuous_work_s=group.continuous_work_s)
    if group.break_allowance is not None:
        breaks = BreakPolicy(continuous_work_s=group.continuous_work_s, allowed_s=dict(group.break_allowance))
    return GroupPolicy(
        group_id=str(group.id),
        idle_to_away_s=group.idle_to_away_s,
        away_to_logout_s=group.away_to_logout_s,
        breaks=breaks,
        early_ready=group.early_ready,
        long_call_s=group.long_call_s,
        chat_limit=group.chat_limit,
    )


def home_group(user: User) -> str:
    """The ACD keeps one group per operator (for policies and a senior's scope): the first one."""
    return str(min(user.group_ids)) if user.group_ids else NO_GROUP


def build_setup(setup: AcdSetup) -> CenterSetup:
    staff = {user.id: user for user in setup.staff}
    queues = {queue.id: queue for queue in setup.queues}
    memberships = tuple(
        Membership(operator_id=str(m.user_id), queue_id=str(m.queue_id), level=m.level, position=m.position)
        for m in setup.members
        if m.user_id in staff and m.queue_id in queues
    )
    groups = {str(g.id): g for g in setup.groups}
    profiles = tuple(
        OperatorProfile(
            operator_id=str(user.id),
            group_id=home_group(user),
            skills=setup.skills.get(user.id, frozenset()),
            idle_to_away_s=own_idle_interval(groups.get(home_group(user)), user.idle_to_away_s),
        )
        for user in setup.staff
    )
    config = AcdConfig(
        queues=tuple(queue_config(q) for q in setup.queues),
        memberships=memberships,
        profiles=profiles,
        policies=tuple(group_policy(g) for g in setup.groups),
    )
    return CenterSetup(
        config,
        queues,
        staff,
        frozenset(g.id for g in setup.groups),
        {g.id: g.name for g in setup.groups},
        {g.id: g.service_id for g in setup.groups},
    )


def fit_snapshot(snapshot: AcdSnapshot, config: AcdConfig) -> AcdSnapshot:
    """The dynamic state kept across a configuration change: callers of queues that no longer exist
    cannot be served there and are dropped (operators without a profile are dropped by the restore)."""
    queue_ids = {q.queue_id for q in config.queues}
    return AcdSnapshot(
        operators=snapshot.operators,
        waiting=tuple(c for c in snapshot.waiting if c.queue_id in queue_ids),
        connected=snapshot.connected,
        callbacks=tuple(c for c in snapshot.callbacks if c.queue_id in queue_ids),
        round_robin_cursors={q: c for q, c in snapshot.round_robin_cursors.items() if q in queue_ids},
        history={q: h for q, h in snapshot.history.items() if q in queue_ids},
        blocked_groups=snapshot.blocked_groups,
        seq=snapshot.seq,
        move_seq=snapshot.move_seq,
        chats=tuple(c for c in snapshot.chats if c.queue_id in queue_ids),
    )
