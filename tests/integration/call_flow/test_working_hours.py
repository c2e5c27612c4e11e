"""The working-hours branch decides on the service clock (moved by hand here): on a Saturday the line
says it is closed and hangs up; on the Monday morning the same call waits in the queue."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.call_flow.conftest import HotlineCaller, info_queue_id
from tests.support.polling import until
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
    admin = await hotline.signed_in("admin")
    lines = (await admin.http.get("/api/v1/admin/lines")).json()["items"]
    main = next(line for line in lines if line["number"] == "+78001220122")
    patched = await admin.write(
        "PATCH", f"/api/v1/admin/lines/{main['id']}", json={"entry_flow": "test_hours"}
    )
    assert patched.status_code == 200

    async def journal() -> list[dict[str, Any]]:
        reader = await hotline.signed_in("admin")  # a fresh session: the clock jumps over days here
        items: list[dict[str, Any]] = (await reader.http.get("/api/v1/calls")).json()["items"]
        return [item for item in items if item["status"] != "active"]

    # A short listen: the closed notice is shorter than the greeting-length pause the other tests use.
    await caller.call(hotline, "hotline_caller_hung_up.xml", digits="1", listen_ms=200, wait_ms=20000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]  # the hotline hung up after the closed notice
    (closed,) = await until(journal, lambda items: len(items) == 1)
    assert (closed["end_cause"], closed["queue_id"]) == ("ivr_hang_up", None)

    hotline.clock.advance(SATURDAY_NOON_MOSCOW_TO_MONDAY_NINE)
    await caller.call(hotline, "hotline_caller.xml", digits="1", listen_ms=2500, wait_ms=2000)
    code, output = await caller.finish()
    assert code == 0, output[-3000:]
    opened = await until(journal, lambda items: len(items) == 2)
    assert (opened[0]["end_cause"], opened[0]["queue_id"]) == ("caller_hang_up", queue_id)
