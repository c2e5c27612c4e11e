"""The routing rules a call meets are held in memory (services/routing/held.py): a burst of calls reads
them from the database once, not once per call; an administrator's change takes effect on the next
call; a change stored by another node of the hotline is read within the holding time; while the
database is down the rules held last still decide."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.server import RunningServer

from c122.domain.errors import DatabaseUnavailable
from c122.domain.routing import ActionKind, Conditions, RuleAction, RuleDraft, Stage
from c122.domain.users import Actor, Role
from c122.services.routing.service import HOLD_RULES_S, RoutingRules

CALLER = "+79161234567"
ADMIN = Actor(user_id=0, role=Role.ADMIN, group_ids=frozenset())


class CountedReads:
    """The server's units of work, counted; `down` makes each one fail as an unreachable database."""

    def __init__(self, server: RunningServer) -> None:
        self._factory: Callable[[], AbstractAsyncContextManager[Any]] = server.application.uow_factory
        self.opened = 0
        self.down = False

    def __call__(self) -> AbstractAsyncContextManager[Any]:
        self.opened += 1
        if self.down:
            raise DatabaseUnavailable("the database is down (test)")
        return self._factory()


async def _line_and_queue(server: RunningServer) -> tuple[int, int]:
    async with server.application.uow_factory() as uow:
        line = await uow.lines.find({"number": "+78001220122"})
        queue = (await uow.queues.search("", 1, 0)).items[0]
    assert line is not None
    assert line.id is not None
    assert queue.id is not None
    return line.id, queue.id


async def test_rules_are_read_once_for_a_burst_and_a_change_takes_effect_on_the_next_call(
    server: RunningServer,
) -> None:
    line_id, queue_id = await _line_and_queue(server)
    reads = CountedReads(server)
    monotonic = [0.0]
    zone = ZoneInfo(server.application.settings.hotline_time_zone)
    routing = RoutingRules(reads, server.clock, zone, monotonic=lambda: monotonic[0])

    async def decide() -> int | None:
        rule = await routing.rule_for_call(line_id, CALLER, Stage.ARRIVAL, server.clock.now())
        return rule.id if rule is not None else None

    assert [await decide() for _ in range(50)] == [None] * 50
    assert reads.opened == 1  # one read for the whole burst

    draft = RuleDraft(
        line_id, "Мобильные 916", Conditions(patterns=("8916*",)), RuleAction(ActionKind.QUEUE, queue_id)
    )
    rule = await routing.create_rule(ADMIN, draft)
    assert await decide() == rule.id  # the administrator's change, on the very next call

    # Another node deletes the rule: this one reads it within the holding time.
    async with server.application.uow_factory() as uow:
        await uow.routing.delete_rule(rule.id)
        await uow.commit()
    assert await decide() == rule.id
    monotonic[0] += HOLD_RULES_S + 0.1
    assert await decide() is None

    # The database goes down: the rules held last still decide, and the call is not failed.
    await routing.create_rule(ADMIN, draft)
    held = await decide()
    assert held is not None
    reads.down = True
    monotonic[0] += HOLD_RULES_S + 0.1
    assert await decide() == held
