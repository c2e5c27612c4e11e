"""How each distribution strategy ranks the free operators of a queue for a call (smaller key wins)."""

from __future__ import annotations

from typing import Protocol

from c122.domain.acd.config import Membership, Strategy
from c122.domain.acd.ids import OperatorId
from c122.domain.acd.operator_state import OperatorState


class RandomSource(Protocol):
    """`random.Random` satisfies it; tests inject a seeded one."""

    def random(self) -> float: ...


StrategyKey = tuple[float, float]


def strategy_key(
    strategy: Strategy,
    member: Membership,
    operator: OperatorState,
    cursor: tuple[int, OperatorId] | None,
    rng: RandomSource,
) -> StrategyKey:
    if strategy is Strategy.LONGEST_IDLE:
        return (operator.idle_since, 0.0)
    if strategy is Strategy.FEWEST_CALLS:
        return (float(operator.calls_answered), operator.idle_since)
    if strategy is Strategy.LEAST_TALK_TIME:
        return (operator.talk_seconds, operator.idle_since)
    if strategy is Strategy.LINEAR:
        return (float(member.position), 0.0)
    if strategy is Strategy.ROUND_ROBIN:
        # Continue after the operator offered last time; wrap around to the start of the ring.
        after_cursor = cursor is None or (member.position, member.operator_id) > cursor
        return (0.0 if after_cursor else 1.0, float(member.position))
    if strategy is Strategy.RANDOM:
        return (rng.random(), 0.0)
    return (0.0, 0.0)  # ring-all: every candidate is rung


def ranking_key(
    strategy: Strategy,
    member: Membership,
    operator: OperatorState,
    cursor: tuple[int, OperatorId] | None,
    rng: RandomSource,
) -> tuple[int, float, float, OperatorId]:
    """Tier level first (level 1 before 2), then the strategy, then the id for a stable result."""
    first, second = strategy_key(strategy, member, operator, cursor, rng)
    return (member.level, first, second, member.operator_id)
