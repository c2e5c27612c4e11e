"""Call targets that are a group or a service (TEL-17, TEL-18): the queue a group's callers wait in,
the groups of a service, and the colleague a call to a group reaches (its longest-idle free operator)."""

from __future__ import annotations

from collections.abc import Iterable

from c122.domain.acd.state import AcdState
from c122.services.contact_center.setup import CenterSetup


def group_queue(setup: CenterSetup, group_id: int) -> int | None:
    """The group's queue (the first by id when it has several); None when it has none."""
    return min((q.id for q in setup.queues.values() if q.group_id == group_id), default=None)


def service_groups(setup: CenterSetup, service_id: int) -> list[int]:
    return sorted(g for g, s in setup.group_services.items() if s == service_id)


def free_operator(
    state: AcdState, setup: CenterSetup, group_ids: Iterable[int], excluding: int
) -> int | None:
    """The free operator of the groups' queues who has waited longest for work, other than `excluding`."""
    groups = set(group_ids)
    queue_ids = [str(q.id) for q in setup.queues.values() if q.group_id in groups]
    free = {op for q in queue_ids for op in state.free_by_queue.get(q, ()) if op != str(excluding)}
    if not free:
        return None
    best = min(free, key=lambda op: (state.operators[op].since, op))
    return int(best)
