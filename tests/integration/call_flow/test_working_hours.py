"""The working-hours branch decides on the service clock (moved by hand here): on a Saturday the line
says it is closed and hangs up; on the Monday morning the same call waits in the queue."""

from __future__ import annotations

import pytest
from tests.integration.call_flow.conftest import HotlineCaller, ended_calls, info_queue_id, route_main_line
from tests.support.server import RunningServer

from c122.domain.users import CONSOLE

pytestmark = pytest.mark.peers
SATURDAY_NOON_MOSCOW_TO_MONDAY_NINE = (2 * 24 - 3) * 3600  # the fake clock starts on Sat 12:00 MSK


async def test_the_schedule_branch_follows_the_hotlines_clock(
    hotline: RunningServer, caller: HotlineCaller
) -> None:
    queue_id = await info_queue_id(hotline)
    context = hotline.application.context
    await context.prompts.synthesise(CONSOLE, "test_closed", "Закрыто", "Линия работает по будним дням.")
    weekdays = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    flow = {
        "name": "test_hours",
        "entry": "hours",
        "timezone": "Europe/Moscow",
        "nodes": {
            "hours": {"type": "schedule", "schedule": {"weekly": weekdays}, "open": "queue", "closed": "bye"},
            "queue": {"type": "enqueue", "queue": str(queue_id)},
            "bye": {"type": "hang_up", "prompt": "test_closed"},
        },
    }
    await context.ivr_flows.create(CONSOLE, flow)
    await route_main_line(hotline, "test_hours")

    # A short listen: the closed notice is shorter than the greeting-length pause the other tests use.
    await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=200, wait_ms=20000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the hotline hung up after the closed notice
    (closed,) = await ended_calls(hotline)
    assert (closed["end_cause"], closed["queue_id"]) == ("ivr_hang_up", None)

    hotline.clock.advance(SATURDAY_NOON_MOSCOW_TO_MONDAY_NINE)
    await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=2000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    opened = await ended_calls(hotline, count=2)
    assert (opened[0]["end_cause"], opened[0]["queue_id"]) == ("caller_hang_up", queue_id)
