"""Builders for ACD rule tests: a fake clock and a small contact centre assembled from short specs."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from c122.domain.acd import (
    Acd,
    AcdConfig,
    AcdSnapshot,
    CompletedBy,
    GroupPolicy,
    Membership,
    OperatorProfile,
    OperatorStatus,
    Outcome,
    QueueConfig,
)


class FakeClock:
    """Time under test control; the rules only ever see the numbers it returns."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


class World:
    """One ACD plus its clock, with helpers that read like the scenario they drive."""

    def __init__(
        self,
        queues: Iterable[QueueConfig],
        members: Iterable[Membership],
        profiles: Iterable[OperatorProfile],
        policies: Iterable[GroupPolicy] = (),
        *,
        seed: int = 7,
        rng: Any = None,
        clock: FakeClock | None = None,
        snapshot: AcdSnapshot | None = None,
    ) -> None:
        self.config = AcdConfig(tuple(queues), tuple(members), tuple(profiles), tuple(policies))
        self.clock = clock or FakeClock()
        self.rng = rng if rng is not None else random.Random(seed)
        self.acd = Acd(self.config, self.rng, snapshot=snapshot)

    def restarted(self) -> World:
        """A fresh ACD rebuilt from this one's snapshot, as after a process restart."""
        world = World.__new__(World)
        world.config, world.clock, world.rng = self.config, FakeClock(self.clock.now()), self.rng
        world.acd = Acd(self.config, self.rng, snapshot=self.acd.snapshot())
        return world

    @property
    def now(self) -> float:
        return self.clock.now()

    def login(self, *operator_ids: str) -> Outcome:
        events: list[Any] = []
        for op in operator_ids:
            events.extend(self.acd.login(op, self.now).events)
            self.clock.advance(1.0)  # distinct idle times make longest-idle order explicit
        return Outcome(tuple(events))

    def call(self, call_id: str, queue_id: str = "q1", caller: str = "", **kwargs: Any) -> Outcome:
        return self.acd.enqueue(call_id, queue_id, caller or f"+7900{call_id}", self.now, **kwargs)

    def accept(self, operator_id: str, call_id: str) -> Outcome:
        return self.acd.accept(operator_id, call_id, self.now)

    def reject(self, operator_id: str, call_id: str) -> Outcome:
        return self.acd.reject(operator_id, call_id, self.now)

    def hang_up(self, call_id: str, by: CompletedBy = CompletedBy.CALLER) -> Outcome:
        return self.acd.hang_up(call_id, by, self.now)

    def tick(self, seconds: float = 0.0) -> Outcome:
        self.clock.advance(seconds)
        return self.acd.tick(self.now)

    @staticmethod
    def offers(outcome: Outcome) -> list[tuple[str, str]]:
        return [(o.call_id, o.operator_id) for o in outcome.offers]

    def status(self, operator_id: str) -> OperatorStatus:
        return self.acd.state.operators[operator_id].status

    def offered_call(self, operator_id: str) -> str | None:
        op = self.acd.state.operators[operator_id]
        return op.call_id if op.status is OperatorStatus.OFFERED else None

    def answer_next(self, operator_id: str) -> str:
        call_id = self.offered_call(operator_id)
        assert call_id is not None, f"{operator_id} has no offer"
        self.accept(operator_id, call_id)
        return call_id


WorldFactory = Callable[..., World]


def build_world(
    queues: Iterable[QueueConfig] | None = None,
    members: Mapping[str, Iterable[str | tuple[str, int, int]]] | None = None,
    *,
    groups: Mapping[str, str] | None = None,
    skills: Mapping[str, Iterable[str]] | None = None,
    policies: Iterable[GroupPolicy] = (),
    **kwargs: Any,
) -> World:
    """Members per queue: operator ids, or (operator id, tier level, position) tuples."""
    queue_list = list(queues or [QueueConfig(queue_id="q1", group_id="g1")])
    member_spec = members or {"q1": ["a", "b"]}
    memberships: list[Membership] = []
    operators: dict[str, None] = {}
    for queue_id, entries in member_spec.items():
        for position, entry in enumerate(entries):
            op, level, pos = (entry, 1, position) if isinstance(entry, str) else entry
            memberships.append(Membership(operator_id=op, queue_id=queue_id, level=level, position=pos))
            operators[op] = None
    groups = groups or {}
    skills = skills or {}
    profiles = [
        OperatorProfile(operator_id=op, group_id=groups.get(op, "g1"), skills=frozenset(skills.get(op, ())))
        for op in operators
    ]
    return World(queue_list, memberships, profiles, policies, **kwargs)


@pytest.fixture
def make_world() -> WorldFactory:
    return build_world
